"""A realistic decision log of any size, written by bulk inserts, for the benchmarks.

N decisions over the 20 quarters ending with the current one, in 50 teams of uneven size, with
one impact per stakeholder group, waste lines, reviews and comments in the proportions of the
demo organisation. A database generated before for the same size is reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.db import Model, make_engine
from scorecard.domain.quarters import Quarter
from scorecard.migrate import alembic_config
from scorecard.services import reference, scores

# Bump when the generated data changes, so that older databases are generated again.
GENERATOR_VERSION = 2
SEED = 20_260_101
TEAMS = 50
QUARTERS = 20
MEMBERS_PER_TEAM = 10
CHUNK = 25_000
TRIGGER_FUNCTIONS = ("choice_lists_bump", "choice_lists_decision")

# Proportions of the demo organisation (`flask seed-demo`: 728 decisions).
DRAFT_SHARE = 0.011
ARCHIVED_SHARE = 0.004
REVIEW_DUE_SHARE = 1.0
REVIEW_DUE_DAYS = (60, 120)  # after the decision, both included
REVIEW_LATE_DAYS = (14, 44)  # mean and spread of reviewed_on - review_due
REVIEWED_SHARE = 0.88  # of the decisions whose review is due by now
ASSESSED_SHARE = 0.9  # of a reviewed decision's groups, re-assessed
CONSULTED_SHARE = 0.375
WASTE_LINES = (0.17, 0.25, 0.43, 0.15)  # chance of 0, 1, 2 and 3 lines
COMMENTS_PER_DECISION = 0.38
IMPACT_VALUES = np.arange(-3, 4)
IMPACT_CHANCES = np.array([0.007, 0.041, 0.132, 0.329, 0.271, 0.169, 0.051])
# Typical size of a waste line per category, in the category's unit.
WASTE_SCALE = {
    "Materials": 800.0,
    "Energy": 4000.0,
    "Water": 200.0,
    "Travel": 6000.0,
    "Staff time": 60.0,
    "Spend": 12_000.0,
}

AREAS = (
    "Operations",
    "Sales",
    "Customer Care",
    "Logistics",
    "Procurement",
    "Finance",
    "People",
    "Facilities",
    "Product",
    "Marketing",
)
REGIONS = ("North", "South", "East", "West", "Central")
TITLES = (
    "Switch {x} supplier",
    "Cut {x} use in the warehouse",
    "Renegotiate {x} contract",
    "Pilot a {x} return scheme",
    "Move {x} to a local partner",
    "Stop single-use {x}",
    "Train the team on {x}",
    "Share {x} data with customers",
)
RARE_WORD = "hydrogen"
RARE_CONTEXT = f"A trial with one {RARE_WORD} truck before the fleet is renewed."
RARE_WORD_EVERY = 20_000
THINGS = ("packaging", "energy", "courier", "water", "paper", "fleet", "cleaning", "catering")
QUESTIONS = (
    "How do we keep customers happy while cutting waste?",
    "What would our people change first?",
    "Which option helps the community most at the same cost?",
    "How do we lower emissions without slowing delivery?",
)
COMMENTS = (
    "Who did we ask on the shop floor?",
    "Good call, the numbers look right.",
    "Can we review this sooner than planned?",
    "Customers mentioned this in the last survey.",
)


@dataclass(frozen=True)
class Generated:
    """What a generated database holds."""

    url: str
    label: str  # how to name the database in a report (no credentials, no absolute path)
    size: int
    first_quarter: Quarter
    last_quarter: Quarter
    counts: dict[str, int]
    seconds: float | None  # None when an existing database was reused


def database_for(size: int, url: str | None, data_dir: Path) -> tuple[str, str]:
    """The URL to fill, and its label: DATABASE_URL if given, else a SQLite file per size."""
    if url:
        parsed = sa.engine.make_url(url)
        return url, f"{parsed.get_backend_name()} database {parsed.database}"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"bench-{size}.sqlite"
    return f"sqlite:///{path}", f"SQLite file {path.name}"


def ensure(size: int, url: str, label: str, *, progress: Callable[[str], None]) -> Generated:
    """Reuse the database when it was generated for this size, else generate it afresh."""
    engine = make_engine(url)
    try:
        meta = _meta(engine)
        wanted = {"size": str(size), "version": str(GENERATOR_VERSION), "schema": _schema(url)}
        if all(meta.get(k) == v for k, v in wanted.items()):
            progress(f"Reusing the generated database ({label}, {size:,} decisions).")
            return _described(engine, url, label, size, meta, None)
        if all(meta.get(k) == wanted[k] for k in ("size", "version")) and _upgraded(
            engine, url, wanted["schema"], progress
        ):
            meta = {**meta, "schema": wanted["schema"]}
            return _described(engine, url, label, size, meta, None)
        _clear(engine, url, meta)
        started = time.perf_counter()
        meta = _generate(url, size, progress)
        seconds = time.perf_counter() - started
        progress(f"Generated {size:,} decisions in {seconds:.0f} s ({label}).")
        return _described(engine, url, label, size, meta, seconds)
    finally:
        engine.dispose()


def _schema(url: str) -> str:
    """The migrations' head revision: a database of an older schema is generated again."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head() or ""


