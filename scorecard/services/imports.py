"""Importing a decision log: match teams and authors, upsert by external_id, all or nothing.

The caller (a view or a command) commits; with any error nothing is written at all. Rows are
written with set-based Core statements, and the team-quarters they touch are handed to the
score cache. An update replaces a decision's waste lines when its amounts changed (notes and
actual amounts of those lines go with them) and keeps the change as a revision once decided.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard import permissions
from scorecard.domain import importing
from scorecard.domain.importing import CellError, DecisionRow, ParsedImport
from scorecard.domain.untrusted_files import Limits
from scorecard.models import (
    Decision,
    DecisionRevision,
    Review,
    StakeholderImpact,
    Status,
    Team,
    User,
    WasteLine,
    new_reference,
    utcnow,
)
from scorecard.services import audit, queries, reference, score_cache

CHUNK = 1_000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.created:,} created, {self.updated:,} updated, {self.unchanged:,} left unchanged"
        )


@dataclass(frozen=True)
class ImportOutcome:
    """Either every bad cell (nothing written) or what the import did (or would do)."""

    errors: list[CellError]
    summary: ImportSummary | None
    dry_run: bool = False
    sheet: str | None = None
    # Where reading stopped: a file with MAX_ERRORS problems is certain to fail, so the rest
    # of it is not read (nor its problems listed). None when the whole file was read.
    stopped_at: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def complete(self) -> bool:
        """Every problem of the file is in `errors`."""
        return self.stopped_at is None and len(self.errors) < importing.MAX_ERRORS

    def refusal(self) -> str:
        """One line that says why nothing was imported, and how much of the list is shown."""
        count = len(self.errors)
        if self.complete:
            return f"{count} bad cell{'s' if count != 1 else ''}"
        where = f"; reading stopped at row {self.stopped_at}" if self.stopped_at else ""
        return f"the first {count:,} problems are listed{where}"


def limits_from_config(config: dict[str, Any]) -> Limits:
    return Limits(
        max_bytes=int(config["MAX_CONTENT_LENGTH"]),
        max_rows=int(config["IMPORT_MAX_ROWS"]),
        max_columns=int(config["IMPORT_MAX_COLUMNS"]),
        max_unpacked_bytes=int(config.get("IMPORT_MAX_UNPACKED_MB", 256)) * 1024 * 1024,
    )


def read(
    session: Session,
    data: bytes,
    filename: str,
    limits: Limits,
    progress: Progress | None = None,
) -> ParsedImport:
    """Read and check a file against the active stakeholder groups and waste categories.

    Raises untrusted_files.FileRefused when the file cannot be read at all."""
    groups = [g.name for g in reference.active_groups(session)]
    categories = [c.name for c in reference.active_categories(session)]
    return importing.read_decisions(data, filename, groups, categories, limits, progress)


def template_columns(session: Session) -> list[str]:
    """The columns of an empty import file for the current groups and categories."""
    return importing.format_columns(
        [g.name for g in reference.active_groups(session)],
        [c.name for c in reference.active_categories(session)],
    )


# --- planning: what each row does -----------------------------------------------------------


@dataclass(slots=True)
class _State:
    """A decision as the import format sees it, comparable between the file and the database."""

    team_id: int
    title: str
    decided_on: date
    status: str
    question: str
    context: str
    decision_taken: str
    alternatives: str
    review_due: date | None
    author: str  # email of the author, "" when none
    review: tuple[date, str] | None  # reviewed_on, lessons
    impacts: dict[int, tuple[int, bool, int | None]]  # group id -> impact, consulted, actual
    waste: dict[int, tuple[float, float]]  # category id -> created, avoided (non-zero only)

    FIELDS = (
        "team_id",
        "title",
        "decided_on",
        "status",
        "question",
        "context",
        "decision_taken",
        "alternatives",
        "review_due",
    )


@dataclass(slots=True)
class _Existing:
    id: int
    team_id: int
    version: int
    author_id: int | None
    author_email: str | None  # as recorded on the decision (no user had that address)
    state: _State
    impact_ids: dict[int, int]  # group id -> StakeholderImpact.id
    review_id: int | None


@dataclass
class _Plan:
    creates: list[tuple[DecisionRow, _State]] = field(default_factory=list)
    updates: list[tuple[DecisionRow, _State, _Existing]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    author_ids: dict[str, int] = field(default_factory=dict)  # email -> id of a known user


def import_decisions(
    session: Session,
    actor: User | None,
    parsed: ParsedImport,
    *,
    filename: str,
    digest: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check every row against the database; with no error write them all (unless dry_run).

    actor None is the command line, which may import into every team; a manager imports
    only into the teams they manage, an admin into all."""
    plan = _plan(session, actor, parsed, progress)
    errors = sorted([*parsed.errors, *plan.errors], key=lambda e: (e.row, _column_order(e.letter)))
    if errors:
        return ImportOutcome(
            errors[: importing.MAX_ERRORS], None, dry_run, parsed.sheet, parsed.stopped_at
        )
    summary = ImportSummary(len(plan.creates), len(plan.updates), plan.unchanged)
    if not dry_run:
        _apply(session, actor, plan, progress)
        teams = sorted(
            {s.team_id for _, s in plan.creates} | {s.team_id for _, s, _ in plan.updates}
        )
        audit.record(
            session,
            actor,
            "import",
            digest,
            "import",
            {
                "file": filename,
                "sheet": parsed.sheet,
                "sha256": digest,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "team_ids": teams,
            },
        )
    return ImportOutcome([], summary, dry_run, parsed.sheet)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _column_order(letter: str) -> tuple[int, str]:
    return (len(letter), letter)


