"""@mentions in comments: finding them in text and turning them into links. Pure code.

A person is mentioned by the part of their email address before the @ (`@sam` for
sam@example.com), or by the whole address when two people share that part
(`@sam@sales.example.com`). A mention starts a word: "sam@example.com" mentions no one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

MENTION = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


def handle_of(email: str, taken: Iterable[str] = ()) -> str:
    """The shortest handle naming this address alone among `taken` (the other addresses)."""
    local = email.split("@", 1)[0]
    others = {e.split("@", 1)[0].lower() for e in taken if e.lower() != email.lower()}
    return local if local.lower() not in others else email


def handles(people: Iterable[Person]) -> dict[str, Person]:
    """Each handle (lower case) that names one person: the local part when it is unique,
    and always the whole address."""
    people = list(people)
    by_local: dict[str, list[Person]] = {}
    for person in people:
        by_local.setdefault(person.email.split("@", 1)[0].lower(), []).append(person)
    named = {p.email.lower(): p for p in people}
    named.update({local: group[0] for local, group in by_local.items() if len(group) == 1})
    return named


def mentioned(text: str, people: Iterable[Person]) -> list[Person]:
    """The people of `people` the text mentions, in order, each once."""
    known = handles(people)
    found: dict[int, Person] = {}
    for match in MENTION.finditer(text):
        person = known.get(match.group(1).lower())
        if person is not None:
            found.setdefault(person.id, person)
    return list(found.values())


def linked(text: str, people: Mapping[str, Person], url: Callable[[Person], str]) -> Markup:
    """The text escaped, line breaks kept, each mention of a known person a link to them."""

    def one_line(line: str) -> Markup:
        out, last = [], 0
        for match in MENTION.finditer(line):
            person = people.get(match.group(1).lower())
            if person is None:
                continue
            out.append(escape(line[last : match.start()]))
            out.append(
                Markup('<a class="mention" href="{}">@{}</a>').format(url(person), match.group(1))
            )
            last = match.end()
        out.append(escape(line[last:]))
        return Markup("").join(out)

    return Markup("<br>").join(one_line(line) for line in text.splitlines())
