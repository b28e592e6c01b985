"""The data model of Do Better, as typed SQLAlchemy 2.0 mappings.

Constraints live in the database too, so that impossible data is refused whoever writes it.
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scorecard.db import Model


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_reference() -> str:
    """A decision's stable reference, written in exports so that a re-import matches it."""
    return f"D-{secrets.token_hex(6)}"


def tag_list(tags: str) -> list[str]:
    """The tags of a decision's comma-separated `tags`, in their order."""
    return [t.strip() for t in tags.split(",") if t.strip()]


class Role(enum.StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"


class Status(enum.StrEnum):
    DRAFT = "draft"
    DECIDED = "decided"
    REVIEWED = "reviewed"


Timestamp = sa.DateTime(timezone=True)


class Team(Model):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # What the team is working to achieve, in its managers' words.
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("length(slug) > 0", name="slug_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Team {self.slug}>"


class EmailFrequency(enum.StrEnum):
    INSTANTLY = "instantly"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.STAFF.value)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of the user (sign-out everywhere, password change).
    session_generation: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # How notifications reach this person by email (the application shows them all anyway).
    email_frequency: Mapped[str] = mapped_column(
        sa.String(16), default=EmailFrequency.INSTANTLY.value
    )
    # "What am I working to achieve?", shown on the person's profile beside their decisions.
    aim: Mapped[str] = mapped_column(sa.Text, default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("role IN ('staff', 'manager', 'admin')", name="role_known"),
        sa.CheckConstraint("email = lower(email) AND length(email) > 2", name="email_normalised"),
        sa.CheckConstraint(
            "email_frequency IN ('instantly', 'daily', 'weekly', 'never')",
            name="email_frequency_known",
        ),
    )

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        # The generation makes every older session cookie of this user stop working.
        return f"{self.id}:{self.session_generation}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(Model):
    """A user's place in a team; `manages` marks the teams a manager is responsible for."""

    __tablename__ = "membership"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    manages: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships")


class StakeholderGroup(Model):
    __tablename__ = "stakeholder_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    weight: Mapped[float] = mapped_column(sa.Float, default=1.0)
    is_owner: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )


class WasteCategory(Model):
    __tablename__ = "waste_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    unit: Mapped[str] = mapped_column(sa.String(20))
    unit_cost: Mapped[float] = mapped_column(sa.Float, default=0.0)
    co2e_per_unit: Mapped[float] = mapped_column(sa.Float, default=0.0)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        sa.CheckConstraint("co2e_per_unit >= 0", name="co2e_not_negative"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )


class MethodVersion(Model):
    """The scoring method as it was: weights, groups and categories, frozen as JSON."""

    __tablename__ = "method_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("number > 0", name="number_positive"),)


class Decision(Model):
    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # For imported history: the author as recorded, when no user has that address.
    author_email: Mapped[str | None] = mapped_column(sa.String(254))
    title: Mapped[str] = mapped_column(sa.String(200))
    question: Mapped[str] = mapped_column(sa.Text, default="")
    context: Mapped[str] = mapped_column(sa.Text, default="")
    decision_taken: Mapped[str] = mapped_column(sa.Text, default="")
    alternatives: Mapped[str] = mapped_column(sa.Text, default="")
    decided_on: Mapped[date] = mapped_column(sa.Date)
    review_due: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=Status.DRAFT.value)
    tags: Mapped[str] = mapped_column(sa.String(300), default="")
    # Given by an import, or a stable reference made at creation: the key of the round trip.
    external_id: Mapped[str] = mapped_column(sa.String(100), default=new_reference)
    archived: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    author: Mapped[User | None] = relationship()
    impacts: Mapped[list[StakeholderImpact]] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )
    waste_lines: Mapped[list[WasteLine]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="WasteLine.position"
    )
    review: Mapped[Review | None] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Comment.created_at"
    )
    revisions: Mapped[list[DecisionRevision]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionRevision.id"
    )

    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'decided', 'reviewed')", name="status_known"),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint("review_due IS NULL OR review_due >= decided_on", name="due_after"),
        sa.CheckConstraint("version > 0", name="version_positive"),
        # Unique within a team: a team's ids say nothing about another team's.
        sa.UniqueConstraint("team_id", "external_id"),
        sa.Index("ix_decision_team_review_due", "team_id", "review_due"),
        sa.Index("ix_decision_decided_id", "decided_on", "id"),
        # The log reads each page by one of these, newest first, and counts its matches from
        # the index alone: a team's decisions (status and archived included for the count), all
        # teams (admins), one status.
        sa.Index("ix_decision_team_log", "team_id", "decided_on", "id", "status", "archived"),
        sa.Index("ix_decision_archived_decided", "archived", "decided_on", "id"),
        sa.Index("ix_decision_status_decided", "status", "archived", "decided_on", "id"),
        # Reviews due: decided, not archived, oldest review date first, without a scan.
        sa.Index("ix_decision_status_review_due", "status", "archived", "review_due", "team_id"),
    )

    @property
    def tag_list(self) -> list[str]:
        return tag_list(self.tags)


