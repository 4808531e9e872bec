"""Doc-tests: every command output quoted in README.md and docs/ is what the command prints today.

The quotes are marked in the pages (``<!-- doctest: COMMAND -->``) and run by tools/doctest_docs.py, which
also refreshes them after an intended change: ``python tools/doctest_docs.py --update``. Quotes of long
commands are marked slow and run in ``make test-slow``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys

import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("doctest_docs", ROOT / "tools" / "doctest_docs.py")
assert _spec and _spec.loader
doctest_docs = importlib.util.module_from_spec(_spec)
sys.modules["doctest_docs"] = doctest_docs
_spec.loader.exec_module(doctest_docs)

QUOTES = doctest_docs.all_quotes()


def _param(quote: doctest_docs.Quote) -> object:
    return pytest.param(quote, id=quote.name, marks=[pytest.mark.slow] if quote.slow else [])


@pytest.mark.parametrize("quote", [_param(q) for q in QUOTES])
def test_the_quoted_output_is_what_the_command_prints(quote: doctest_docs.Quote) -> None:
    diff = doctest_docs.check(quote)
    assert not diff, "\n".join([*diff, "refresh the pages with: python tools/doctest_docs.py --update"])


def test_every_page_with_commands_has_doc_tested_quotes() -> None:
    pages = {q.doc for q in QUOTES}
    assert {"README.md", "docs/research.md", "docs/rl.md"} <= pages
    assert sum(not q.slow for q in QUOTES) >= 2, "some quotes are checked by make test itself"


def test_a_changed_quote_fails_with_a_diff_naming_the_page() -> None:
    """Break a quote on purpose (one character of its first line): the check fails and shows both sides."""
    quote = next(q for q in QUOTES if not q.slow)
    first = quote.quoted[0]
    broken = dataclasses.replace(quote, quoted=(first[:-1] + ("X" if first[-1] != "X" else "Y"), *quote.quoted[1:]))
    diff = doctest_docs.check(broken)
    assert diff and diff[0].startswith(f"--- {quote.name}") and f"+{first}" in diff


def test_a_marker_without_a_block_is_an_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page.md"
    page.write_text("<!-- doctest: python run.py --help -->\ntext, not a block\n")
    monkeypatch.setattr(doctest_docs, "ROOT", tmp_path)
    with pytest.raises(doctest_docs.DoctestError, match=r"page.md:1: a doctest marker must be followed"):
        doctest_docs.quotes("page.md")


def test_code_and_docs_point_to_the_architecture_in_the_repository() -> None:
    """No reference to a DESIGN.md outside the repository; every 'architecture.md section N' exists."""
    sections = set(re.findall(r"^## (\d+)\.", (ROOT / "docs" / "architecture.md").read_text(), re.MULTILINE))
    files = [*ROOT.glob("sim/**/*.py"), *ROOT.glob("docs/*.md"), *ROOT.glob("tools/*.py"), ROOT / "README.md"]
    stale, dangling = [], []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "DESIGN.md" in text or re.search(r"\bDESIGN\b", text):
            stale.append(str(path.relative_to(ROOT)))
        for number in re.findall(r"architecture\.md,? section (\d+)", text):
            if number not in sections:
                dangling.append(f"{path.relative_to(ROOT)}: section {number}")
    assert not stale, f"these name DESIGN.md, which is not in the repository: {stale}"
    assert not dangling, f"these cite sections docs/architecture.md does not have: {dangling}"


def test_the_reliability_page_lists_every_mutant_with_the_tests_that_kill_it() -> None:
    """docs/reliability.md's mutant table is the one tools/mutants.py prints (its killers exist: test_docs.py)."""
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "tools" / "mutants.py")
    assert spec and spec.loader
    mutants = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = mutants
    spec.loader.exec_module(mutants)
    page = (ROOT / "docs" / "reliability.md").read_text()
    table = page.split("<!-- mutants-table -->\n", 1)[1].split("\n<!-- /mutants-table -->", 1)[0]
    assert table == mutants.markdown(), "update docs/reliability.md: python tools/mutants.py --markdown"
    assert len(mutants.MUTANTS) >= 15
    for mutant in mutants.MUTANTS:
        assert (ROOT / mutant.file).read_text().count(mutant.old) == 1, f"{mutant.name} no longer applies"