def _upgraded(engine: sa.Engine, url: str, schema: str, progress: Callable[[str], None]) -> bool:
    """Bring a generated database of an older schema up to date by the migrations (as a real
    database would be), rather than generating it again; False if that fails."""
    from alembic import command

    progress(f"Upgrading the generated database to schema {schema}…")
    started = time.perf_counter()
    try:
        command.upgrade(alembic_config(url), "head")
    except Exception as error:  # any failure: generate afresh instead
        progress(f"  the upgrade failed ({type(error).__name__}: {error}); generating afresh.")
        return False
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.execute(
            sa.text("UPDATE bench_meta SET value = :schema WHERE key = 'schema'"),
            {"schema": schema},
        )
    progress(f"  upgraded in {time.perf_counter() - started:.0f} s.")
    return True


def _meta(engine: sa.Engine) -> dict[str, str]:
    if not sa.inspect(engine).has_table("bench_meta"):
        return {}
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql("SELECT key, value FROM bench_meta").all())


def _clear(engine: sa.Engine, url: str, meta: dict[str, str]) -> None:
    """Empty a database that the generator made (never one it did not make)."""
    inspector = sa.inspect(engine)
    if inspector.has_table("decision") and not meta:
        with engine.connect() as connection:
            if connection.exec_driver_sql("SELECT count(*) FROM decision").scalar():
                raise SystemExit(
                    "The benchmark database already holds decisions it did not generate;"
                    " point DATABASE_URL at an empty database."
                )
    with engine.begin() as connection:
        Model.metadata.drop_all(connection)
        for table in ("bench_meta", "alembic_version"):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        if connection.dialect.name == "postgresql":
            # The trigger functions of migration 0013 outlive the tables their triggers were on.
            for function in TRIGGER_FUNCTIONS:
                connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}() CASCADE")


def _described(
    engine: sa.Engine,
    url: str,
    label: str,
    size: int,
    meta: dict[str, str],
    seconds: float | None,
) -> Generated:
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("decision", "stakeholder_impact", "waste_line", "review", "comment")
        }
    return Generated(
        url=url,
        label=label,
        size=size,
        first_quarter=Quarter.parse(meta["first_quarter"]),
        last_quarter=Quarter.parse(meta["last_quarter"]),
        counts=counts,
        seconds=seconds,
    )


# --- generation ----------------------------------------------------------------------------------


def _generate(url: str, size: int, progress: Callable[[str], None]) -> dict[str, str]:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        # A crash while generating only costs a new generation: skip the waits for the disk.
        sa.event.listen(
            engine,
            "connect",
            lambda dbapi_connection, _: dbapi_connection.execute("PRAGMA synchronous=OFF"),
        )
    try:
        return _fill(engine, size, progress)
    finally:
        engine.dispose()


