"""Suggestions: improvements anyone proposes for a team or the whole organisation, their
supporters and comments, and the draft decision an accepted one became."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scorecard.db import Model
from scorecard.models import (
    Decision,
    StakeholderGroup,
    Team,
    Timestamp,
    User,
    WasteCategory,
    utcnow,
)


class Suggestion(Model):
    __tablename__ = "suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: proposed for the whole organisation.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The draft decision that accepting it made; the decision links back through this.
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="SET NULL"), unique=True
    )
    supporters_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(Timestamp)
    answered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    team: Mapped[Team | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    decision: Mapped[Decision | None] = relationship()
    groups: Mapped[list[SuggestionGroup]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan"
    )
    waste: Mapped[list[SuggestionWaste]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan"
    )
    supports: Mapped[list[SuggestionSupport]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan"
    )
    comments: Mapped[list[SuggestionComment]] = relationship(
        back_populates="suggestion",
        cascade="all, delete-orphan",
        order_by="SuggestionComment.created_at",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'accepted', 'declined')", name="status_known"
        ),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint("supporters_count >= 0", name="supporters_not_negative"),
        sa.CheckConstraint(
            "status <> 'declined' OR length(trim(decline_reason)) > 0", name="declined_with_reason"
        ),
        sa.Index("ix_suggestion_team_created", "team_id", "created_at"),
        sa.Index("ix_suggestion_team_answered", "team_id", "first_answer_at"),
    )


class SuggestionGroup(Model):
    """A stakeholder group the suggestion would help or spare."""

    __tablename__ = "suggestion_group"

    suggestion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suggestion.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="RESTRICT"), primary_key=True, index=True
    )

    suggestion: Mapped[Suggestion] = relationship(back_populates="groups")
    group: Mapped[StakeholderGroup] = relationship()


class SuggestionWaste(Model):
    """Waste the suggestion could avoid, in the category's unit."""

    __tablename__ = "suggestion_waste"

    suggestion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suggestion.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("waste_category.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    avoided: Mapped[float] = mapped_column(sa.Float)

    suggestion: Mapped[Suggestion] = relationship(back_populates="waste")
    category: Mapped[WasteCategory] = relationship()

    __table_args__ = (sa.CheckConstraint("avoided > 0", name="avoided_positive"),)


class SuggestionSupport(Model):
    """One person's support of a suggestion: one each, withdrawable."""

    __tablename__ = "suggestion_support"

    suggestion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suggestion.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="supports")
    user: Mapped[User] = relationship()


class SuggestionComment(Model):
    __tablename__ = "suggestion_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),)
