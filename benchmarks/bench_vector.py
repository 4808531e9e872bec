"""Vector engine against the Mesa model: 12-round runs per CPU-second of the same seeds, and their ratio.

Both engines play the same runs (the vector engine's run r is the Mesa run of seed r, draw for draw),
timed in CPU seconds of this process (one core), interleaved, medians of the repeats; the ratio is the
figure that survives a noisy machine. Model construction is included on both sides.
`python benchmarks/bench_vector.py [--runs 256] [--repeat 5] [--scenario medvedev_visit_2015] [--batch]`.

`--actors [--runs 32]` prints instead the vector engine's CPU time per run at 6, 12, 24 and 48 actors
(synthetic scenarios, tests/synthetic.py; batches of every size interleaved, medians) and each as a
multiple of the cost at 6 actors.

`--resolution` prints instead what resolving a round's moves costs at one run: the Mesa model's move-by-move
resolution (``AlignmentModel._resolve`` over a round's moves, scalar cell arithmetic) against the vector
engine's batched ``resolve_moves`` called with R = 1, timed inside the same runs (CPU time), and the Mesa
round they sit in: why the resolution is the one rule kept in two forms (docs/vector.md).

`--sizes` prints instead the vector engine's runs per CPU-second at 16 to 1,024 runs a batch (what a batch's
chunk size buys), and `--points P [--reps 4]` a sweep of P points of that many runs each (a starting state, a
temperature, a dynamics parameter and a scoring weight vary) played a batch per point against all in one
batch (``VectorEngine(run_setups=...)``, what `batch` and `sensitivity` do).

`--batch-sizes` prints instead the cost per run at 16 to 512 runs a batch for 6, 12, 24 and 48 actors, each
as a multiple of the cheapest batch for that many actors, beside ``sim.vector.largest_batch`` (the most runs
a batch holds before its arrays leave the cache and a run costs more).

`--round-ratio [--checkout DIR]` prints instead the Mesa round's CPU time as a multiple of an empty 6-agent
Mesa model's step, both sampled alternately in this process (medians), for the code in DIR (default: this
checkout): run it on two checkouts, interleaved, to compare their rounds on a noisy machine.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# The code (and scenarios) to measure: another git worktree's with --checkout, else this one's.
ROOT = (
    Path(sys.argv[sys.argv.index("--checkout") + 1]).resolve()
    if "--checkout" in sys.argv[:-1]
    else Path(__file__).resolve().parents[1]
)
sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402

from sim.core import AlignmentModel  # noqa: E402

SCENARIOS = ROOT / "scenarios"


class _EmptyAgent(mesa.Agent):
    def step(self) -> None:
        pass


class _EmptyModel(mesa.Model):
    """Six agents that do nothing: Mesa's own per-step overhead (as benchmarks/bench_core.py)."""

    def __init__(self) -> None:
        super().__init__(rng=0)
        for _ in range(6):
            _EmptyAgent(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def round_ratio(scenario: str, seeds: int = 30) -> None:
    """Median CPU time of a Mesa round (rounds 1..12 of ``seeds`` runs) over that of an empty Mesa step."""
    from sim.scenario import build_setup, load_scenario

    setup = build_setup(load_scenario(SCENARIOS / f"{scenario}.yaml"))
    empty = _EmptyModel()

    def fifty_steps() -> None:
        for _ in range(50):
            empty.step()

    rounds, steps = [], []
    for seed in range(seeds):
        for _ in range(3):
            steps.append(cpu(fifty_steps) / 50)
        model = AlignmentModel(setup, rng=seed, collect=False)
        while not model.finished:
            rounds.append(cpu(model.step))
    r, e = statistics.median(rounds), statistics.median(steps)
    print(f"Mesa round {r * 1e6:.0f} us, empty 6-agent Mesa step {e * 1e6:.2f} us, ratio {r / e:.1f}x (CPU time)")


def actor_scaling(runs: int, repeat: int) -> None:
    """CPU time per run of the vector engine at 6, 12, 24 and 48 actors, and its multiple of the cost at 6."""
    sys.path.insert(0, str(ROOT))
    from sim.scenario import build_setup
    from sim.vector import VectorEngine, keys_for
    from tests.synthetic import synthetic_scenario

    sizes = (6, 12, 24, 48)
    setups = {n: build_setup(synthetic_scenario(n, seed=1)) for n in sizes}
    keys = keys_for(list(range(runs)))
    for n in sizes:  # warm caches and imports
        VectorEngine(setups[n], keys[:2]).run()
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(repeat):  # interleaved: one batch of every size in turn
        for n in sizes:
            samples[n].append(cpu(lambda n=n: VectorEngine(setups[n], keys).run()) / runs)  # type: ignore[misc]
    base = statistics.median(samples[sizes[0]])
    print(f"vector engine, {runs} runs a batch, synthetic scenarios, medians of {repeat} interleaved samples (CPU)")
    for n in sizes:
        cost = statistics.median(samples[n])
        rounds = setups[n].rounds
        print(f"  {n:2d} actors, {rounds} rounds: {cost * 1e3:8.2f} ms per run  ({cost / base:5.1f}x the cost at 6)")


def batch_sizes(scenario: str, repeat: int) -> None:
    """Runs per CPU-second of the vector engine at R = 16 to 1,024 runs a batch (interleaved, medians)."""
    from sim.scenario.calibration import load_setup
    from sim.vector import VectorEngine, keys_for

    setup = load_setup(SCENARIOS / f"{scenario}.yaml")
    sizes = (16, 64, 128, 256, 512, 1024)
    keys = keys_for(list(range(max(sizes))))
    VectorEngine(setup, keys[:4]).run()
    samples: dict[int, list[float]] = {r: [] for r in sizes}
    for _ in range(repeat):
        for r in sizes:
            samples[r].append(r / cpu(lambda r=r: VectorEngine(setup, keys[:r]).run()))  # type: ignore[misc]
    print(f"scenario {scenario}, vector engine, medians of {repeat} interleaved samples (CPU time)")
    for r in sizes:
        rate = statistics.median(samples[r])
        print(f"  {r:5d} runs a batch: {rate:6.0f} runs/s/core  ({1e6 / rate / setup.rounds:5.0f} us a run-round)")


def batch_sizes_by_actors(repeat: int) -> None:
    """The vector engine's CPU time per run at 16 to 512 runs a batch for 6, 12, 24 and 48 actors (synthetic
    scenarios, every size and batch interleaved, medians), each as a multiple of that actor count's cheapest
    batch, and the batch sim.vector.largest_batch allows: where the per-move arrays leave the cache."""
    from sim.scenario import build_setup
    from sim.vector import VectorEngine, keys_for, largest_batch
    from tests.synthetic import synthetic_scenario

    actors, sizes = (6, 12, 24, 48), (16, 32, 64, 128, 256, 512)
    setups = {n: build_setup(synthetic_scenario(n, seed=1)) for n in actors}
    keys = keys_for(list(range(max(sizes))))
    for n in actors:
        VectorEngine(setups[n], keys[:2]).run()
    samples: dict[tuple[int, int], list[float]] = {(n, r): [] for n in actors for r in sizes}
    for _ in range(repeat):
        for n in actors:
            for r in sizes:
                batches = max(1, 128 // r)  # at least 128 runs a sample
                cost = cpu(lambda n=n, r=r, b=batches: [VectorEngine(setups[n], keys[:r]).run() for _ in range(b)])
                samples[n, r].append(cost / (batches * r))
    print(f"vector engine, ms per run by runs a batch (x the cheapest), synthetic scenarios, medians of {repeat}")
    print("  actors " + "".join(f"{r:>14d}" for r in sizes) + "   largest_batch")
    for n in actors:
        costs = [statistics.median(samples[n, r]) for r in sizes]
        cells = "".join(f"{c * 1e3:8.2f} ({c / min(costs):3.1f})" for c in costs)
        print(f"  {n:6d} {cells}   {largest_batch(n):6d}")


def sweep_points(scenario: str, points: int, reps: int, repeat: int) -> None:
    """A sweep's runs (``points`` points of ``reps`` runs, each point a different tau, starting sanction,
    sanction trade elasticity and trade weight) played a batch per point against all in one batch
    (run_setups), interleaved, medians."""
    from sim.scenario.calibration import load_document, setup_with_overrides
    from sim.vector import VectorEngine, keys_for

    document = load_document(SCENARIOS / f"{scenario}.yaml")
    setups = [
        setup_with_overrides(document, {"actors.russia.policy.tau": 0.05 + 0.9 * p / points,
                                        "sanctions.us.russia": p / points,
                                        "dynamics.sanction_trade_elasticity": 0.5 + p / points,
                                        "scoring.weights.trade": 0.05 + 0.3 * p / points})
        for p in range(points)
    ]  # fmt: skip
    keys = keys_for(list(range(reps)))

    def apart() -> None:
        for setup in setups:
            VectorEngine(setup, keys).run()

    def together() -> None:
        VectorEngine(setups[0], np.tile(keys, points), run_setups=[s for s in setups for _ in range(reps)]).run()

    together()
    a, t = [], []
    for _ in range(repeat):
        a.append(points * reps / cpu(apart))
        t.append(points * reps / cpu(together))
    ma, mt = statistics.median(a), statistics.median(t)
    print(f"scenario {scenario}, {points} sweep points x {reps} runs, medians of {repeat} interleaved samples (CPU)")
    print(f"  a batch per point:      {ma:6.0f} runs/s/core")
    print(f"  every point in one:     {mt:6.0f} runs/s/core  ({mt / ma:.1f}x)")


def resolution_at_one_run(scenario: str, runs: int) -> None:
    """CPU time per round of the two forms of the move resolution at R = 1, timed inside the same runs."""
    import sim.vector.engine as vector_engine
    from sim.scenario.calibration import load_setup
    from sim.vector import VectorEngine, keys_for

    setup = load_setup(SCENARIOS / f"{scenario}.yaml")
    spent = {"batched": 0.0, "scalar": 0.0, "mesa round": 0.0}
    batched, scalar = vector_engine.resolve_moves, AlignmentModel._resolve

    def timed(name: str, fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start

        return wrapper

    vector_engine.resolve_moves = timed("batched", batched)  # type: ignore[assignment]
    AlignmentModel._resolve = timed("scalar", scalar)  # type: ignore[method-assign,assignment]
    try:
        for seed in range(runs):
            VectorEngine(setup, keys_for([seed])).run()
            spent["mesa round"] += cpu(lambda s=seed: AlignmentModel(setup, rng=s, collect=False).run())  # type: ignore[misc]
    finally:
        vector_engine.resolve_moves = batched
        AlignmentModel._resolve = scalar  # type: ignore[method-assign]
    rounds = runs * setup.rounds
    per = {name: seconds / rounds * 1e6 for name, seconds in spent.items()}
    print(f"scenario {scenario}, {runs} runs x {setup.rounds} rounds at R = 1, CPU time per round")
    print(f"  Mesa model, move by move (AlignmentModel._resolve):  {per['scalar']:8.0f} us")
    print(f"  vector engine's resolve_moves, R = 1:               {per['batched']:8.0f} us")
    print(f"  ratio batched / move by move:                       {per['batched'] / per['scalar']:8.1f}x")
    print(f"  a whole Mesa round (construction included):         {per['mesa round']:8.0f} us")


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=256, help="runs per vector batch (default 256)")
    parser.add_argument("--mesa-runs", type=int, default=24, help="Mesa runs per sample (default 24)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved samples of each (default 5)")
    parser.add_argument("--scenario", default="medvedev_visit_2015")
    parser.add_argument("--batch", action="store_true", help="also time run_batch (serial) with each engine")
    parser.add_argument("--round-ratio", action="store_true", help="only the Mesa round / empty Mesa step ratio")
    parser.add_argument("--checkout", help="with --round-ratio: measure the code of this checkout (a directory)")
    parser.add_argument("--actors", action="store_true", help="only the vector engine's cost at 6 to 48 actors")
    parser.add_argument("--resolution", action="store_true", help="only the resolution's cost at one run, both forms")
    parser.add_argument("--sizes", action="store_true", help="only the vector engine's rate at 16 to 1,024 runs")
    parser.add_argument(
        "--batch-sizes", action="store_true", help="only the cost per run by runs a batch at 6 to 48 actors"
    )
    parser.add_argument(
        "--points", type=int, metavar="P", help="only a sweep of P points x --reps runs: a batch per point or one"
    )
    parser.add_argument("--reps", type=int, default=4, help="with --points: runs per point (default 4)")
    args = parser.parse_args()
    if args.sizes:
        batch_sizes(args.scenario, args.repeat)
        return
    if args.batch_sizes:
        batch_sizes_by_actors(args.repeat if "--repeat" in sys.argv else 3)
        return
    if args.points:
        sweep_points(args.scenario, args.points, args.reps, args.repeat)
        return
    if args.resolution:
        resolution_at_one_run(args.scenario, 20 * args.repeat)
        return
    if args.round_ratio:
        round_ratio(args.scenario)
        return
    if args.actors:
        actor_scaling(args.runs if "--runs" in sys.argv else 32, args.repeat)
        return
    from sim.batch.plan import run_seed
    from sim.scenario.calibration import load_setup
    from sim.vector import VectorEngine, keys_for

    setup = load_setup(SCENARIOS / f"{args.scenario}.yaml")
    seeds = [run_seed(2026, k) for k in range(max(args.runs, args.mesa_runs))]

    def vector() -> None:
        VectorEngine(setup, keys_for(seeds[: args.runs])).run()

    def mesa() -> None:
        for s in seeds[: args.mesa_runs]:
            AlignmentModel(setup, rng=np.random.default_rng(s), collect=False).run()

    VectorEngine(setup, keys_for(seeds[:4])).run()  # warm caches and imports on both sides
    AlignmentModel(setup, rng=1, collect=False).run()
    v_rates, m_rates = [], []
    for _ in range(args.repeat):
        v_rates.append(args.runs / cpu(vector))
        m_rates.append(args.mesa_runs / cpu(mesa))
    v, m = statistics.median(v_rates), statistics.median(m_rates)
    print(f"scenario {args.scenario}, {setup.rounds} rounds, medians of {args.repeat} interleaved samples (CPU time)")
    print(f"  vector engine, {args.runs} runs a batch: {v:8.0f} runs/s/core")
    print(f"  Mesa model, one run at a time:     {m:8.0f} runs/s/core")
    print(f"  ratio vector / Mesa:               {v / m:8.1f}x")
    if args.batch:
        batch(args)


def batch(args: argparse.Namespace) -> None:
    """The same comparison through run_batch in this process (plan, chunks, Parquet store included)."""
    from sim.batch.engine import run_batch

    sizes = {"vector": args.runs, "mesa": args.mesa_runs}
    rates: dict[str, list[float]] = {"vector": [], "mesa": []}
    for rep in range(args.repeat):
        for engine in ("vector", "mesa"):
            seconds = cpu(
                functools.partial(
                    run_batch, args.scenario, runs=sizes[engine], seed=rep, workers=1, engine=engine, chunk_size=128
                )
            )
            rates[engine].append(sizes[engine] / seconds)
    v, m = statistics.median(rates["vector"]), statistics.median(rates["mesa"])
    print("run_batch, 1 worker, chunks of 128 runs (plan, store and tables included)")
    print(f"  --engine vector: {v:8.0f} runs/s/core")
    print(f"  --engine mesa:   {m:8.0f} runs/s/core")
    print(f"  ratio:           {v / m:8.1f}x")


if __name__ == "__main__":
    main()
