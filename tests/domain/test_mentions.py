"""@mentions found in a comment's text."""

from __future__ import annotations

from scorecard.domain.mentions import Person, mention_spans, mentioned

TESS = Person(1, "Tess Teammate", "tess@example.com")
SAM = Person(2, "Sam", "sam.jones@example.com")
SAMUEL = Person(3, "Samuel Park", "samuel@example.com")
PEOPLE = (TESS, SAM, SAMUEL)


def test_names_and_email_local_parts_are_mentions():
    assert mentioned("Ask @Tess Teammate about it", PEOPLE) == {1}
    assert mentioned("ask @tess.teammate or @sam.jones.", PEOPLE) == {1, 2}
    assert mentioned("cc @samuel", PEOPLE) == {3}


def test_what_is_not_a_mention():
    assert mentioned("mail tess@example.com", PEOPLE) == set()
    assert mentioned("no one here", PEOPLE) == set()
    # @Sam does not mention Samuel, and @Samuel does not mention Sam.
    assert mentioned("@Samuel agrees", PEOPLE) == {3}
    assert mentioned("@Sam agrees", PEOPLE) == {2}


def test_spans_take_the_longest_spelling():
    text = "Thanks @Tess Teammate and @sam"
    spans = mention_spans(text, {p.id: p for p in PEOPLE})
    assert [(text[a:b], who) for a, b, who in spans] == [("@Tess Teammate", 1), ("@sam", 2)]
