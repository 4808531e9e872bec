"""Names: actor ids are plain lower-case identifiers; display names are printable text that cannot act on a terminal.

An id is what a user types (``--set actors.russia...``, ``player: russia``), so it must be one way to write
one name: ``[a-z][a-z0-9_]*``, which rules out ids differing only by case, look-alike letters from other
scripts (Cyrillic ``а``), invisible characters and the empty id. A display name may be any printable
Unicode (``Kampuchea``, ``Камбоджа``, ``កម្ពុជា``) but not a control character (ESC, BEL), a
bidirectional override (U+202E) or a zero-width character: those could rewrite a terminal or hide text.
"""

from __future__ import annotations

import re

from sim.errors import one_line, unsafe_character

#: What an identifier may be (the same rule as ``sim.scenario.fields.ID_PATTERN``), matched whole.
ACTOR_ID = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")


def display_name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a display name, or None."""
    ch = unsafe_character(text)
    if ch is not None:
        return (
            f"holds the control or invisible character U+{ord(ch):04X} "
            f"(terminal escapes, bidirectional overrides and zero-width characters are refused) "
            f"(got {one_line(repr(text))[:60]})"
        )
    if not text.strip():
        return "must hold visible text"
    return None