def _plan(
    session: Session, actor: User | None, parsed: ParsedImport, progress: Progress | None
) -> _Plan:
    plan = _Plan()
    rows = parsed.rows
    groups = {g.name: g.id for g in reference.active_groups(session)}
    categories = {c.name: c.id for c in reference.active_categories(session)}
    allowed = permissions.import_teams(session, actor)
    teams = _teams(session)
    plan.author_ids = _user_ids(session, {r.author_email for r in rows if r.author_email})
    existing = _existing(session, [r.external_id for r in rows if r.external_id], groups, allowed)
    authors = permissions.import_authors(session, plan.author_ids.values())
    nobody = "no team" if allowed.every else "no team you manage"
    first_row: dict[str, int] = {}

    for count, row in enumerate(rows, 1):
        if progress is not None and count % CHUNK == 0:
            progress(CHUNK)
        team = teams.get(row.team.casefold())
        if team is None or team.id not in allowed:
            plan.errors.append(
                parsed.error(row.row, "team", row.team, f"{nobody} has this name or slug")
            )
            continue
        state = _state_of_row(row, team.id, groups, categories)
        current = None
        if row.external_id:
            if row.external_id in first_row:
                plan.errors.append(
                    parsed.error(
                        row.row,
                        "external_id",
                        row.external_id,
                        f"row {first_row[row.external_id]} has the same external_id",
                    )
                )
                continue
            first_row[row.external_id] = row.row
            current = _match(existing.get(row.external_id, {}), team.id)
        author_id = plan.author_ids.get(state.author)
        unchanged_author = current is not None and current.state.author == state.author
        if author_id is not None and (author_id, team.id) not in authors and not unchanged_author:
            plan.errors.append(
                parsed.error(
                    row.row, "author_email", state.author, f"is not a member of {team.name}"
                )
            )
            continue
        if current is None:
            plan.creates.append((row, state))
        elif current.state == state:
            plan.unchanged += 1
        else:
            plan.updates.append((row, state, current))
    if progress is not None and len(rows) % CHUNK:
        progress(len(rows) % CHUNK)
    return plan


def _match(candidates: dict[int, _Existing], team_id: int) -> _Existing | None:
    """The decision a row's external_id names: the one of the row's team, else the only one
    (the row moves it), else none (the row is a new decision)."""
    if team_id in candidates:
        return candidates[team_id]
    return next(iter(candidates.values())) if len(candidates) == 1 else None


