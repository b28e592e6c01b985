"""The board of suggestions: the ones the user may see, filtered, sorted and a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from scorecard import permissions
from scorecard.models import User
from scorecard.models_suggestions import (
    Suggestion,
    SuggestionComment,
    SuggestionGroup,
    SuggestionSupport,
)

PER_PAGE = 30
WHOLE_ORGANISATION = 0  # the team filter's value for suggestions to the whole organisation


@dataclass(frozen=True)
class BoardFilters:
    team_id: int | None = None  # WHOLE_ORGANISATION: those for the whole organisation
    status: str | None = None
    group_id: int | None = None
    text: str = ""
    sort: str = "newest"  # or "supported"
    page: int = 1


@dataclass(frozen=True)
class BoardPage:
    suggestions: list[Suggestion]
    total: int
    page: int
    pages: int
    comments: dict[int, int] = field(default_factory=dict)  # suggestion id -> comments
    supported: set[int] = field(default_factory=set)  # the ones the user supports


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(session: Session, user: User, filters: BoardFilters) -> list[sa.ColumnElement[bool]]:
    conditions = [permissions.suggestion_scope(session, user)]
    if filters.team_id == WHOLE_ORGANISATION:
        conditions.append(Suggestion.team_id.is_(None))
    elif filters.team_id is not None:
        conditions.append(Suggestion.team_id == filters.team_id)
    if filters.status:
        conditions.append(Suggestion.status == filters.status)
    if filters.group_id is not None:
        conditions.append(
            Suggestion.id.in_(
                sa.select(SuggestionGroup.suggestion_id).where(
                    SuggestionGroup.group_id == filters.group_id
                )
            )
        )
    text = " ".join(filters.text.split())
    if text:
        pattern = _like(text.lower())
        conditions.append(
            sa.or_(
                sa.func.lower(Suggestion.title).like(pattern, escape="\\"),
                sa.func.lower(Suggestion.body).like(pattern, escape="\\"),
            )
        )
    return conditions


def find(session: Session, user: User, filters: BoardFilters) -> BoardPage:
    conditions = _where(session, user, filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(Suggestion).where(*conditions))
    pages = max(1, -(-(total or 0) // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    order = (
        [Suggestion.supporters_count.desc(), Suggestion.created_at.desc(), Suggestion.id.desc()]
        if filters.sort == "supported"
        else [Suggestion.created_at.desc(), Suggestion.id.desc()]
    )
    found = list(
        session.scalars(
            sa.select(Suggestion)
            .options(
                joinedload(Suggestion.team),
                joinedload(Suggestion.author),
                selectinload(Suggestion.groups).joinedload(SuggestionGroup.group),
            )
            .where(*conditions)
            .order_by(*order)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    ids = [s.id for s in found]
    comments: dict[int, int] = {}
    supported: set[int] = set()
    if ids:
        comments = dict(
            session.execute(
                sa.select(SuggestionComment.suggestion_id, sa.func.count())
                .where(SuggestionComment.suggestion_id.in_(ids))
                .group_by(SuggestionComment.suggestion_id)
            ).all()
        )
        supported = set(
            session.scalars(
                sa.select(SuggestionSupport.suggestion_id).where(
                    SuggestionSupport.suggestion_id.in_(ids), SuggestionSupport.user_id == user.id
                )
            )
        )
    return BoardPage(found, total or 0, page, pages, comments, supported)
