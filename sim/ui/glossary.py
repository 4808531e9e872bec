"""The glossary: every idea the screen names (hedging, tilt, alignment, outcome labels, interests) in plain words.

The help overlay (F1) lists it; hovering a term on the round screen shows its entry. No pygame here.
"""

from __future__ import annotations

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
