"""ScenarioError: every problem in a scenario file, each located as file:line:column: path: message.

The classes live in :mod:`sim.errors` (one error hierarchy for the project); this module keeps the names
the scenario package has always exported.
"""

from __future__ import annotations

from sim.errors import Problem, ScenarioError, one_line

__all__ = ["Problem", "ScenarioError", "one_line"]
