"""A three-way merge by field: what two people saved from the same starting point.

A field only the other person changed keeps their value, a field only this person changed
takes this person's, and a field both changed to different values is a conflict for this
person to resolve. Pure: plain mappings of comparable values in, a `Merge` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Merge:
    fields: dict[str, Any]  # the merged value of every field (this person's where in conflict)
    conflicts: tuple[str, ...]  # fields both changed, each differently, in the fields' order
    theirs_taken: tuple[str, ...]  # fields where the other person's change was kept


def three_way(base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any]) -> Merge:
    fields: dict[str, Any] = {}
    conflicts: list[str] = []
    taken: list[str] = []
    for key in dict.fromkeys([*mine, *theirs]):
        was, their, my = base.get(key), theirs.get(key), mine.get(key)
        if my in (their, was):
            fields[key] = their
            if their != was:
                taken.append(key)
        elif their == was:
            fields[key] = my
        else:
            fields[key] = my
            conflicts.append(key)
    return Merge(fields, tuple(conflicts), tuple(taken))
