"""What every template can use: navigation counts, the user's role, number and impact formatting."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from numbers import Number
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup, escape

from scorecard import permissions
from scorecard.domain import search_words
from scorecard.domain.rules import IMPACT_WORDS, impact_word


def number(value: Any, places: int = 1, empty: str = "—") -> str:
    """A figure for display: empty figures show as a dash, never as 0."""
    if value is None:
        return empty
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(as_float):
        return empty
    return f"{as_float:,.{places}f}"


def signed(value: Any, places: int = 1, empty: str = "—") -> str:
    text = number(value, places, empty)
    if text != empty and float(value) > 0:
        return "+" + text
    return text


MONEY_UNITS = ("$", "€", "£", "money")


def money(value: Any, places: int = 0, empty: str = "—") -> str:
    """An amount in the organisation's currency, as its locale writes it (Babel, from CLDR):
    $14,000 for USD in en_US, 14 000 € for EUR in fr_FR; whole units unless places is given."""
    if value is None:
        return empty
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(amount):
        return empty
    currency = current_app.config.get("CURRENCY", "USD")
    locale = Locale.parse(current_app.config.get("LOCALE", "en_US"))
    if places:
        return format_currency(amount, currency, locale=locale)
    # The locale's own pattern, its decimals dropped.
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    pattern = re.sub(r"0[.,]0+", "0", pattern)
    return format_currency(
        round(amount), currency, format=pattern, locale=locale, currency_digits=False
    )


def is_money_unit(unit: str | None) -> bool:
    """A waste category counted in money: its unit is a currency sign or code."""
    text = (unit or "").strip()
    return text in MONEY_UNITS or text.upper() == current_app.config.get("CURRENCY", "USD")


def nl2br(text: str | None) -> Markup:
    """Plain text with its line breaks kept; everything else escaped."""
    if not text:
        return Markup("")
    return Markup("<br>").join(escape(line) for line in str(text).splitlines())


def marked(text: str | None, words: tuple[str, ...] = ()) -> Markup:
    """The text escaped, with the words searched for in <mark> where they were found."""
    if not words:
        return escape(text or "")
    return Markup("").join(
        Markup("<mark>{}</mark>").format(piece.text) if piece.found else escape(piece.text)
        for piece in search_words.pieces(text or "", words)
    )


def found_in(text: str | None, words: tuple[str, ...], width: int = 140) -> Markup:
    """The part of a long text where a word searched for was found, marked; empty if none."""
    return marked(search_words.excerpt(text or "", words, width), words)


@lru_cache(maxsize=4096)  # a list writes a few dates per row, of a few hundred days
def day(value: date | None, empty: str = "—") -> str:
    """A date as people read it: 14 Mar 2026."""
    if value is None:
        return empty
    return f"{value.day} {value:%b %Y}"


def moment(value: datetime | None, empty: str = "—") -> str:
    """A moment in UTC, to the minute: 14 Mar 2026, 09:05 UTC."""
    if value is None:
        return empty
    if value.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


# Badges and figures written once or more on every row of a list: plain functions, as a Jinja
# macro call costs some twenty times more (the log page writes three per row).


def status_badge(status: str, archived: bool = False) -> Markup:
    """A decision's status as a badge, and "Archived" beside it if it is."""
    html = f'<span class="badge status-{escape(status)}">{escape(str(status).capitalize())}</span>'
    if archived:
        html += ' <span class="badge status-archived">Archived</span>'
    return Markup(html)  # noqa: S704 - the status is escaped


def _figure(figures: Any, name: str) -> Any:
    """`figures.name` as a template reads it: an attribute, or else a key."""
    if figures is None:
        return None
    if isinstance(figures, dict):
        return figures.get(name)
    return getattr(figures, name, None)


SHARED_VALUE_BADGE = Markup(
    '<span class="badge badge-shared" title="Good for society and for the business, with no'
    ' group rated −2 or lower"><i class="bi bi-people-fill" aria-hidden="true"></i>'
    " Shared value</span>"
)
HARM_BADGE = Markup(
    '<span class="badge badge-harm" title="A group is rated −2 (harm) or −3 (serious harm)">'
    '<i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i> Harm</span>'
)


def value_badge(figures: Any) -> Markup:
    """ "Shared value" or "Harm" for a decision's figures (a dict or an object); else nothing."""
    if _figure(figures, "shared_value"):
        return SHARED_VALUE_BADGE
    if _figure(figures, "harm"):
        return HARM_BADGE
    return Markup("")


def index_value(value: Any, places: int = 0) -> Markup:
    """An index, signed, coloured by its sign (none for no figure)."""
    tone = ""
    if isinstance(value, Number):
        tone = "figure-pos" if value > 0 else ("figure-neg" if value < 0 else "")
    return Markup(f'<span class="figure {tone}">{escape(signed(value, places))}</span>')  # noqa: S704


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        impact_word=impact_word,
        number=number,
        signed=signed,
        money=money,
        nl2br=nl2br,
        marked=marked,
        found_in=found_in,
        day=day,
        moment=moment,
    )
    from scorecard.http import csp_nonce

    # Templates ask the permissions module too: `permissions.can_export(current_user)`.
    app.jinja_env.globals.update(
        IMPACT_WORDS=IMPACT_WORDS,
        permissions=permissions,
        csp_nonce=csp_nonce,
        status_badge=status_badge,
        value_badge=value_badge,
        index_value=index_value,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    # `{% if 'dashboard.index' is endpoint %}`: navigation shows only what the app serves.
    app.jinja_env.tests["endpoint"] = lambda name: name in app.view_functions
    app.jinja_env.tests["money_unit"] = is_money_unit

    @app.context_processor
    def layout() -> dict[str, Any]:
        """The navigation's counts ("999+" beyond their caps), open alerts for admins, the
        surveys waiting for the person (not on the page that answers one): one statement."""
        if not current_user.is_authenticated:
            return {
                "nav_reviews_due": 0,
                "nav_unread": 0,
                "admin_alerts": [],
                "waiting_surveys": [],
            }
        from scorecard.extensions import db
        from scorecard.services import navigation

        shown = navigation.layout(
            db.session,
            current_user,
            date.today(),
            surveys=request.endpoint != "surveys.answer",
        )
        due, unread = shown.reviews_due, shown.unread
        return {
            "nav_reviews_due": f"{navigation.DUE_BADGE_CAP}+"
            if due > navigation.DUE_BADGE_CAP
            else due,
            "nav_unread": f"{navigation.BELL_CAP}+" if unread > navigation.BELL_CAP else unread,
            "admin_alerts": shown.alerts,
            "waiting_surveys": shown.surveys,
        }
