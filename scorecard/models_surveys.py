"""What matters to us: survey rounds, who is invited, and the answers, kept apart from names.

A response carries no user id: it is found again (to be changed until the round closes) by a
keyed hash of the round and the person, and an invitation records only that its person
answered, never which response is theirs.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scorecard.db import Model
from scorecard.models import Team, Timestamp, User, utcnow


class SurveyRound(Model):
    __tablename__ = "survey_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # Shown on the survey page: what the answers will be used for.
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    opens_on: Mapped[date] = mapped_column(sa.Date)
    closes_on: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The method version made by adopting the weights this round proposed.
    adopted_version: Mapped[int | None] = mapped_column()

    created_by: Mapped[User | None] = relationship()
    teams: Mapped[list[SurveyRoundTeam]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[SurveyInvitation]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
    )


class SurveyRoundTeam(Model):
    __tablename__ = "survey_round_team"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    round: Mapped[SurveyRound] = relationship(back_populates="teams")
    team: Mapped[Team] = relationship()


class SurveyInvitation(Model):
    """A person asked to answer a round: whether they answered, and when they were reminded."""

    __tablename__ = "survey_invitation"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answered: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)

    round: Mapped[SurveyRound] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship()


class SurveyResponse(Model):
    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_round.id", ondelete="CASCADE"))
    respondent_key: Mapped[str] = mapped_column(sa.String(64))
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    ratings: Mapped[list[SurveyRating]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    teams: Mapped[list[SurveyResponseTeam]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("round_id", "respondent_key"),)


class SurveyResponseTeam(Model):
    """A team a response counts for: the respondent's teams among the round's."""

    __tablename__ = "survey_response_team"

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    response: Mapped[SurveyResponse] = relationship(back_populates="teams")


class SurveyRating(Model):
    """How much one stakeholder group or one waste category matters: 1–5, NULL not relevant."""

    __tablename__ = "survey_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="CASCADE")
    )
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("waste_category.id", ondelete="CASCADE")
    )
    rating: Mapped[int | None] = mapped_column()

    response: Mapped[SurveyResponse] = relationship(back_populates="ratings")

    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint("(group_id IS NULL) <> (category_id IS NULL)", name="one_subject"),
        sa.UniqueConstraint("response_id", "group_id"),
        sa.UniqueConstraint("response_id", "category_id"),
    )