class StakeholderImpact(Model):
    __tablename__ = "stakeholder_impact"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="RESTRICT"), index=True
    )
    impact: Mapped[int] = mapped_column(default=0)
    consulted: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    actual: Mapped[int | None] = mapped_column()

    decision: Mapped[Decision] = relationship(back_populates="impacts")
    group: Mapped[StakeholderGroup] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("decision_id", "group_id"),
        sa.CheckConstraint("impact BETWEEN -3 AND 3", name="impact_range"),
        sa.CheckConstraint("actual IS NULL OR actual BETWEEN -3 AND 3", name="actual_range"),
    )


class WasteLine(Model):
    __tablename__ = "waste_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("waste_category.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    created: Mapped[float] = mapped_column(sa.Float, default=0.0)
    avoided: Mapped[float] = mapped_column(sa.Float, default=0.0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    actual_created: Mapped[float | None] = mapped_column(sa.Float)
    actual_avoided: Mapped[float | None] = mapped_column(sa.Float)

    decision: Mapped[Decision] = relationship(back_populates="waste_lines")
    category: Mapped[WasteCategory] = relationship()

    __table_args__ = (
        sa.CheckConstraint("created >= 0", name="created_not_negative"),
        sa.CheckConstraint("avoided >= 0", name="avoided_not_negative"),
        sa.CheckConstraint(
            "actual_created IS NULL OR actual_created >= 0", name="actual_created_not_negative"
        ),
        sa.CheckConstraint(
            "actual_avoided IS NULL OR actual_avoided >= 0", name="actual_avoided_not_negative"
        ),
    )


class Review(Model):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), unique=True
    )
    reviewed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    what_happened: Mapped[str] = mapped_column(sa.Text, default="")
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="review")
    reviewer: Mapped[User | None] = relationship()


class Comment(Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    # A question waits for an answer; an answer is a comment replying to it.
    is_question: Mapped[bool] = mapped_column(default=False)
    reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    decision: Mapped[Decision] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
    reply_to: Mapped[Comment | None] = relationship(remote_side=[id])

    __table_args__ = (sa.CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),)


class DecisionRevision(Model):
    """One edit of a decision after it was decided: who, when, and each field's old and new value."""

    __tablename__ = "decision_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    decision: Mapped[Decision] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()


class AuditEvent(Model):
    """Append-only; each event carries the SHA-256 of the one before it."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    actor_id: Mapped[int | None] = mapped_column()
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[str] = mapped_column(sa.String(40))
    changes: Mapped[str] = mapped_column(sa.Text)
    # Unique: two writers can never both extend the same event, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)


class TeamQuarterSums(Model):
    """The scoring module's additive sums of one team and quarter, kept so that no request
    rescans every decision. Every write adds the difference it makes, in its own transaction,
    bumping the generation (services/score_cache.py)."""

    __tablename__ = "team_quarter_sums"

    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    # Quarter.index: year * 4 + quarter - 1.
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The settings the sums depend on (scoring.sums_key): a change of composite weights alone
    # keeps them valid; a change of groups or categories calls for a rebuild of every cell.
    sums_key: Mapped[str] = mapped_column(sa.String(64), default="")
    method_version: Mapped[int] = mapped_column(default=0)
    generation: Mapped[int] = mapped_column(default=1)
    # The values in the order of scoring.sum_columns(method); [] when the cell has no data.
    sums: Mapped[list[float]] = mapped_column(sa.JSON, default=list)


class TeamQuarterCut(Model):
    """The sums of one team and quarter cut at a day (SCORING.md, "A quarter in progress"):
    what the quarter in progress and the one before count up to the same day of each. Kept
    like the cells, by every write's difference (services/score_cache.py)."""

    __tablename__ = "team_quarter_cut"

    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # Quarter.index
    day: Mapped[date] = mapped_column(primary_key=True)  # the last day counted
    generation: Mapped[int] = mapped_column(default=1)
    # The values in the order of scoring.sum_columns(method); [] when the cell has no data.
    sums: Mapped[list[float]] = mapped_column(sa.JSON, default=list)


class ScoreCut(Model):
    """A quarter cut at a day whose cells are stored for every team, for these groups and
    categories (sums_key); a row is written with its cells, so it means they are complete."""

    __tablename__ = "score_cut"

    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    sums_key: Mapped[str] = mapped_column(sa.String(64))


