"""What a text search looks for, and where it was found: pure, so that the query sent to the
full-text index and the words marked on the page come from one reading of what was typed.

A word is a run of letters and digits; everything else (punctuation, %, quotes, operators of
the index's own query language) separates words and is never passed on. Every word must be
found, at the start of a word of the decision (`ship` finds "shipping"), in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 8
MAX_WORD_LENGTH = 60
_WORD = re.compile(r"[^\W_]+")
NO_WORD = "Type a word of letters or digits: punctuation alone finds nothing."


def words(text: str) -> tuple[str, ...]:
    """The words searched for, lower case, each once, in the order typed, at most MAX_WORDS."""
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group().casefold()[:MAX_WORD_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_WORDS:
            break
    return tuple(found)


def fts5_query(searched: tuple[str, ...]) -> str:
    """SQLite FTS5: every word as a quoted prefix (`"ship"* "crate"*`, implicitly AND)."""
    return " ".join(f'"{word}"*' for word in searched)


def tsquery(searched: tuple[str, ...]) -> str:
    """PostgreSQL: every word as a prefix (`ship:* & crate:*`); words hold no operator."""
    return " & ".join(f"{word}:*" for word in searched)


@dataclass(frozen=True)
class Piece:
    text: str
    found: bool  # a word searched for starts here


def _finder(searched: tuple[str, ...]) -> re.Pattern[str] | None:
    if not searched:
        return None
    # Longest first, so that "shipping" is marked whole when both "ship" and "shipping" are.
    alternatives = "|".join(re.escape(w) for w in sorted(searched, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def pieces(text: str, searched: tuple[str, ...]) -> list[Piece]:
    """The text cut into the words found (whole words: "shipping" for `ship`) and the rest."""
    finder = _finder(searched)
    if finder is None or not text:
        return [Piece(text, False)] if text else []
    result: list[Piece] = []
    at = 0
    for match in finder.finditer(text):
        if match.start() > at:
            result.append(Piece(text[at : match.start()], False))
        result.append(Piece(match.group(), True))
        at = match.end()
    if at < len(text):
        result.append(Piece(text[at:], False))
    return result


def excerpt(text: str, searched: tuple[str, ...], width: int = 140) -> str:
    """About `width` characters of the text around the first word found in it, with an
    ellipsis where it was cut; empty when no word is found in the text."""
    finder = _finder(searched)
    flat = " ".join(text.split())
    match = finder.search(flat) if finder is not None else None
    if match is None:
        return ""
    start = max(match.start() - width // 3, 0)
    if start:
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(start + width, len(flat))
    if end < len(flat):
        space = flat.rfind(" ", match.end(), end)
        end = space if space > match.end() else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
