"""Advice on a valid scenario: located warnings for what is allowed but probably not meant, and checks against the base.

`validate` prints these warnings (``validate --strict`` makes them errors): events, objectives and
expectations that can never fire or be met (sim.scenario.reachability), new actors an overlay adds without
relations or trade, inherited texts that name a date after the calendar moved, and citations of sources
the scenario does not list. :func:`base_comparison_problems` is an error, not advice: an ``above_base_by``
or ``below_base_by`` expectation on an actor the base lacks cannot be checked at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sim.errors import PivotError
from sim.scenario.errors import Problem
from sim.scenario.reachability import reachability_warnings
from sim.scenario.references import dotted
from sim.scenario.schema import Scenario
from sim.scenario.strict_yaml import Document, Path

#: A bracketed citation in a text: [key] or [key1, key2] (not a Markdown link [text](url)).
_BRACKETS = re.compile(r"\[([^\[\]\n]+)\](?!\()")
#: What a source key looks like (wb-gdp, kt-2015, eba): status tags (S, A, D, J, A*) and numbers are not keys.
_KEY = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$")
#: A year or a quarter named in a text.
_DATE = re.compile(
    r"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?"
    r"(?:19|20)\d\d(?:-Q[1-4])?\b"
)


def scenario_warnings(scenario: Scenario, document: Document) -> list[Problem]:
    """Every warning about a valid scenario, located, in the order of the file's sections."""
    base = _base_data(scenario, document)
    problems = [
        *reachability_warnings(scenario, document),
        *_new_actor_warnings(scenario, document, base),
        *_moved_calendar_warnings(scenario, document, base),
        *_citation_warnings(scenario, document),
    ]
    return problems


def base_comparison_problems(scenario: Scenario, document: Document) -> list[Problem]:
    """Errors: expectations compared with the base (``above_base_by``, ``below_base_by``) on actors it lacks."""
    against = [(k, e) for k, e in enumerate(scenario.expect) if e.against_base and e.mean is not None]
    if not against or scenario.extends is None:
        return []
    base = _base_data(scenario, document)
    if base is None:
        return []
    actors = base.get("actors")
    known = list(actors) if isinstance(actors, dict) else []
    out = []
    for k, e in against:
        assert e.mean is not None
        name, names = e.mean.metric()
        for m, actor in enumerate(names):
            if actor not in known:
                path: Path = ("expect", k, "mean", name, *((m,) if len(names) == 2 else ()))
                file, line, col = document.locate(path)
                out.append(
                    Problem(
                        file,
                        line,
                        col,
                        dotted(path),
                        f"{e.comparator} compares with the base scenario {scenario.extends}, which has no actor "
                        f"{actor!r} (its actors: {', '.join(known)}); compare with a value (above / below) instead",
                    )
                )
    return out


def _base_data(scenario: Scenario, document: Document) -> dict[str, Any] | None:
    """The merged data of the base scenario this one extends (None without extends, or if it cannot be read)."""
    if scenario.extends is None:
        return None
    from sim.scenario.extends import load_merged, resolve_base  # noqa: PLC0415 - extends imports this package's errors

    try:
        base = load_merged(resolve_base(document.file, scenario.extends)).data
    except (PivotError, OSError):
        return None
    return base if isinstance(base, dict) else None


def _warn(document: Document, path: Path, message: str, *, key: bool = False) -> Problem:
    file, line, col = document.locate(path, key=key)
    return Problem(file, line, col, dotted(path), f"warning: {message}")


def _new_actor_warnings(scenario: Scenario, document: Document, base: dict[str, Any] | None) -> Iterator[Problem]:
    """An actor the overlay adds without relations or trade starts neutral and isolated; say which defaults apply."""
    if base is None or not isinstance(base.get("actors"), dict):
        return
    new = [a for a in scenario.actors if a not in base["actors"]]
    for actor in new:
        path: Path = ("actors", actor)
        related = actor in scenario.relations or any(actor in row for row in scenario.relations.values())
        if not related:
            yield _warn(
                document,
                path,
                f"new actor {actor!r} has no relations: every pair with it starts at regard 0 (neutral) both ways, "
                f"so the powers look alike to it and its primary partner is whichever power its positions favour "
                f"(the first in scoring.powers on a tie); add relations: {{{actor}: {{cambodia: 0.3, ...}}}}",
                key=True,
            )
        trades = actor in scenario.trade or any(actor in row for row in scenario.trade.values())
        if not trades:
            yield _warn(
                document,
                path,
                f"new actor {actor!r} has no trade pairs: its exports and imports start at 0 and stay there "
                f"(trade grows toward its starting level), so the economy interest ignores it; add trade: "
                f"{{{actor}: {{china: 100, ...}}, china: {{{actor}: 120}}}} (USD bn a year, both directions)",
                key=True,
            )


def _moved_calendar_warnings(scenario: Scenario, document: Document, base: dict[str, Any] | None) -> Iterator[Problem]:
    """Inherited briefings, objectives and event texts that name a date, when the overlay moved the calendar."""
    if base is None:
        return
    calendar = base.get("calendar")
    base_start = calendar.get("start", "2015-Q4") if isinstance(calendar, dict) else "2015-Q4"
    start = scenario.calendar.start
    if start == base_start:
        return
    texts: list[tuple[Path, str, str]] = []
    for actor, text in scenario.briefing.items():
        texts.append((("briefing", actor), text, f"briefing: {{{actor}: ...}}"))
    for actor, listed in scenario.objectives.items():
        for k, objective in enumerate(listed):
            texts.append(
                (("objectives", actor, k, "description"), objective.description, f"objectives: {{{actor}: [...]}}")
            )
    for k, event in enumerate(scenario.events):
        texts.append((("events", k, "text"), f"{event.title} {event.text}", "events: [...]"))
    for path, text, fix in texts:
        if document.locate(path)[0] == document.file:
            continue  # written in this file: its author chose the dates
        dates = sorted({m.group(0) for m in _DATE.finditer(text)})
        if dates:
            yield _warn(
                document,
                path,
                f"inherited text names {', '.join(repr(d) for d in dates)}, but this scenario starts in {start} "
                f"(its base in {base_start}); write your own here ({fix}) or drop it with ~",
            )


def _citation_warnings(scenario: Scenario, document: Document) -> Iterator[Problem]:
    """A [key] cited in a briefing, summary, event or objective must be a source of meta.sources."""
    known = [x.id for x in scenario.meta.sources]
    texts: list[tuple[Path, str]] = [(("meta", "summary"), scenario.meta.summary)]
    texts += [(("briefing", actor), text) for actor, text in scenario.briefing.items()]
    for k, event in enumerate(scenario.events):
        texts += [(("events", k, "title"), event.title), (("events", k, "text"), event.text)]
    for actor, listed in scenario.objectives.items():
        texts += [(("objectives", actor, k, "description"), o.description) for k, o in enumerate(listed)]
    for path, text in texts:
        for match in _BRACKETS.finditer(text):
            for item in (part.strip() for part in match.group(1).split(",")):
                if _KEY.match(item) and item not in known:
                    sources = ", ".join(known) if known else "none"
                    yield _warn(
                        document,
                        path,
                        f"cites [{item}], which meta.sources does not list (sources: {sources}); "
                        f'add it: meta: {{sources: [{{id: {item}, citation: "..."}}]}}',
                    )