class ScoreCacheState(Model):
    """One row: the method version (and its sums_key) for which team_quarter_sums holds every
    cell with data."""

    __tablename__ = "score_cache_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # NULL: the cache must be rebuilt from every decision before it is used.
    sums_key: Mapped[str | None] = mapped_column(sa.String(64))
    method_version: Mapped[int | None] = mapped_column()
    generation: Mapped[int] = mapped_column(default=1)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class ChoiceListsVersion(Model):
    """One row: a number that changes whenever a list the log's filter bar offers may have
    changed (teams and their names, memberships, people's names, stakeholder groups, the
    quarters that hold a team's decisions). Triggers of migration 0013 draw a new random
    number in the transaction of the write, whichever path writes; services/choice_lists.py
    keeps the lists per process under it. A random number, not a count: a database emptied
    and filled again cannot come back to a number a process still keeps."""

    __tablename__ = "choice_lists_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


class Notification(Model):
    """Something one person should know or do, shown by the bell until read.

    `key` names the thing it is about (for example "review-due:12:2026-03-01"): one person is
    told of one thing once. `done_at` is set once the thing is done (the review recorded), so
    the person stops being told; `email_id` is the message that carried it, if any.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(Timestamp)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)
    email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("email_message.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    decision: Mapped[Decision | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        # The bell: a person's unread notifications, newest first.
        sa.Index("ix_notification_user_unread", "user_id", "read_at", "done_at", "id"),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )


class EmailMessage(Model):
    """One email to one person: a notification sent at once, or a daily or weekly digest.

    Kept so that a failure is retried and then recorded, never lost: `sent_at` once the SMTP
    server accepted it, `failed_at` (with `last_error`) once every attempt failed.
    """

    __tablename__ = "email_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    # One message per key and person: "instant:<notification id>", "daily:2026-03-02",
    # "weekly:2026-W10"; running the job twice sends nothing twice.
    key: Mapped[str] = mapped_column(sa.String(100))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    failed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        sa.Index("ix_email_message_pending", "sent_at", "failed_at", "next_attempt_at"),
        sa.CheckConstraint("kind IN ('instant', 'daily', 'weekly')", name="kind_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    """Long work done by a worker process (an export, an import, a rebuild): what it is, who
    asked, where it stands. Live progress of a running job is kept in the queue's own storage,
    so it stays visible while the job holds a write transaction on this database."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    scope: Mapped[str] = mapped_column(sa.String(200), default="")  # e.g. "teams:1,3", "all"
    quarter: Mapped[str | None] = mapped_column(sa.String(8))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=JobStatus.QUEUED.value)
    # Set while queued or running: a second start of the same work joins this job.
    active_key: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    worker: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="status_known"
        ),
        sa.CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts_counted"),
        sa.Index("ix_job_status_created", "status", "created_at"),
    )

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Alert(Model):
    """Something admins must look at (e.g. a broken audit chain), shown to them until resolved."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    __table_args__ = (sa.Index("ix_alert_open", "resolved_at", "created_at"),)


class Consultation(Model):
    """A question about one decision to one stakeholder group, answered through a signed link
    by people without an account."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="RESTRICT"), index=True
    )
    question: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    ends_on: Mapped[date] = mapped_column(sa.Date)
    max_answers: Mapped[int] = mapped_column()
    # Random, and part of the signed link: a link can name no other consultation.
    link_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    decision: Mapped[Decision] = relationship()
    group: Mapped[StakeholderGroup] = relationship()
    created_by: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Answer.id"
    )

    __table_args__ = (
        sa.CheckConstraint("length(trim(question)) > 0", name="question_not_blank"),
        sa.CheckConstraint("max_answers BETWEEN 1 AND 100000", name="max_answers_range"),
        sa.Index("ix_consultation_decision_group", "decision_id", "group_id"),
    )


class Answer(Model):
    """One stakeholder's answer: a rating on −3..+3, an optional comment and contact. It holds
    no personal data unless the person gives it in the comment or the contact."""

    __tablename__ = "consultation_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE")
    )
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The day (UTC) it was given: on or before the decision's date, it counts as consulted.
    answered_on: Mapped[date] = mapped_column(sa.Date)
    # A keyed hash of the random number in the answering browser's cookie and this
    # consultation: one answer per browser, and no link between a browser's answers.
    browser_key: Mapped[str] = mapped_column(sa.String(64))
    comment_hidden_at: Mapped[datetime | None] = mapped_column(Timestamp)
    comment_hidden_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    consultation: Mapped[Consultation] = relationship(back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "browser_key"),
        sa.CheckConstraint("rating BETWEEN -3 AND 3", name="rating_range"),
        sa.Index("ix_consultation_answer_consultation_day", "consultation_id", "answered_on"),
    )


# Registered on the same metadata; kept in their own modules.
from scorecard import integration_models, models_suggestions, models_surveys  # noqa: E402, F401


class SignInThrottle(Model):
    """Failed sign-ins per email address as typed (normalised and hashed), whether or not an
    account has it, so that a lockout says nothing about which accounts exist."""

    __tablename__ = "sign_in_throttle"

    address_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.Index("ix_sign_in_throttle_updated_at", "updated_at"),)
