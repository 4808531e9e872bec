"""The simulation core: world state, actions, dynamics, scoring, agents and the Mesa model (no I/O, no UI)."""

from sim.core.actions import ACTION_IDS, CATALOGUE, Action, action
from sim.core.model import AlignmentModel, MoveError
from sim.core.record import FiredEvent, Move, RoundRecord
from sim.core.setup import ActorSpec, DynamicsParams, ModelSetup, ScoringSpec, ScoringWeights, ScriptedMove
from sim.core.world import INTERESTS, WorldState

__all__ = [
    "ACTION_IDS",
    "CATALOGUE",
    "INTERESTS",
    "Action",
    "ActorSpec",
    "AlignmentModel",
    "DynamicsParams",
    "FiredEvent",
    "ModelSetup",
    "Move",
    "MoveError",
    "RoundRecord",
    "ScoringSpec",
    "ScoringWeights",
    "ScriptedMove",
    "WorldState",
    "action",
]
