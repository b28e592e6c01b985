"""Text as XML 1.0 can hold it, so that whatever is typed, imported or passed to a command can
be written to a workbook: noncharacters, lone surrogates, C0 controls other than tab and line
breaks, DEL and the C1 controls are dropped."""

from __future__ import annotations

import re

_NONCHARACTERS = "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]"
)


def clean(text: str) -> str:
    """The text without the characters XML 1.0 forbids (tab, CR and LF stay)."""
    if text.isprintable() or FORBIDDEN.search(text) is None:  # the common case: no copy
        return text
    return FORBIDDEN.sub("", text)


def is_clean(text: str) -> bool:
    return FORBIDDEN.search(text) is None
