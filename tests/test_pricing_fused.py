"""Pricing without detail (the weighted terms summed as the rules put them) gives the same bits as with detail."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import pricing
from sim.scenario import build_setup, load_scenario
from sim.vector import VectorEngine, keys_for
from tests.synthetic import synthetic_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: What both forms of pricing return the same way (offers: see _same_offers).
DENSE = [
    "own_net", "received", "cost", "accept_gain", "sector_gain", "sector_terms",
    "sector_accept_gain", "sector_accept_chance", "temperature", "feasible", "sector_feasible", "offer_feasible",
]  # fmt: skip
#: What both return the same way where the move is feasible (the only cells the vector engine reads), and
#: for the moves that need no answer everywhere: without detail the chances of acceptance, and with them the
#: gains of proposals and requests, are worked out for the feasible moves only.
WHERE_FEASIBLE = ["gain", "accept_chance"]


@pytest.fixture(autouse=True)
def _weigh_at_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches here: weigh the terms at any size (pricing keeps them below _WEIGHED_FROM cells)."""
    monkeypatch.setattr(pricing, "_WEIGHED_FROM", 0)


def _priced_states(setup: Any, runs: int, rounds: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """The arguments of every price call the vector engine makes playing ``rounds`` rounds of ``runs`` runs."""
    calls: list[tuple] = []
    real = pricing.price

    def keep(*args: Any, **kwargs: Any) -> pricing.PricedBatch:
        calls.append(args[:6])
        return real(*args, **kwargs)

    monkeypatch.setattr(pricing, "price", keep)
    engine = VectorEngine(setup, keys_for(list(range(runs))))
    for _ in range(rounds):
        engine.step()
    monkeypatch.setattr(pricing, "price", real)
    assert calls
    return calls


def _same(a: np.ndarray, b: np.ndarray, name: str) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype, name
    # Bit for bit, the signs of zeros included (array_equal alone takes -0.0 for 0.0).
    assert np.array_equal(a, b, equal_nan=True) and a.tobytes() == b.tobytes(), name


def _same_offers(detail: pricing.PricedBatch, summed: pricing.PricedBatch) -> None:
    assert summed.offer_at is not None
    assert np.array_equal(summed.offer_at, np.flatnonzero(detail.offer_feasible))
    for name in ("offer_gain", "offer_accept_gain", "offer_accept_chance"):
        _same(getattr(detail, name).reshape(-1)[summed.offer_at], getattr(summed, name), name)


def _check(args: tuple, weighable: bool = True) -> None:
    ctx, setup, feasible, sector_feasible, interests, tau = args
    weights = pricing.tr(pricing.term_weights(interests, ctx.world.threat, setup))
    assert pricing._weighable(weights) is weighable  # the form under test is the one taken
    detail = pricing.price(ctx, setup, feasible, sector_feasible, interests, tau, detail=True)
    for scratch in (None, pricing.Scratch()):
        summed = pricing.price(ctx, setup, feasible, sector_feasible, interests, tau, False, scratch)
        assert summed.terms is None and summed.recv is None
        for name in DENSE:
            _same(getattr(detail, name), getattr(summed, name), name)
        for name in WHERE_FEASIBLE:
            whole, priced = getattr(detail, name), getattr(summed, name)
            _same(whole[feasible], priced[feasible], name)
            _same(whole[:, pricing._UNANSWERED_INDEX], priced[:, pricing._UNANSWERED_INDEX], name)
        answered = pricing._ANSWERED_INDEX
        assert not summed.accept_chance[:, answered][~feasible[:, answered]].any()  # zero where not feasible
        _same_offers(detail, summed)
    # The kept terms are what the gains are made of: weighted and summed, less the cost, a unilateral move's gain.
    assert detail.terms is not None
    plain = pricing._UNANSWERED_INDEX
    _same(np.add.reduce(detail.terms[:, :, plain], axis=1) - detail.cost[:, plain], summed.own_net[:, plain], "terms")


@pytest.mark.parametrize("stem", ["medvedev_visit_2015", "europe_1936", "sanctions_escalation", "debt_cancellation"])
def test_summed_terms_are_the_stored_terms_in_shipped_scenarios(stem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = build_setup(load_scenario(SCENARIOS / f"{stem}.yaml"))
    for args in _priced_states(setup, runs=6, rounds=6, monkeypatch=monkeypatch):
        _check(args)


@pytest.mark.parametrize(("actors", "runs", "rounds"), [(12, 4, 4), (48, 2, 2)])
def test_summed_terms_are_the_stored_terms_with_many_actors(
    actors: int, runs: int, rounds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = build_setup(synthetic_scenario(actors, seed=actors))
    for args in _priced_states(setup, runs, rounds, monkeypatch):
        _check(args)


def test_summed_terms_with_random_weights_and_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random interests (zeros among them) and random memories and threats: the same bits; with a negative
    or -0.0 weight, pricing keeps the terms (0 x w would be -0.0) and still gives the same bits."""
    rng = np.random.default_rng(7)
    setup = build_setup(synthetic_scenario(7, seed=3))
    for args in _priced_states(setup, runs=5, rounds=3, monkeypatch=monkeypatch):
        ctx, setup, feasible, sector_feasible, interests, tau = args
        world = ctx.world
        world.memory = rng.normal(0.0, 0.5, world.memory.shape) * (rng.random(world.memory.shape) < 0.5)
        world.threat = rng.choice([0.0, 0.2, 0.9], world.threat.shape)
        odd = rng.choice([0.0, 0.1, 0.7, 2.0], interests.shape)
        _check((ctx, setup, feasible, sector_feasible, odd, tau))
        odd[0, 0, pricing.ECONOMY] = -0.0
        _check((ctx, setup, feasible, sector_feasible, odd, tau), weighable=False)
        odd[0, 0, pricing.ECONOMY] = -0.5
        _check((ctx, setup, feasible, sector_feasible, odd, tau), weighable=False)


@settings(max_examples=80, deadline=None)
@given(
    gains=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=40),
    temps=st.lists(st.sampled_from([0.0, 1e-12, 0.03, 0.5, 2.0, 1e3]), min_size=1, max_size=40),
    into=st.sampled_from(["new", "gain", "other"]),
)
def test_the_chance_of_acceptance_is_the_logistic_or_at_zero_temperature_the_step(
    gains: list[float], temps: list[float], into: str
) -> None:
    """``_chance`` element by element: the logistic of gain / t (written with tanh, clipped at +-60) where t > 0,
    1.0 where t = 0 and the gain is positive and 0.0 where it is not, whether it writes a new array, the gains'
    own (read before written) or another."""
    size = min(len(gains), len(temps))
    gain, t = np.asarray(gains[:size]), np.asarray(temps[:size])
    step = t == 0
    logistic = [0.5 * (1.0 + math.tanh(min(max(g / s, -60.0), 60.0) * 0.5)) for g, s in zip(gain, t, strict=True) if s]
    kept = gain.copy()
    out = {"new": None, "gain": gain, "other": np.full(size, np.nan)}[into]
    got = pricing._chance(gain, t, out=out)
    assert np.array_equal(got[step], (kept[step] > 0).astype(float))  # exactly 0.0 or 1.0
    np.testing.assert_allclose(got[~step], logistic, rtol=0, atol=1e-15)  # libm's tanh against numpy's
    assert np.all((got >= 0.0) & (got <= 1.0))
    if into != "gain":
        assert np.array_equal(gain, kept)  # the gains are left as they were
    if out is not None:
        assert got is out