def _teams(session: Session) -> dict[str, Team]:
    by_key: dict[str, Team] = {}
    for team in session.scalars(sa.select(Team)):
        by_key[team.slug.casefold()] = team
        by_key.setdefault(team.name.strip().casefold(), team)
    return by_key


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _user_ids(session: Session, emails: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(emails)):
        for user_id, email in session.execute(
            sa.select(User.id, User.email).where(User.email.in_(chunk))
        ):
            found[email] = user_id
    return found


def _state_of_row(
    row: DecisionRow, team_id: int, groups: dict[str, int], categories: dict[str, int]
) -> _State:
    impacts = {
        group_id: (
            row.impacts.get(name, 0),
            row.consulted.get(name, False),
            row.actuals.get(name),
        )
        for name, group_id in groups.items()
    }
    waste = {}
    for name, category_id in categories.items():
        made, saved = row.created.get(name, 0.0), row.avoided.get(name, 0.0)
        if made or saved:
            waste[category_id] = (float(made), float(saved))
    return _State(
        team_id=team_id,
        title=row.title,
        decided_on=row.decided_on,
        status=row.status,
        question=row.question,
        context=row.context,
        decision_taken=row.decision,
        alternatives=row.alternatives,
        review_due=row.review_due,
        author=row.author_email or "",
        review=(row.reviewed_on, row.lessons) if row.reviewed_on else None,
        impacts=impacts,
        waste=waste,
    )


def _existing(
    session: Session, external_ids: list[str], groups: dict[str, int], teams: permissions.Teams
) -> dict[str, dict[int, _Existing]]:
    """The decisions of these teams that these external ids name, by id then team, with what
    the import format can compare. Another team's decision is not looked at at all."""
    # Long on purpose: one query per chunk, and the states it builds share that pass.
    found: dict[str, dict[int, _Existing]] = {}
    group_ids = set(groups.values())
    for chunk in _chunks(sorted(set(external_ids))):
        rows = session.execute(
            sa.select(
                Decision.id,
                Decision.external_id,
                Decision.team_id,
                Decision.version,
                Decision.author_id,
                Decision.author_email,
                *queries.DECISION_TEXT,
                queries.AUTHOR.label("author"),
                Review.id.label("review_id"),
                *queries.REVIEW_TEXT,
            )
            .outerjoin(User, User.id == Decision.author_id)
            .outerjoin(Review, Review.decision_id == Decision.id)
            .where(Decision.external_id.in_(chunk), teams.where(Decision.team_id))
        ).all()
        by_id: dict[int, _Existing] = {}
        for r in rows:
            state = _State(
                team_id=r.team_id,
                title=r.title,
                decided_on=r.decided_on,
                status=r.status,
                question=r.question,
                context=r.context,
                decision_taken=r.decision_taken,
                alternatives=r.alternatives,
                review_due=r.review_due,
                author=r.author,
                review=(r.reviewed_on, r.lessons) if r.review_id is not None else None,
                impacts={g: (0, False, None) for g in group_ids},
                waste={},
            )
            item = _Existing(
                r.id, r.team_id, r.version, r.author_id, r.author_email, state, {}, r.review_id
            )
            by_id[r.id] = item
            found.setdefault(r.external_id, {})[r.team_id] = item
        ids = list(by_id)
        for impact_id, decision_id, group_id, impact, consulted, actual in session.execute(
            sa.select(
                StakeholderImpact.id,
                StakeholderImpact.decision_id,
                StakeholderImpact.group_id,
                StakeholderImpact.impact,
                StakeholderImpact.consulted,
                StakeholderImpact.actual,
            ).where(StakeholderImpact.decision_id.in_(ids))
        ):
            if group_id in group_ids:
                by_id[decision_id].state.impacts[group_id] = (impact, bool(consulted), actual)
                by_id[decision_id].impact_ids[group_id] = impact_id
        for decision_id, category_id, created, avoided in session.execute(
            sa.select(
                WasteLine.decision_id, WasteLine.category_id, WasteLine.created, WasteLine.avoided
            ).where(WasteLine.decision_id.in_(ids))
        ):
            waste = by_id[decision_id].state.waste
            made, saved = waste.get(category_id, (0.0, 0.0))
            waste[category_id] = (made + float(created or 0), saved + float(avoided or 0))
        for item in by_id.values():
            item.state.waste = {c: v for c, v in item.state.waste.items() if v[0] or v[1]}
    return found