def _fill(engine: sa.Engine, size: int, progress: Callable[[str], None]) -> dict[str, str]:
    last = Quarter.of(date.today())
    first = Quarter.from_index(last.index - QUARTERS + 1)
    today = date.today()
    rng = np.random.default_rng(SEED)
    with Session(engine) as session:
        groups = [(g.id, g.is_owner) for g in reference.active_groups(session)]
        categories = [
            (c.id, WASTE_SCALE.get(c.name, 100.0)) for c in reference.active_categories(session)
        ]
    with engine.begin() as connection:
        teams, members = people(connection)
    team_weights = 1 / np.sqrt(np.arange(1, TEAMS + 1))
    team_weights /= team_weights.sum()

    ids = {"decision": 0, "stakeholder_impact": 0, "waste_line": 0, "review": 0, "comment": 0}
    started = time.perf_counter()
    for start in range(0, size, CHUNK):
        count = min(CHUNK, size - start)
        tables = decision_tables(
            rng, count, ids, teams, members, team_weights, groups, categories, first, today
        )
        with engine.begin() as connection:
            for table, (columns, rows) in tables.items():
                bulk_insert(connection, table, columns, rows)
        done = start + count
        progress(f"  {done:,} / {size:,} decisions ({time.perf_counter() - started:.0f} s)")

    with engine.begin() as connection:
        after_bulk_load(connection)
    with Session(engine) as session:
        # A bulk load outside the write path: the figures of every team-quarter are rebuilt.
        scores.rebuild_sums(session, scores.current_method(session))
        session.commit()
    meta = {
        "size": str(size),
        "version": str(GENERATOR_VERSION),
        "schema": _schema(str(engine.url.render_as_string(hide_password=False))),
        "first_quarter": str(first),
        "last_quarter": str(last),
        "generated_on": today.isoformat(),
    }
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE bench_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"
        )
        connection.execute(
            sa.text("INSERT INTO bench_meta (key, value) VALUES (:key, :value)"),
            [{"key": k, "value": v} for k, v in meta.items()],
        )
    return meta


def people(connection: sa.Connection) -> tuple[list[int], np.ndarray]:
    """50 teams and 10 members each (users that cannot sign in); members[team] = user ids."""
    now = datetime.now(UTC)
    names = [f"{area} {region}" for area in AREAS for region in REGIONS][:TEAMS]
    team_rows = [
        (i, name, name.lower().replace(" ", "-"), "", now) for i, name in enumerate(names, 1)
    ]
    bulk_insert(connection, "team", ("id", "name", "slug", "description", "created_at"), team_rows)
    user_rows, membership_rows = [], []
    members = np.zeros((TEAMS, MEMBERS_PER_TEAM), dtype=np.int64)
    for team in range(TEAMS):
        for k in range(MEMBERS_PER_TEAM):
            user_id = team * MEMBERS_PER_TEAM + k + 1
            members[team, k] = user_id
            role = "manager" if k == 0 else "staff"
            user_rows.append(
                (
                    user_id,
                    f"person{user_id}@bench.example.com",
                    f"Person {user_id}",
                    "!",
                    role,
                    True,
                    1,
                    now,
                )
            )
            membership_rows.append((user_id, team + 1, k == 0))
    bulk_insert(
        connection,
        "user_account",
        (
            "id",
            "email",
            "display_name",
            "password_hash",
            "role",
            "active",
            "session_generation",
            "created_at",
        ),
        user_rows,
    )
    bulk_insert(connection, "membership", ("user_id", "team_id", "manages"), membership_rows)
    return [row[0] for row in team_rows], members


