"""Domestic politics between moves: each ruling group's threat rises with elections, foreign pressure and shocks.

The threat ``w.threat[i]`` (0 = secure, 1 = about to fall) is what a regime-security interest weighs
(Bueno de Mesquita et al. 2003, *The Logic of Political Survival*: leaders' first aim is to stay in
office). It returns part-way to its baseline each quarter, rises in and just before an election, with
the partner-weighted pressure and sanctions foreign governments put on the actor (Levitsky & Way 2010,
*Competitive Authoritarianism*: Western leverage raises the cost of holding on), and with rare shocks
(protests, scandals, downturns) drawn from the run's keyed streams (sim.core.streams). A crackdown
(sim.core.actions) lowers it at a price in regard. Rates are modelling judgements (docs/model.md section 6).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from sim.core.setup import DomesticSpec, DynamicsParams, per_run
from sim.core.streams import Dice, Purpose, rounds_table_hashes, table_hashes, uniform, uniform_of
from sim.core.world import WorldState, clip, tr


def shock_draws(key: np.uint64, rounds: int, n: int) -> np.ndarray:
    """(rounds, 2, N) one run's uniform draws of every actor's domestic shock and its size in rounds 1 to
    ``rounds`` (what :func:`advance_domestic` draws each round, made at once: names known in advance)."""
    names = np.arange(n)[None]
    return uniform_of(rounds_table_hashes(key, (Purpose.SHOCK, Purpose.SHOCK_SIZE), range(1, rounds + 1), names))


def foreign_pressure(world: WorldState, partner: np.ndarray) -> np.ndarray:
    """(..., N) partner-weighted public pressure and sanctions on each actor (V[i, k] x (p_ki + s_ki) / 2)."""
    return np.add.reduce(partner * tr(world.pressure + world.sanctions) / 2.0, axis=-1)


def advance_domestic(
    world: WorldState,
    domestic: DomesticSpec,
    params: DynamicsParams,
    partner: np.ndarray,
    dice: Dice | np.uint64 | np.ndarray,
    round_number: int,
    draws: np.ndarray | None = None,
) -> np.ndarray:
    """Move every actor's threat one quarter forward in place; return the shocks drawn, (N,) or (R, N).

    ``dice`` is one run's Dice (or key), or the (R, 1) keys of R runs whose arrays ``world`` holds with a
    leading runs axis (``partner`` is then (R, N, N)). ``draws`` are one run's shock draws of this round
    when the caller made them ahead (a row of :func:`shock_draws`).
    """
    key = dice.key if isinstance(dice, Dice) else dice
    actors = np.arange(world.threat.shape[-1])
    if draws is not None or np.ndim(key) == 0:  # one run: both draws of every actor hashed together
        u = draws
        if u is None:
            names = actors[None]
            u = uniform_of(table_hashes(cast(np.uint64, key), (Purpose.SHOCK, Purpose.SHOCK_SIZE), round_number, names))
        hit, size = u[0] < params.shock_rate, u[1] * params.shock_size
    else:
        hit = uniform(key, Purpose.SHOCK, round_number, actors) < per_run(params.shock_rate, 2)
        size = uniform(key, Purpose.SHOCK_SIZE, round_number, actors) * per_run(params.shock_size, 2)
    shocks = np.where(hit, size, 0.0)
    threat = world.threat
    ndim = threat.ndim
    threat += per_run(params.threat_memory, ndim) * (domestic.threat_baseline - threat)
    threat += per_run(params.election_threat, ndim) * domestic.election_due(round_number + 1)
    threat += per_run(params.pressure_threat, ndim) * foreign_pressure(world, partner)
    threat += shocks
    clip(threat, 0.0, 1.0, out=threat)
    return shocks
