"""AlignmentModel(mesa.Model): one round = events -> moves -> resolution -> dynamics -> scoring -> record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from sim.core.actions import (
    ACTION_INDEX,
    CATALOGUE,
    OFFER_ASKS,
    OFFER_GIVES,
    action,
    apply_move,
    apply_refusal,
    move_allowed,
)
from sim.core.agents import CountryAgent
from sim.core.choice import accept_gain, accepts, choice_keys, exclude, universe
from sim.core.conditions import MetricView
from sim.core.domestic import advance_domestic, shock_draws
from sim.core.dynamics import Baseline, advance
from sim.core.events import Event, PolicyState, apply_effects, is_due
from sim.core.mesa_import import mesa
from sim.core.objectives import ObjectiveReport, assess
from sim.core.pricing import Stances
from sim.core.record import FiredEvent, Move, RoundRecord, amended
from sim.core.reporters import model_reporters
from sim.core.scoring import IndexPlan, Scores, policy_affinity
from sim.core.setup import Controller, ModelSetup, held_per_run
from sim.core.streams import Dice, Purpose, gumbel_of, label, logistic_of, table_hashes, uniform_of
from sim.core.utility import (
    CandidateList,
    CandidateTable,
    RoundContext,
    effective_interests,
    features,
    flatten,
    price_candidates,
    round_context,
)
from sim.core.world import WorldState, off_diagonal
from sim.errors import PivotMoveError

#: Who answers a move of the round (:meth:`AlignmentModel._answer`).
_AGREED, _HUMAN, _AI = "agreed", "human", "ai"


class MoveError(PivotMoveError):
    """A move submitted from outside (a human or a script) that the rules do not allow now."""


def _index_plan(setup: ModelSetup) -> IndexPlan:
    """The setup's :class:`IndexPlan` (made once per setup, not once per run)."""
    sc = setup.scoring
    return IndexPlan.of(setup.n_actors, sc.powers, sc.bloc_a, sc.bloc_b)