def decision_tables(
    rng: np.random.Generator,
    count: int,
    ids: dict[str, int],
    teams: Sequence[int],
    members: np.ndarray,
    team_weights: np.ndarray,
    groups: Sequence[tuple[int, bool]],
    categories: Sequence[tuple[int, float]],
    first: Quarter,
    today: date,
) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """Rows of `count` decisions and their parts, as (columns, rows) per table."""
    day0 = np.datetime64(first.start)
    span = (np.datetime64(today) - day0).astype(int) + 1
    now = np.datetime64(today)

    decision_ids = np.arange(ids["decision"] + 1, ids["decision"] + count + 1)
    ids["decision"] += count
    team_index = rng.choice(len(teams), size=count, p=team_weights)
    team_ids = np.asarray(teams)[team_index]
    authors = members[team_index, rng.integers(0, MEMBERS_PER_TEAM, size=count)]
    decided = day0 + rng.integers(0, span, size=count).astype("timedelta64[D]")
    has_due = rng.random(count) < REVIEW_DUE_SHARE
    due = np.where(
        has_due,
        decided
        + rng.integers(REVIEW_DUE_DAYS[0], REVIEW_DUE_DAYS[1] + 1, size=count).astype(
            "timedelta64[D]"
        ),
        np.datetime64("NaT"),
    )
    draft = rng.random(count) < DRAFT_SHARE
    archived = rng.random(count) < ARCHIVED_SHARE
    due_by_now = has_due & (due <= now)
    reviewed = due_by_now & ~draft & (rng.random(count) < REVIEWED_SHARE)
    late = rng.normal(*REVIEW_LATE_DAYS, size=count).astype(int).astype("timedelta64[D]")
    reviewed_on = np.minimum(np.maximum(due + late, decided), now)
    status = np.where(draft, "draft", np.where(reviewed, "reviewed", "decided"))
    titles = [
        TITLES[i % len(TITLES)].format(x=THINGS[j])
        for i, j in zip(
            rng.integers(0, len(TITLES), size=count),
            rng.integers(0, len(THINGS), size=count),
            strict=True,
        )
    ]
    questions = np.asarray(QUESTIONS)[rng.integers(0, len(QUESTIONS), size=count)]
    created_at = datetime.now(UTC)

    decisions = list(
        zip(
            decision_ids.tolist(),
            team_ids.tolist(),
            authors.tolist(),
            titles,
            questions.tolist(),
            _days(decided),
            _days(due),
            status.tolist(),
            archived.tolist(),
            [""] * count,
            [1] * count,
            [created_at] * count,
            [created_at] * count,
            strict=True,
        )
    )
    decision_columns = (
        "id",
        "team_id",
        "author_id",
        "title",
        "question",
        "decided_on",
        "review_due",
        "status",
        "archived",
        "tags",
        "version",
        "created_at",
        "updated_at",
    )
    # Text columns the form always fills, even if blank.
    decision_columns += ("context", "decision_taken", "alternatives", "external_id")
    # A rare word, in the context of one decision in RARE_WORD_EVERY: the text search's floor.
    rare = (rng.random(count) * RARE_WORD_EVERY < 1).tolist()
    decisions = [
        (*row, RARE_CONTEXT if is_rare else "", "", "", f"G-{row[0]}")
        for row, is_rare in zip(decisions, rare, strict=True)
    ]

    # One impact per active group, as the form records them.
    n_groups = len(groups)
    impact = rng.choice(IMPACT_VALUES, size=(count, n_groups), p=IMPACT_CHANCES)
    consulted = rng.random((count, n_groups)) < CONSULTED_SHARE
    assessed = reviewed[:, None] & (rng.random((count, n_groups)) < ASSESSED_SHARE)
    actual = np.clip(impact + rng.integers(-1, 2, size=(count, n_groups)), -3, 3)
    impact_ids = np.arange(
        ids["stakeholder_impact"] + 1, ids["stakeholder_impact"] + count * n_groups + 1
    )
    ids["stakeholder_impact"] += count * n_groups
    group_ids = np.tile([g for g, _ in groups], count)
    actual_values = np.where(assessed, actual, -99).ravel().tolist()
    impacts = list(
        zip(
            impact_ids.tolist(),
            np.repeat(decision_ids, n_groups).tolist(),
            group_ids.tolist(),
            impact.ravel().tolist(),
            consulted.ravel().tolist(),
            [""] * (count * n_groups),
            [None if a == -99 else a for a in actual_values],
            strict=True,
        )
    )

    lines_per = rng.choice(len(WASTE_LINES), size=count, p=WASTE_LINES)
    n_lines = int(lines_per.sum())
    line_decision = np.repeat(decision_ids, lines_per)
    line_position = (
        np.concatenate([np.arange(k) for k in lines_per]) if n_lines else np.array([], dtype=int)
    )
    category_index = rng.integers(0, len(categories), size=n_lines)
    scale = np.array([s for _, s in categories])[category_index]
    kind = rng.random(n_lines)  # avoided only, created only, or both
    created = np.where(kind >= 0.5, np.round(rng.exponential(scale), 1), 0.0)
    avoided = np.where((kind < 0.5) | (kind >= 0.8), np.round(rng.exponential(scale), 1), 0.0)
    line_ids = np.arange(ids["waste_line"] + 1, ids["waste_line"] + n_lines + 1)
    ids["waste_line"] += n_lines
    waste = list(
        zip(
            line_ids.tolist(),
            line_decision.tolist(),
            np.array([c for c, _ in categories])[category_index].tolist(),
            line_position.tolist(),
            created.tolist(),
            avoided.tolist(),
            [""] * n_lines,
            strict=True,
        )
    )

    review_rows = np.flatnonzero(reviewed)
    review_ids = np.arange(ids["review"] + 1, ids["review"] + len(review_rows) + 1)
    ids["review"] += len(review_rows)
    reviews = list(
        zip(
            review_ids.tolist(),
            decision_ids[review_rows].tolist(),
            _days(reviewed_on[review_rows]),
            authors[review_rows].tolist(),
            ["Went roughly as expected."] * len(review_rows),
            [""] * len(review_rows),
            [created_at] * len(review_rows),
            strict=True,
        )
    )

    comments_per = np.minimum(rng.poisson(COMMENTS_PER_DECISION, size=count), 5)
    n_comments = int(comments_per.sum())
    comment_ids = np.arange(ids["comment"] + 1, ids["comment"] + n_comments + 1)
    ids["comment"] += n_comments
    comment_index = np.repeat(np.arange(count), comments_per)
    comment_authors = members[
        team_index[comment_index], rng.integers(0, MEMBERS_PER_TEAM, size=n_comments)
    ]
    bodies = np.asarray(COMMENTS)[rng.integers(0, len(COMMENTS), size=n_comments)]
    comments = list(
        zip(
            comment_ids.tolist(),
            decision_ids[comment_index].tolist(),
            comment_authors.tolist(),
            bodies.tolist(),
            [created_at] * n_comments,
            strict=True,
        )
    )

    return {
        "decision": (decision_columns, decisions),
        "stakeholder_impact": (
            ("id", "decision_id", "group_id", "impact", "consulted", "note", "actual"),
            impacts,
        ),
        "waste_line": (
            ("id", "decision_id", "category_id", "position", "created", "avoided", "note"),
            waste,
        ),
        "review": (
            (
                "id",
                "decision_id",
                "reviewed_on",
                "reviewer_id",
                "what_happened",
                "lessons",
                "created_at",
            ),
            reviews,
        ),
        "comment": (("id", "decision_id", "author_id", "body", "created_at"), comments),
    }


def _days(values: np.ndarray) -> list[str | None]:
    """ISO dates, None for NaT."""
    text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
    return [None if t == "NaT" else t for t in text.tolist()]


def bulk_insert(
    connection: sa.Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """COPY on PostgreSQL, one executemany of plain tuples on SQLite."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    converted = rows
    if any(isinstance(v, datetime) for v in rows[0]):
        converted = [
            tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row)
            for row in rows
        ]
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", converted
    )


def after_bulk_load(connection: sa.Connection) -> None:
    """Statistics for the query planner; on PostgreSQL, sequences past the ids given."""
    if connection.dialect.name == "postgresql":
        for table in (
            "team",
            "user_account",
            "decision",
            "stakeholder_impact",
            "waste_line",
            "review",
            "comment",
        ):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        connection.exec_driver_sql("ANALYZE")
    else:
        connection.exec_driver_sql("ANALYZE")