# --- applying the plan ------------------------------------------------------------------------


def _apply(session: Session, actor: User | None, plan: _Plan, progress: Progress | None) -> None:
    """Write the plan with set-based Core statements, a chunk at a time; each chunk adds the
    difference it makes to the stored sums."""
    connection = session.connection()
    emails = plan.author_ids
    actor_id = actor.id if actor is not None else None
    for chunk in _chunks(plan.creates, CHUNK * 5):
        sums = score_cache.SumsChange(session)
        sums.touch(_create(connection, chunk, emails, actor_id))
        sums.apply()
        if progress is not None:
            progress(len(chunk))
    for chunk in _chunks(plan.updates, CHUNK * 5):
        with score_cache.changing(session, [current.id for _, _, current in chunk]):
            _update(connection, chunk, emails, actor_id)
        if progress is not None:
            progress(len(chunk))


def _author(state: _State, emails: dict[str, int]) -> tuple[int | None, str | None]:
    if not state.author:
        return None, None
    user_id = emails.get(state.author)
    return (user_id, None) if user_id is not None else (None, state.author)


def _decision_values(row: DecisionRow, state: _State, emails: dict[str, int]) -> dict[str, Any]:
    author_id, author_email = _author(state, emails)
    return {
        "team_id": state.team_id,
        "author_id": author_id,
        "author_email": author_email,
        "external_id": row.external_id or new_reference(),
        **{name: getattr(state, name) for name in _State.FIELDS if name != "team_id"},
    }


def _create(
    connection: sa.Connection,
    chunk: Sequence[tuple[DecisionRow, _State]],
    emails: dict[str, int],
    actor_id: int | None,
) -> list[int]:
    """Insert new decisions and their parts; their ids."""
    table = Decision.__table__
    values = [_decision_values(row, state, emails) for row, state in chunk]
    if connection.dialect.name == "sqlite":
        # SQLite cannot return the ids of many rows in order and would insert them one by one;
        # its write lock is held since BEGIN IMMEDIATE, so the next ids are known.
        first = (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(values)))
        connection.execute(
            sa.insert(table), [{"id": i, **v} for i, v in zip(ids, values, strict=True)]
        )
    else:
        ids = list(
            connection.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), values
            ).scalars()
        )
    impacts, waste, reviews = [], [], []
    for decision_id, (_row, state) in zip(ids, chunk, strict=True):
        impacts.extend(_impact_rows(decision_id, state))
        waste.extend(_waste_rows(decision_id, state.waste))
        if state.review is not None:
            reviews.append(_review_row(decision_id, state, actor_id))
    _insert(connection, StakeholderImpact, impacts)
    _insert(connection, WasteLine, waste)
    _insert(connection, Review, reviews)
    return ids


def _impact_rows(decision_id: int, state: _State) -> list[dict[str, Any]]:
    return [
        {
            "decision_id": decision_id,
            "group_id": group_id,
            "impact": impact,
            "consulted": consulted,
            "actual": actual,
        }
        for group_id, (impact, consulted, actual) in state.impacts.items()
    ]


def _waste_rows(decision_id: int, waste: dict[int, tuple[float, float]]) -> list[dict[str, Any]]:
    return [
        {
            "decision_id": decision_id,
            "category_id": category_id,
            "position": position,
            "created": created,
            "avoided": avoided,
        }
        for position, (category_id, (created, avoided)) in enumerate(sorted(waste.items()))
    ]


def _review_row(decision_id: int, state: _State, actor_id: int | None) -> dict[str, Any]:
    assert state.review is not None
    reviewed_on, lessons = state.review
    return {
        "decision_id": decision_id,
        "reviewed_on": reviewed_on,
        "lessons": lessons,
        "reviewer_id": actor_id,
    }


