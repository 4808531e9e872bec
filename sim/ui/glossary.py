"""The glossary: every idea the screen names (hedging, tilt, alignment, outcome labels, interests) in plain words.

The help overlay (F1) lists it; hovering a term wherever a scene draws it shows its entry (:func:`find_terms`
says where a line of text names one). No pygame here.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: term -> plain explanation, in the order the help lists them.
GLOSSARY: dict[str, str] = {
    "Alignment": (
        "How close two actors are, from −1 (hostile) to +1 (close partners). It mixes how they regard each "
        "other, their trade, agreements and sanctions, and how alike their policies are. The chart shows "
        "yours with each power, round by round."
    ),
    "Regard": (
        "What one actor thinks of another, from −1 to +1: it rises with visits, agreements and help, and falls "
        "with criticism and sanctions. Regard need not be mutual."
    ),
    "Hedging": (
        "Kuik's hedging index, 0 to 1: high when you stay on good terms with all the powers at once without "
        "siding with one; low when you lean on one power or are at odds with several. A small state hedges to "
        "keep its options open."
    ),
    "Tilt": (
        "The bloc tilt: your average alignment with the first bloc minus your average alignment with the second "
        "(here West minus East). Positive means you lean West, negative East, zero balanced."
    ),
    "Closest": "The power you are most aligned with right now (your primary partner).",
    "Outcome": (
        "The scenario's label for where you stand: for example a China-leaning hedger is still hedging (a high "
        "index) but is closer to China than to the others. Hedging and leaning can go together."
    ),
    "Score": (
        "The weighted share of your objectives met, 0 to 100, with a grade. Without objectives your result is "
        "the utility you gained by your interests."
    ),
    "Utility": (
        "How well things go for you by your own interests (economy, security, autonomy, influence, values), "
        "weighted as your briefing says. Points: one point is a thousandth of the scale."
    ),
    "Economy": "Interest in trade, growth and what you owe.",
    "Security": "Interest in security agreements, and in not being sanctioned.",
    "Autonomy": "Interest in spreading your partnerships so no single power dominates.",
    "Influence": "Interest in how closely the others align with you, weighted by their power.",
    "Values": "Interest in democracy and human rights, with partners and as pressure on others.",
    "Proposal": (
        "A move that needs the other side's consent (an agreement, a joint statement, defence cooperation). "
        "The picker shows the chance it is accepted; the log says how it was answered and why."
    ),
    "Request": "Asking another actor to act for you (write off a debt, give aid, ease sanctions); it may refuse.",
    "Conditional offer": "Give something only if the other side does something in return: both happen, or neither.",
    "Branch": "Rewinding starts a new branch from an earlier round: the chart shows the fork as a dashed line.",
}


def explain(term: str) -> str:
    """The glossary entry for ``term`` (case-insensitive, first word of a label such as 'Tilt West–East')."""
    key = term.strip().lower()
    for name, text in GLOSSARY.items():
        if key == name.lower() or key.startswith(name.lower()):
            return text
    return ""


#: The words that name each entry in running text (whole words, any case). Outcome labels ("China-leaning
#: hedger", "balanced hedger", "China client") are read as one term, before "hedger" alone could be.
FORMS: dict[str, tuple[str, ...]] = {
    "Outcome": (
        r"[\w]+-leaning(?: hedger)?",
        r"balanced hedger",
        r"[\w]+ client",
        r"drifting",
        r"outcomes?",
    ),
    "Alignment": (r"alignments?", r"aligned"),
    "Regard": (r"regards?",),
    "Hedging": (r"hedging(?: index)?", r"hedgers?", r"hedges?"),
    "Tilt": (r"(?:bloc )?tilts?(?: West–East)?",),
    "Closest": (r"closest(?: partner)?", r"primary partner"),
    "Score": (r"scores?",),
    "Utility": (r"utility",),
    "Economy": (r"economy",),
    "Security": (r"security",),
    "Autonomy": (r"autonomy",),
    "Influence": (r"influence",),
    "Values": (r"values",),
    "Proposal": (r"proposals?",),
    "Request": (r"requests?",),
    "Conditional offer": (r"conditional offers?",),
    "Branch": (r"branch(?:es)?",),
}

_PATTERN = re.compile(
    r"\b(?:" + "|".join(f"(?P<t{k}>{'|'.join(forms)})" for k, forms in enumerate(FORMS.values())) + ")",
    re.IGNORECASE,
)
#: A text without any of these (lower case) names no term: most lines are passed over without the pattern.
_CLUES = ("leaning", "hedg", "client", "drifting", "outcome", "align", "regard", "tilt", "closest", "partner",
          "score", "utility", "economy", "security", "autonomy", "influence", "values", "proposal", "request",
          "conditional", "branch")  # fmt: skip
_NAMES = tuple(FORMS)
_BOUNDARY = re.compile(r"\w")


@lru_cache(maxsize=4096)
def find_terms(text: str) -> tuple[tuple[int, int, str], ...]:
    """Where ``text`` names a glossary term: (start, end, entry) for each whole-word mention, left to right."""
    low = text.lower()
    if not any(clue in low for clue in _CLUES):
        return ()
    found = []
    for match in _PATTERN.finditer(text):
        start, end = match.span()
        if (start > 0 and _BOUNDARY.match(text[start - 1])) or (end < len(text) and _BOUNDARY.match(text[end])):
            continue  # part of a longer word ("hedgehog", "outcome_id")
        group = next(name for name, value in match.groupdict().items() if value is not None)
        found.append((start, end, _NAMES[int(group[1:])]))
    return tuple(found)
