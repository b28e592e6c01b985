"""@mentions in a comment: which people it names. A mention is "@" followed by a person's
display name (any case, spaces as written or as dots) or the part of their email address
before the "@". Pure: the people to look for are given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_BOUNDARY = r"(?![\w.-]*[\w-])"  # the name ends the word (a trailing full stop may follow)


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    email: str


def _spellings(person: Person) -> set[str]:
    name = " ".join(person.display_name.split())
    local = person.email.split("@", 1)[0]
    return {s for s in (name, name.replace(" ", "."), local) if s}


def _pattern(spelling: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w@])@" + re.escape(spelling) + _BOUNDARY, re.IGNORECASE)


def mentioned(text: str, people: Iterable[Person]) -> set[int]:
    """The ids of the people the text mentions."""
    if "@" not in text:
        return set()
    found: set[int] = set()
    for person in people:
        for spelling in _spellings(person):
            if _pattern(spelling).search(text):
                found.add(person.id)
                break
    return found


def mention_spans(text: str, people: Mapping[int, Person]) -> list[tuple[int, int, int]]:
    """(start, end, person id) of each mention in the text, in order, without overlaps."""
    spans: list[tuple[int, int, int]] = []
    for person in people.values():
        for spelling in _spellings(person):
            spans.extend((m.start(), m.end(), person.id) for m in _pattern(spelling).finditer(text))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, int]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept
