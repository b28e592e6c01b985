"""Full-text search of the log: through the index of each backend, best matches first, the words
marked where they were found, and the index kept in step by every write of a decision."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from scorecard.domain import search_words
from scorecard.extensions import db
from scorecard.models import Decision


def titles(html: str) -> list[str]:
    found = re.findall(r'<a class="decision-title" href="/decisions/\d+">(.*?)</a>', html)
    return [re.sub(r"</?mark>", "", title) for title in found]


@pytest.fixture
def found(app, make, org):
    make.decision(
        org.ops,
        org.staff,
        title="Reusable crates for the warehouse",
        decided_on=date(2026, 3, 1),
        question="How do we ship without cardboard?",
    )
    make.decision(
        org.ops,
        org.staff,
        title="Night deliveries",
        decided_on=date(2026, 4, 1),
        context="Drivers asked for fewer night runs; crates would be stacked by the morning team.",
    )
    make.decision(
        org.ops,
        org.staff,
        title="Crates <b>and</b> pallets",
        decided_on=date(2026, 2, 1),
        question="Crates, crates everywhere?",
    )
    return org


def test_best_matches_first_unless_another_order_is_asked(client, login, found):
    client = login(found.staff)
    # In the title and the question first, the title alone next, the context alone last.
    assert titles(client.get("/decisions?q=crates").get_data(as_text=True)) == [
        "Crates &lt;b&gt;and&lt;/b&gt; pallets",
        "Reusable crates for the warehouse",
        "Night deliveries",
    ]
    page = client.get("/decisions?q=crates").get_data(as_text=True)
    assert '<option selected value="relevance">Best match</option>' in page
    assert titles(client.get("/decisions?q=crates&sort=newest").get_data(as_text=True)) == [
        "Night deliveries",
        "Reusable crates for the warehouse",
        "Crates &lt;b&gt;and&lt;/b&gt; pallets",
    ]
    # Without a search, best match is no order of its own: newest first.
    assert titles(client.get("/decisions?sort=relevance").get_data(as_text=True))[0] == (
        "Night deliveries"
    )


def test_the_words_found_are_marked_and_the_text_stays_escaped(client, login, found):
    client = login(found.staff)
    page = client.get("/decisions?q=crate+warehouse").get_data(as_text=True)
    assert "Reusable <mark>crates</mark> for the <mark>warehouse</mark>" in page
    page = client.get("/decisions?q=crates").get_data(as_text=True)
    assert "<mark>Crates</mark> &lt;b&gt;and&lt;/b&gt; pallets" in page
    assert "<mark>Crates</mark>, <mark>crates</mark> everywhere?" in page
    # Found only in the context: the part of it that holds the word is shown.
    assert (
        "In the context: Drivers asked for fewer night runs; <mark>crates</mark> would be"
        " stacked by the morning team." in page
    )
    assert "<b>and</b>" not in page


def test_the_index_follows_every_write(app, client, login, found):
    client = login(found.staff)
    with app.app_context(), db.writing() as session:
        night = session.scalar(sa.select(Decision).where(Decision.title == "Night deliveries"))
        night.title = "Evening deliveries by cargo bike"
        night.context = ""
    assert titles(client.get("/decisions?q=cargo").get_data(as_text=True)) == [
        "Evening deliveries by cargo bike"
    ]
    assert "Evening deliveries by cargo bike" not in titles(
        client.get("/decisions?q=crates").get_data(as_text=True)
    )
    assert titles(client.get("/decisions?q=night").get_data(as_text=True)) == []
    # A statement that bypasses the models is followed too, as is a deletion.
    with app.app_context(), db.writing() as session:
        session.execute(
            sa.update(Decision)
            .where(Decision.title.like("Reusable%"))
            .values(question="Returnable boxes?")
        )
        gone = session.scalar(sa.select(Decision).where(Decision.title.like("Crates%")))
        session.delete(gone)
    assert titles(client.get("/decisions?q=returnable").get_data(as_text=True)) == [
        "Reusable crates for the warehouse"
    ]
    assert titles(client.get("/decisions?q=pallets").get_data(as_text=True)) == []
    assert titles(client.get("/decisions?q=ship").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("  Crates  crates ", ("crates",)),
        ('"vans" OR NOT*', ("vans", "or", "not")),
        ("100% re-use_it", ("100", "re", "use", "it")),
        ("Énergie ÉNERGIE", ("énergie",)),
        ("%%% ---", ()),
        (" ".join(f"w{n}" for n in range(20)), tuple(f"w{n}" for n in range(8))),
    ],
)
def test_the_words_of_a_search(typed, words):
    assert search_words.words(typed) == words


def test_the_queries_of_each_index_hold_only_words():
    searched = search_words.words('ship "crates" OR x:*')
    assert search_words.fts5_query(searched) == '"ship"* "crates"* "or"* "x"*'
    assert search_words.tsquery(searched) == "ship:* & crates:* & or:* & x:*"


def test_pieces_and_excerpts():
    pieces = search_words.pieces("Shipping ships, reship", ("ship",))
    assert [(p.text, p.found) for p in pieces] == [
        ("Shipping", True),
        (" ", False),
        ("ships", True),
        (", reship", False),
    ]
    long = "word " * 60 + "the crates arrive " + "word " * 60
    cut = search_words.excerpt(long, ("crates",), width=60)
    assert cut.startswith("…") and cut.endswith("…") and "the crates arrive" in cut
    assert len(cut) <= 62
    assert search_words.excerpt("nothing here", ("crates",)) == ""


def test_a_common_word_is_listed_newest_first_as_the_page_says(
    app, client, login, found, monkeypatch
):
    from scorecard.services import decision_log

    client = login(found.staff)
    ranked = titles(client.get("/decisions?q=crates").get_data(as_text=True))
    assert "listed newest first" not in client.get("/decisions?q=crates").get_data(as_text=True)
    # Fewer counted than match: the word counts as common, ranking would sort every match.
    monkeypatch.setattr(decision_log, "COUNT_AHEAD", 1)
    page = client.get("/decisions?q=crates").get_data(as_text=True)
    assert "So many decisions match that they are listed newest first" in page
    assert titles(page) == [
        "Night deliveries",
        "Reusable crates for the warehouse",
        "Crates &lt;b&gt;and&lt;/b&gt; pallets",
    ]
    assert "<mark>crates</mark>" in page
    with app.app_context():
        from scorecard.models import User

        user = db.session.get(User, found.staff.id)
        every = decision_log.find(
            db.session, user, decision_log.LogFilters(text="crates", sort="relevance"), per_page=10
        )
    assert every.unranked and sorted(d.title for d in every.decisions) == sorted(
        re.sub("&lt;b&gt;and&lt;/b&gt;", "<b>and</b>", t) for t in ranked
    )
    # Another sort asked is kept, and says nothing.
    page = client.get("/decisions?q=crates&sort=oldest").get_data(as_text=True)
    assert titles(page)[0] == "Crates &lt;b&gt;and&lt;/b&gt; pallets"
    assert "listed newest first" not in page


def test_punctuation_alone_is_named_and_the_search_ignored(client, login, found):
    client = login(found.staff)
    page = client.get("/decisions?q=%25%25+--").get_data(as_text=True)
    assert "Type a word of letters or digits: punctuation alone finds nothing." in page
    assert len(titles(page)) == 3  # no search: every decision, as for any filter refused


def test_the_scoring_filters_stay_styled_as_selects(client, login, found):
    page = login(found.staff).get("/decisions").get_data(as_text=True)
    assert re.search(r'<select class="form-select" id="due_in"', page)
    assert re.search(r'<select class="form-select" id="reviewed_in"', page)
