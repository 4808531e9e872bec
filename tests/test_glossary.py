"""The glossary's lookups, without pygame: every term in running text is found and explained in plain words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.ui.glossary import FORMS, GLOSSARY, explain, find_terms


def terms(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entry) for start, end, entry in find_terms(text)]


def test_every_entry_has_words_that_name_it_and_every_word_an_entry() -> None:
    assert set(FORMS) == set(GLOSSARY)
    assert all(explain(entry) == GLOSSARY[entry] for entry in GLOSSARY)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your hedging index rose to 0.61", [("hedging index", "Hedging")]),
        ("Tilt West–East +0.12", [("Tilt West–East", "Tilt")]),
        ("China-leaning hedger", [("China-leaning hedger", "Outcome")]),
        ("ends as a balanced hedger", [("balanced hedger", "Outcome")]),
        ("Cambodia is a China client", [("China client", "Outcome")]),
        ("A proposal and two requests", [("proposal", "Proposal"), ("requests", "Request")]),
        ("Conditional offer: aid for a vote", [("Conditional offer", "Conditional offer")]),
        (
            "Interests: economy, security, autonomy, influence, values",
            [
                ("economy", "Economy"),
                ("security", "Security"),
                ("autonomy", "Autonomy"),
                ("influence", "Influence"),
                ("values", "Values"),
            ],
        ),
        ("their regard of you, their alignment", [("regard", "Regard"), ("alignment", "Alignment")]),
    ],
)
def test_terms_are_found_in_running_text_with_their_entry(text: str, found: list[tuple[str, str]]) -> None:
    assert terms(text) == found


def test_parts_of_longer_words_are_not_terms() -> None:
    assert terms("a hedgehog, an outcome_id, scoreboard, misalignment") == []


def test_an_outcome_label_names_the_outcome_not_the_hedging_index() -> None:
    ((label, entry),) = terms("China-leaning hedger")
    assert entry == "Outcome" and "hedger" in label and "Hedging and leaning can go together" in explain(entry)


def test_the_lookups_need_no_pygame() -> None:
    code = "import sys, sim.ui.glossary; sys.exit(1 if 'pygame' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