class AlignmentModel(mesa.Model):
    """A run of a scenario. ``rng`` is a seed or a ``numpy.random.Generator``; it is the run's only
    source of randomness (Mesa's own ``random`` is seeded from it). Every draw of the rules is named by
    (purpose, round, item) under a key taken from it (:mod:`sim.core.streams`), so two runs of one seed
    share the noise of every decision they have in common: common random numbers across sweep points,
    scenarios and a student's alternative moves."""

    def __init__(
        self,
        setup: ModelSetup,
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
        *,
        collect: bool = True,
    ) -> None:
        stacked = held_per_run(setup)
        if stacked:  # a batch's setup (sim.vector): values for R runs where a model plays one
            raise ValueError(
                f"the setup holds {', '.join(stacked)} per run (a batch's setup, sim.core.setup.held_per_run): "
                "a model plays one run, so give it one run's setup"
            )
        super().__init__(rng=np.random.default_rng(rng))
        self.dice = Dice.of(self.rng)
        self.setup = setup
        self.world: WorldState = setup.world.copy()
        calibration = setup.calibration if setup.calibration is not None else setup.world
        self.base = Baseline.of(calibration, setup.trade_sectors, setup.baseline_relations)
        self.affinity = policy_affinity(self.world.positions, self.world.salience)
        #: The stance terms of the positions ``affinity`` was made of (pricing.Stances), and that affinity.
        self._stances: Stances | None = None
        self._stances_of: np.ndarray | None = None
        self.policy = PolicyState(setup.interests.copy(), setup.tau.copy(), setup.actions_per_round.copy())
        self.round = 0
        self.history: list[RoundRecord] = []
        self._orders: dict[int, list[Move]] = {}
        self._answers: dict[int, dict[int, bool]] = {}
        self.domestic = setup.domestic_spec()
        #: Every round's domestic shock draws, made at once (their names are known in advance).
        self._shocks = shock_draws(self.dice.key, setup.rounds, setup.n_actors)
        #: Proposals and requests addressed to human-controlled actors, waiting for their answer
        #: (they resolve in the next round, with the answers given to ``submit``).
        self.pending: list[Move] = []
        self._fired: set[str] = set()
        self.countries: list[CountryAgent] = [CountryAgent(self, i, spec) for i, spec in enumerate(setup.actors)]
        self.table: CandidateTable | None = None
        self.candidates: CandidateList | None = None
        #: This round's choice keys of ``candidates`` (sim.core.choice.choice_keys; -inf where a forced move
        #: rules a candidate out).
        self.choice_keys = np.zeros(0)
        #: This round's picks of each AI actor, in the order drawn: (kind, target, sector, ask) (:meth:`_pick`).
        self.picks: list[list[tuple[int, int, int, int]]] = []
        #: This round's moves forced by events or scripted by the scenario, per actor (:meth:`forced_moves_for`).
        self.forced: list[list[Move]] = [[] for _ in setup.actors]
        self.ended: str | None = None
        self._ctx: RoundContext | None = None
        #: The candidate table priced on the snapshot it names (:meth:`priced`), kept while that snapshot is.
        self._priced: tuple[RoundContext, CandidateTable] | None = None
        self._not_self = off_diagonal(setup.n_actors)
        self._values = setup.scoring.values_dimension
        self._index_plan = setup.derived("index plan", _index_plan)
        self.datacollector = (
            mesa.DataCollector(
                model_reporters=model_reporters(setup.actor_ids),
                agent_reporters={
                    "actor": "actor_id",
                    "gdp": "gdp",
                    "hedging": "hedging",
                    "bloc_tilt": "bloc_tilt",
                    "primary_partner": "primary_partner",
                    "utility": "utility",
                },
            )
            if collect
            else None
        )
        self._record(moves=(), events=())

    # -- public API -------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.round >= self.setup.rounds or self.ended is not None

    @property
    def scores(self) -> Scores:
        last = self.history[-1]
        return Scores(last.alignment, last.hedging, last.bloc_tilt, last.primary_partner)

    def submit(
        self,
        actor: int | str,
        moves: Iterable[
            tuple[str, int | str | None, int | str | None] | tuple[str, int | str | None, int | str | None, str | None]
        ],
        answers: Mapping[int, bool] | None = None,
    ) -> None:
        """Give a human-controlled actor its moves for the next round, and its answers to proposals.

        Each move is ``(action, target, sector)`` or ``(action, target, sector, ask)``, where ``ask`` makes a
        conditional offer: the target gets the move only if it makes ``ask`` in return (see ``OFFER_GIVES``
        and ``OFFER_ASKS``). ``answers`` maps positions in :meth:`proposals_to` to accept (True) or refuse
        (False); an unanswered proposal expires without a refusal. Raises MoveError for an unknown
        action, target or sector, or a move the rules forbid now.
        """
        i = actor if isinstance(actor, int) else self.setup.index(actor)
        orders: list[Move] = []
        for order in moves:
            action_id, target, sector = order[0], order[1], order[2]
            ask = order[3] if len(order) > 3 else None
            if action_id not in ACTION_INDEX:
                raise MoveError(f"unknown action {action_id!r}; known: {', '.join(a.id for a in CATALOGUE)}")
            j = self._actor_index(target)
            s = self._sector_index(sector)
            if not self.setup.action_enabled[ACTION_INDEX[action_id], i]:
                raise MoveError(f"{action_id} is disabled for {self.setup.actors[i].id} in this scenario")
            if not move_allowed(self.world, i, action_id, j, s, self.setup.sectors, values_dimension=self._values):
                raise MoveError(f"{action_id} on {target} is not possible now")
            if ask is not None:
                if action_id not in OFFER_GIVES or ask not in OFFER_ASKS or action_id == ask:
                    raise MoveError(
                        f"a conditional offer gives one of {', '.join(OFFER_GIVES)}"
                        f" and asks one of {', '.join(OFFER_ASKS)}"
                    )
                if (
                    j is None
                    or not self.setup.action_enabled[ACTION_INDEX[ask], j]
                    or not move_allowed(self.world, j, ask, i, None, self.setup.sectors, values_dimension=self._values)
                ):
                    raise MoveError(f"{target} cannot {ask} with {self.setup.actors[i].id} now")
            orders.append(
                Move(
                    actor=i,
                    action=action_id,
                    target=j,
                    sector=s,
                    note="chosen by the player",
                    source="human",
                    ask=ask,
                )
            )
        if len(orders) > int(self.policy.actions_per_round[i]):
            raise MoveError(f"at most {int(self.policy.actions_per_round[i])} moves a round")
        waiting = self.proposals_to(i)
        for k in answers or {}:
            if not 0 <= k < len(waiting):
                raise MoveError(f"no proposal {k} to answer; {len(waiting)} waiting")
        self._orders[i] = orders
        self._answers[i] = dict(answers or {})

    def proposals_to(self, actor: int | str) -> list[Move]:
        """Proposals and requests waiting for this (human-controlled) actor's answer, in answer order."""
        i = actor if isinstance(actor, int) else self.setup.index(actor)
        return [m for m in self.pending if m.target == i]

    def recommended_answers(self, actor: int | str) -> dict[int, bool]:
        """The AI's answer to each proposal waiting for this actor: accept iff its net gain is positive now."""
        i = actor if isinstance(actor, int) else self.setup.index(actor)
        waiting = self.proposals_to(i)
        if not waiting:
            return {}
        table = self.priced()
        gain = self._accept_gains(table, waiting)
        greedy = np.zeros(gain.size)  # the answer rule at temperature 0, without noise: gain > 0
        return dict(enumerate(accepts(gain, greedy, greedy).tolist()))

    def acceptance(
        self, proposer: int | str, move: tuple[str, int | str | None, int | str | None, str | None]
    ) -> tuple[float, float]:
        """(chance, gain): how likely the target accepts this proposal now, and what it is worth to it."""
        i = proposer if isinstance(proposer, int) else self.setup.index(proposer)
        action_id, target, sector, ask = move
        j, s = self._actor_index(target), self._sector_index(sector)
        if j is None:
            raise MoveError("a proposal needs a target")
        table = self.priced()
        if ask is not None and (action_id not in OFFER_GIVES or ask not in OFFER_ASKS):
            raise MoveError(
                f"a conditional offer gives one of {', '.join(OFFER_GIVES)} and asks one of {', '.join(OFFER_ASKS)}"
            )
        m = Move(actor=i, action=action_id, target=j, sector=s, ask=ask)
        gain = self._accept_gains(table, [m]).item(0)
        temperature = float(table.temperature[j])
        chance = 1.0 / (1.0 + np.exp(-gain / temperature)) if temperature > 0 else float(gain > 0)
        return float(chance), gain

    def priced(self) -> CandidateTable:
        """Every candidate move priced on the current state (what the AI chooses and answers from).

        Priced once per state: the table is kept until a round is played or an event fires, so the UI's
        acceptance odds, the learners' recommended answers and the next round's AI choices share it.
        """
        ctx = self._ctx
        if ctx is None:  # an event fired since the last record: the snapshot is made again (not kept)
            return price_candidates(self._context(), self.setup, self.policy.interests, self.policy.tau)
        if self._priced is None or self._priced[0] is not ctx:
            self._priced = (ctx, price_candidates(ctx, self.setup, self.policy.interests, self.policy.tau))
        return self._priced[1]

    def set_controller(self, actor: int | str, controller: Controller) -> None:
        """Hand an actor to the AI, a human (the UI, a script or a learner) or the scenario's script."""
        if controller not in ("ai", "human", "scripted"):
            raise MoveError(f"unknown controller {controller!r}; known: ai, human, scripted")
        i = actor if isinstance(actor, int) else self.setup.index(actor)
        self.countries[i].controller = controller

    def run(self) -> list[RoundRecord]:
        """Play every remaining round; return the history (round 0 = start)."""
        while not self.finished:
            self.step()
        return self.history

    def objective_report(self, actor: int | str) -> ObjectiveReport:
        """The actor's objectives met or missed so far, with its score (0..100) and grade."""
        i = actor if isinstance(actor, int) else self.setup.index(actor)
        return assess(self.history, self.setup.world, self.setup.objectives, i)

    def utility(self) -> np.ndarray:
        """Each actor's current utility over its interests."""
        return self.history[-1].utility.copy()

    # -- the round --------------------------------------------------------------------------------

    def step(self) -> None:
        """One round: events -> choices -> answers -> resolution -> dynamics -> scoring -> record."""
        if self.finished:
            self.running = False
            return
        self.round += 1
        fired = self._fire_events()
        if self.ended is not None:
            self._record(moves=(), events=fired)
            self.running = False
            return
        ctx = self._ctx if self._ctx is not None and not fired else self._context()
        self.table = None
        self.forced = [self.forced_moves_for(i) for i in range(self.setup.n_actors)]
        if any(c.controller == "ai" for c in self.countries):
            # Pricing is only needed when some actor chooses by utility (not when every actor is a human
            # player or a learner); skipping it leaves the random stream of AI runs unchanged.
            self.table = (
                self.priced()
                if ctx is self._ctx
                else price_candidates(ctx, self.setup, self.policy.interests, self.policy.tau)
            )
            self.candidates = flatten(self.table)
            c = self.candidates
            noise = gumbel_of(table_hashes(self.dice.key, (Purpose.CHOICE,), self.round, c.names)[0])
            self.choice_keys = choice_keys(c.gain, c.actor, c.start[:-1], self.policy.tau, noise)
            self.picks = self._pick(c, self.choice_keys)
        self.agents.shuffle_do("choose_moves")
        chosen = [m for c in self.countries for m in c.chosen]
        # The answers' and the resolution order's draws are named by the same fields: hashed together.
        held = len(self.pending)
        names = self._names(self.pending + chosen)
        answer_draws, order_draws = table_hashes(self.dice.key, (Purpose.ANSWER, Purpose.ORDER), self.round, names)
        moves = self._answer_pending() + self._answer(chosen, ctx, answer_draws[held:], names[:, held:])
        resolved: list[Move] = []
        for k in uniform_of(order_draws).argsort(kind="stable").tolist():
            resolved.append(self._resolve(moves[k], ctx))
        resolved.sort(key=lambda m: m.actor)
        if any(CATALOGUE[ACTION_INDEX[m.action]].domestic and m.applied for m in resolved):
            self.affinity = policy_affinity(self.world.positions, self.world.salience)
        barriers = advance(
            self.world,
            self.base,
            self.setup.dynamics,
            self.setup.base_growth,
            self.setup.trade_sectors,
            self.dice,
            self.round,
        )
        shocks = self._shocks[self.round - 1] if self.round <= len(self._shocks) else None
        advance_domestic(self.world, self.domestic, self.setup.dynamics, ctx.partner, self.dice, self.round, shocks)
        self._record(moves=tuple(resolved), events=fired, barriers=barriers)
        if self.finished:
            self.running = False

    def _answer(
        self, moves: list[Move], ctx: RoundContext, draws: np.ndarray | None = None, names: np.ndarray | None = None
    ) -> list[Move]:
        """Every proposal and request of the round answered by its target (humans: held for the next round).

        Moves forced by events or scripted by the scenario were agreed in advance and need no answer. An AI
        target accepts iff ``gain / T + noise > 0``, with logistic noise named by the proposal (the softmax
        choice between accepting and refusing, at the target's temperature T). ``draws`` are the ANSWER
        hashes of ``moves``, one each, and ``names`` their names (:meth:`_names`) (made here when not given).
        """
        out: list[Move] = []
        # Who answers each move: nobody (agreed in advance, or not a proposal), a human, or the AI.
        countries = self.countries
        who = [
            _AGREED
            if m.target is None or m.source in ("event", "scripted") or not m.needs_answer
            else _HUMAN
            if countries[m.target].controller == "human"
            else _AI
            for m in moves
        ]
        asked = [k for k, w in enumerate(who) if w is _AI]
        if asked:
            if names is None:
                names = self._names(moves)
            if draws is None:
                draws = table_hashes(self.dice.key, (Purpose.ANSWER,), self.round, names)[0]
            table = (
                self.table
                if self.table is not None
                else self.priced()
                if ctx is self._ctx
                else price_candidates(ctx, self.setup, self.policy.interests, self.policy.tau)
            )
            self.table = table
            # Every AI-answered proposal of the round at once: what it is worth to its target, and the answer.
            at = np.array(asked)
            i, a, j, s, ask = names[:, at]
            gain = accept_gain(table, None, i, j, a, s, ask)
            accepted = accepts(gain, table.temperature[j], logistic_of(draws[at]))
            answers = iter(zip(gain.tolist(), accepted.tolist(), strict=True))
        actors = self.setup.actors
        for m, w in zip(moves, who, strict=True):
            if w is _AGREED:
                out.append(m)
                continue
            if w is _HUMAN:
                self.pending.append(amended(m, answer="pending"))
                out.append(amended(m, answer="pending", applied=False))
                continue
            worth, yes = next(answers)
            name = actors[m.target].name  # type: ignore[index]  # a proposal is always to someone
            why = f"worth {worth * 1000:+.1f} pts to {name}" if yes else f"{name} puts it at {worth * 1000:+.1f} pts"
            out.append(amended(m, answer="accepted" if yes else "refused", answer_reason=why))
        return out

    def _answer_pending(self) -> list[Move]:
        """Last round's proposals to human players, answered by the answers they submitted (or expired)."""
        if not self.pending:
            return []
        out: list[Move] = []
        position: dict[int, int] = {}
        for m in self.pending:
            j = int(m.target)  # type: ignore[arg-type]
            k = position.get(j, 0)
            position[j] = k + 1
            given = self._answers.get(j, {}).get(k)
            if given is None:
                out.append(amended(m, answer="expired", applied=False, answer_reason="no answer"))
            else:
                who = self.setup.actors[j].name
                out.append(amended(m, answer="accepted" if given else "refused", answer_reason=f"{who} decided"))
        self.pending = []
        self._answers = {}
        return out

    @staticmethod
    def _names(moves: Sequence[Move]) -> np.ndarray:
        """(5, M) what each move is, the name of its draws (ANSWER: logistic noise, ORDER: uniform) and what an
        answer reads: actor, action, target, sector, ask (catalogue indices; -1 for none)."""
        index = ACTION_INDEX
        return (
            np.array(
                [
                    (
                        m.actor,
                        index[m.action],
                        -1 if m.target is None else m.target,
                        -1 if m.sector is None else m.sector,
                        -1 if m.ask is None else index[m.ask],
                    )
                    for m in moves
                ],
                dtype=np.int64,
            )
            .reshape(-1, 5)
            .T
        )

    def _accept_gains(self, table: CandidateTable, moves: Sequence[Move]) -> np.ndarray:
        """(K,) what each proposal is worth to its target (:func:`sim.core.choice.accept_gain` on this run's table)."""
        i, a, j, s, ask = self._names(moves)
        return accept_gain(table, None, i, j, a, s, ask)

    def _pick(self, c: CandidateList, keys: np.ndarray) -> list[list[tuple[int, int, int, int]]]:
        """Each AI actor's picks this round, in the order drawn, as (kind, target, sector, ask) of rows of ``c``:
        its top keys up to its budget (moves per round less its forced ones), stopping at its pass, each pick
        ruling out what the blocking table of :class:`sim.core.choice.Universe` says, after what its forced
        moves rule out (:func:`sim.core.choice.exclude`). ``keys`` is changed.

        The same picks as :func:`sim.core.choice.pick` (the vector engine's), taken one actor at a time: a
        stable sort of each actor's keys walked in Python, a few rows each, costs the one-run round less
        than the batched search, which passes over every candidate for each pick (about 20 numpy calls a pick).
        """
        n = self.setup.n_actors
        picks: list[list[tuple[int, int, int, int]]] = [[] for _ in range(n)]
        forced_moves = self.forced
        u = universe(self.setup)
        ruled_out, position, pass_at = u.ruled_out, u.position, u.kind.size - 1
        start = c.start.tolist()
        kinds, targets, sectors, asks = c.kind, c.target, c.sector, c.ask
        for agent in self.countries:
            if agent.controller != "ai":
                continue
            i = agent.index
            forced = forced_moves[i]
            budget = int(self.policy.actions_per_round[i]) - len(forced)
            if budget <= 0:
                continue
            lo, hi = start[i], start[i + 1]
            for f in forced:  # ruled out: their keys sort after the pass, which ends the walk
                exclude(
                    keys,
                    np.arange(lo, hi),
                    ACTION_INDEX[f.action],
                    -1 if f.target is None else f.target,
                    -1 if f.sector is None else f.sector,
                    kinds[lo:hi],
                    targets[lo:hi],
                    sectors[lo:hi],
                )
            mine = picks[i]
            blocked: set[int] = set()
            for k in (-keys[lo:hi]).argsort(kind="stable").tolist():
                row = lo + k
                name = (kinds.item(row), targets.item(row), sectors.item(row), asks.item(row))
                at = position[name]
                if at == pass_at:
                    break
                if at in blocked:
                    continue
                mine.append(name)
                blocked |= ruled_out[at]
                if len(mine) == budget:
                    break
        return picks

    def _allowed(self, actor: int, action_id: str, target: int | None, sector: int | None) -> bool:
        return move_allowed(
            self.world, actor, action_id, target, sector, self.setup.sectors, self._not_self, self._values
        )

    def _apply(self, actor: int, action_id: str, target: int | None, sector: int | None, ctx: RoundContext) -> None:
        apply_move(
            self.world,
            actor,
            action_id,
            target,
            sector,
            float(self.setup.action_magnitude.item(ACTION_INDEX[action_id], actor)),
            ctx.alignment,
            self.setup.dynamics,
            self.setup.sectors,
            self.base.relations,
            self._values,
        )

    def _resolve(self, m: Move, ctx: RoundContext) -> Move:
        """Apply one move (and, for an accepted proposal, what it asks) if its preconditions still hold."""
        if m.answer in ("pending", "expired"):
            return m
        act = action(m.action)
        if m.answer == "refused":
            if act.grants is not None and self._allowed(m.actor, m.action, m.target, m.sector):
                self._apply(m.actor, m.action, m.target, m.sector, ctx)  # the appeal itself was made
            apply_refusal(self.world, m.actor, int(m.target), ctx.alignment, self.setup.dynamics, self.base.relations)  # type: ignore[arg-type]
            return amended(m, applied=False)
        if not self._allowed(m.actor, m.action, m.target, m.sector):
            return amended(m, applied=False)
        j = m.target
        if act.grants is not None:
            self._apply(m.actor, m.action, j, m.sector, ctx)
            if j is not None and self._allowed(j, act.grants, m.actor, None):
                self._apply(j, act.grants, m.actor, None, ctx)
                return m
            return amended(m, applied=False)
        if m.ask is not None and j is not None:
            if not self._allowed(j, m.ask, m.actor, None):
                return amended(m, applied=False)
            self._apply(j, m.ask, m.actor, None, ctx)
        self._apply(m.actor, m.action, j, m.sector, ctx)
        return m

    def forced_moves_for(self, actor: int) -> list[Move]:
        forced = [f for f in self.policy.forced if f.actor == actor]
        scripted = [s for s in self.setup.scripted_moves if s.round == self.round and s.actor == actor]
        moves = [
            Move(
                actor=actor,
                action=f.action,
                target=f.target,
                sector=f.sector,
                note="forced by an event",
                source="event",
            )
            for f in forced
        ]
        moves += [
            Move(actor=actor, action=s.action, target=s.target, sector=s.sector, note=s.reason, source="scripted")
            for s in scripted
        ]
        return moves

    def take_orders(self, actor: int) -> list[Move]:
        return self._orders.pop(actor, [])

    # -- internals --------------------------------------------------------------------------------

    def _context(self, barriers: np.ndarray | None = None) -> RoundContext:
        # The affinity is made again whenever positions change (a domestic move, an event): so are the
        # stance terms, the first time a snapshot is taken after it.
        if self._stances_of is not self.affinity:
            w = self.world
            self._stances = Stances.of(w.positions, w.salience, self.affinity, self.setup)
            self._stances_of = self.affinity
        return round_context(self.world, self.base, self.setup, self.affinity, barriers, self._stances)

    def _fire_events(self) -> tuple[FiredEvent, ...]:
        self.policy.forced = []
        if not self.setup.events:
            return ()
        view = self._view()
        fired: list[FiredEvent] = []
        for event in self.setup.events:
            if not is_due(event, self.round, view, event.id in self._fired):
                continue
            if event.chance < 1.0 and self.dice.uniform(Purpose.EVENT, self.round, label(event.id))[0] >= event.chance:
                continue
            self.fire(event, record=False)
            fired.append(FiredEvent(event.id, event.title, event.text, self.round))
        return tuple(fired)

    def fire(self, event: Event, *, record: bool = True) -> FiredEvent:
        """Apply an event now (the instructor panel uses this); forced moves join the next round."""
        apply_effects(event, self.world, self.policy)
        self._fired.add(event.id)
        self._ctx = None
        if self.policy.positions_changed:
            self.affinity = policy_affinity(self.world.positions, self.world.salience)
            self.policy.positions_changed = False
        if self.policy.ended is not None:
            self.ended = self.policy.ended
        fired = FiredEvent(event.id, event.title, event.text, self.round)
        if record:
            self.history[-1].events = (*self.history[-1].events, fired)
        return fired

    def _view(self) -> MetricView:
        last = self.history[-1]
        return MetricView(
            round=self.round,
            world=self.world,
            initial=self.setup.world,
            alignment=last.alignment,
            hedging=last.hedging,
            bloc_tilt=last.bloc_tilt,
            primary_partner=last.primary_partner,
            utility=last.utility,
            kuik_hedging=last.kuik.hedging,
        )

    def _record(
        self, moves: tuple[Move, ...], events: tuple[FiredEvent, ...], barriers: np.ndarray | None = None
    ) -> None:
        """Score the world and append the round's record; ``barriers`` is the world's trade barrier factor as
        :func:`sim.core.dynamics.advance` left it (None: computed here)."""
        sc = self.setup.scoring
        ctx = self._ctx = self._context(barriers)
        A = ctx.alignment
        plan = self._index_plan
        hedging, tilt, primary, kuik = plan.indices(A)
        scores = Scores(A, hedging, tilt, primary)
        interests = effective_interests(self.policy.interests, self.world.threat, self.setup.dynamics)
        utility = np.add.reduce(features(ctx, self.setup) * interests, axis=1)
        utility -= self.domestic.regime_weight * self.world.threat**2
        view = MetricView(
            round=self.round,
            world=self.world,
            initial=self.setup.world,
            alignment=A,
            hedging=scores.hedging,
            bloc_tilt=scores.bloc_tilt,
            primary_partner=scores.primary_partner,
            utility=utility,
            kuik_hedging=kuik.hedging,
        )
        outcome = sc.outcome_labels[sc.outcome(view)]
        label = "start" if self.round == 0 else self.setup.round_labels[self.round - 1]
        self.history.append(
            RoundRecord(
                round=self.round,
                label=label,
                moves=moves,
                events=events,
                alignment=A,
                hedging=scores.hedging,
                bloc_tilt=scores.bloc_tilt,
                primary_partner=scores.primary_partner,
                utility=utility,
                outcome=outcome,
                world=self.world.copy(),
                kuik=kuik,
            )
        )
        if self.datacollector is not None:
            ids = self.setup.actor_ids
            for c in self.countries:
                i = c.index
                c.gdp, c.hedging, c.bloc_tilt = (
                    float(self.world.gdp[i]),
                    float(scores.hedging[i]),
                    float(scores.bloc_tilt[i]),
                )
                c.primary_partner, c.utility = ids[int(scores.primary_partner[i])], float(utility[i])
            self.datacollector.collect(self)

    def _actor_index(self, actor: int | str | None) -> int | None:
        if actor is None:
            return None
        if isinstance(actor, int) and not isinstance(actor, bool):
            if not 0 <= actor < self.setup.n_actors:
                raise MoveError(f"unknown actor {actor!r}; known: 0..{self.setup.n_actors - 1} or an actor id")
            return actor
        if not isinstance(actor, str) or actor not in self.setup.actor_ids:
            raise MoveError(f"unknown actor {actor!r}; known: {', '.join(self.setup.actor_ids)}")
        return self.setup.index(actor)

    def _sector_index(self, sector: int | str | None) -> int | None:
        if sector is None:
            return None
        if isinstance(sector, int) and not isinstance(sector, bool):
            if not 0 <= sector < len(self.setup.sectors):
                raise MoveError(f"unknown sector {sector!r}; known: 0..{len(self.setup.sectors) - 1} or a sector id")
            return sector
        if sector not in self.setup.sectors:
            raise MoveError(f"unknown sector {sector!r}; known: {', '.join(self.setup.sectors)}")
        return self.setup.sectors.index(sector)


__all__ = ["AlignmentModel", "MoveError", "action"]