def _insert(connection: sa.Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(sa.insert(model.__table__), rows)


def _update_by_id(connection: sa.Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """One UPDATE per row by primary key, sent as one executemany; every row has the same keys."""
    if not rows:
        return
    table = model.__table__
    columns = [key for key in rows[0] if key != "id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )
    connection.execute(
        statement,
        [{"row_id": row["id"], **{f"new_{k}": row[k] for k in columns}} for row in rows],
    )


def _update(
    connection: sa.Connection,
    chunk: Sequence[tuple[DecisionRow, _State, _Existing]],
    emails: dict[str, int],
    actor_id: int | None,
) -> None:
    # Long on purpose: one statement per table per chunk, the lists filled in one pass.
    decisions, revisions, new_impacts, changed_impacts = [], [], [], []
    new_reviews, changed_reviews, gone_reviews = [], [], []
    waste_of: list[int] = []
    new_waste: list[dict[str, Any]] = []
    for row, state, current in chunk:
        old = current.state
        changes: dict[str, Any] = {
            name: [_jsonable(getattr(old, name)), _jsonable(getattr(state, name))]
            for name in (*_State.FIELDS, "author")
            if getattr(old, name) != getattr(state, name)
        }
        values = _decision_values(row, state, emails)
        if old.author == state.author:  # keep who it was, whichever way it was recorded
            values["author_id"], values["author_email"] = current.author_id, current.author_email
        decisions.append(
            {"id": current.id, "version": current.version + 1, "updated_at": utcnow(), **values}
        )

        for group_id, impact in state.impacts.items():
            if old.impacts.get(group_id) == impact:
                continue
            changes[f"impact of group {group_id}"] = [
                list(old.impacts.get(group_id) or ()),
                list(impact),
            ]
            estimate, consulted, actual = impact
            if group_id in current.impact_ids:
                changed_impacts.append(
                    {
                        "id": current.impact_ids[group_id],
                        "impact": estimate,
                        "consulted": consulted,
                        "actual": actual,
                    }
                )
            else:
                new_impacts.extend(_impact_rows(current.id, _only_group(state, group_id)))
        if old.waste != state.waste:
            changes["waste"] = [_waste_json(old.waste), _waste_json(state.waste)]
            waste_of.append(current.id)
            new_waste.extend(_waste_rows(current.id, state.waste))
        if old.review != state.review:
            changes["review"] = [_jsonable(old.review), _jsonable(state.review)]
            if state.review is None:
                gone_reviews.append(current.id)
            elif current.review_id is None:
                new_reviews.append(_review_row(current.id, state, actor_id))
            else:
                reviewed_on, lessons = state.review
                changed_reviews.append(
                    {"id": current.review_id, "reviewed_on": reviewed_on, "lessons": lessons}
                )
        if old.status != Status.DRAFT.value:
            # Decided decisions keep every later change as a revision.
            revisions.append({"decision_id": current.id, "editor_id": actor_id, "changes": changes})

    _update_by_id(connection, Decision, decisions)
    _update_by_id(connection, StakeholderImpact, changed_impacts)
    _insert(connection, StakeholderImpact, new_impacts)
    if waste_of:
        connection.execute(
            sa.delete(WasteLine.__table__).where(WasteLine.__table__.c.decision_id.in_(waste_of))
        )
    _insert(connection, WasteLine, new_waste)
    if gone_reviews:
        connection.execute(
            sa.delete(Review.__table__).where(Review.__table__.c.decision_id.in_(gone_reviews))
        )
    _update_by_id(connection, Review, changed_reviews)
    _insert(connection, Review, new_reviews)
    _insert(connection, DecisionRevision, revisions)


def _only_group(state: _State, group_id: int) -> _State:
    return dataclasses.replace(state, impacts={group_id: state.impacts[group_id]})


def _waste_json(waste: dict[int, tuple[float, float]]) -> dict[str, list[float]]:
    return {str(c): list(v) for c, v in sorted(waste.items())}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value
