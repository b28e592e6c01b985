"""The scoring figures on a large log: the Teams table of a quarter and every team's 8-quarter
series, warm, after edits and rebuilt, beside two floors measured in the same run: one SQL
GROUP BY team, quarter over every decision, and a pandas groupby of them already in memory."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bench import report
from bench.measure import Timing, machine, megabytes, seconds_text, timed
from scorecard.db import make_engine
from scorecard.models import Decision, StakeholderImpact, Team
from scorecard.services import scores

if TYPE_CHECKING:
    from bench.__main__ import Context

NAME = "scores"
GOAL = 0.25  # each figure under a quarter of the full scan
REBUILD_RUNS = 3
SERIES_QUARTERS = 8
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def run(context: Context) -> dict[str, str]:
    engine = make_engine(context.database.url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        figures = _measure(context, engine, sessions)
    finally:
        engine.dispose()
    backend = engine.dialect.name
    key = f"{NAME}:{backend}:{context.size}"
    sections = {key: _section(context, engine, figures)}
    growth = _growth(context.docs, backend, sections[key])
    if growth:
        sections[f"{NAME}:{backend}:growth"] = growth
    return sections


def _measure(context: Context, engine: sa.Engine, sessions: sessionmaker[Session]) -> list[Timing]:
    runs = context.runs
    quarter = context.database.last_quarter.prev()  # the last complete quarter
    quarters = quarter.last_n(SERIES_QUARTERS)

    def read(action: Callable[[Session], Any]) -> Callable[[], Any]:
        """A fresh session per run, as each request has."""

        def go() -> Any:
            with sessions() as session:
                return action(session)

        return go

    with sessions() as session:
        team_ids = session.scalars(sa.select(Team.id).order_by(Team.id)).all()
        edits = _decisions_to_edit(session, quarter)

    floor_sql = timed(
        "Floor: one SQL GROUP BY team, quarter over all scored decisions (table scan)",
        read(lambda s: s.execute(sa.text(_group_by_sql(engine))).all()),
        runs=runs,
    )
    in_memory = _decisions_in_memory(sessions)
    floor_pandas = timed(
        "Floor: pandas groupby of all decisions, already in memory",
        lambda: _pandas_group_by(in_memory),
        runs=runs,
    )

    def forget_sums() -> None:
        with sessions() as session:
            scores.forget_sums(session)
            session.commit()

    def edit_each_team() -> None:
        with sessions() as session:
            _edit(session, edits)
            session.commit()

    def edit_one() -> None:
        with sessions() as session:
            _edit(session, edits[:1])
            session.commit()

    def series_of_every_team(session: Session) -> None:
        scores.series_of_teams(session, quarters, team_ids)

    def series_of_one_team(session: Session) -> None:
        scores.team_series(session, team_ids[0], quarters)

    table = read(lambda s: scores.teams_table(s, quarter))
    rebuilt = timed(
        f"Teams table {quarter}, cold cache: rebuilt from every decision",
        table,
        runs=min(runs, REBUILD_RUNS),
        before=forget_sums,
    )
    warm = timed(f"Teams table {quarter}, warm cache", table, runs=runs, floor="goal")
    after_one = timed(
        f"Teams table {quarter} after one decision was edited",
        table,
        runs=runs,
        before=edit_one,
    )
    cold = timed(
        f"Teams table {quarter} after one decision of each team was edited",
        table,
        runs=runs,
        before=edit_each_team,
    )
    series_one = timed(
        f"{SERIES_QUARTERS}-quarter series of one team, warm cache",
        read(series_of_one_team),
        runs=runs,
    )
    series_warm = timed(
        f"{SERIES_QUARTERS}-quarter series of every team ({len(team_ids)} teams), warm cache",
        read(series_of_every_team),
        runs=runs,
        floor="goal",
    )
    series_cold = timed(
        f"{SERIES_QUARTERS}-quarter series of every team after one edit per team",
        read(series_of_every_team),
        runs=runs,
        before=edit_each_team,
    )
    trends = timed(
        f"Composite trends of every team over {SERIES_QUARTERS} quarters (one call), warm cache",
        read(lambda s: scores.composite_trends(s, quarters)),
        runs=runs,
    )
    edit = timed(
        f"Edit one decision of each team through the write path ({len(edits)} decisions, one"
        " commit, the differences added to the stored sums)",
        edit_each_team,
        runs=runs,
        memory=False,
        note="write cost: each decision read before and after, the differences added",
    )
    with sessions() as session:
        table_now = scores.teams_table(session, quarter)
    warm.extra["teams"] = int(table_now.rows["Team"].ne("All teams").sum())
    return [
        floor_sql,
        floor_pandas,
        rebuilt,
        warm,
        after_one,
        cold,
        series_one,
        series_warm,
        series_cold,
        trends,
        edit,
    ]


def _group_by_sql(engine: sa.Engine) -> str:
    """Count the scored decisions per team and quarter, as cheaply as the database can: a
    plain scan of the table (SQLite's planner would otherwise walk an index and look up
    every row, three times slower)."""
    if engine.dialect.name == "postgresql":
        table = "decision"
        quarter = (
            "(EXTRACT(YEAR FROM decided_on)::int * 4"
            " + (EXTRACT(MONTH FROM decided_on)::int - 1) / 3)"
        )
    else:
        table = "decision NOT INDEXED"
        quarter = (
            "(CAST(substr(decided_on, 1, 4) AS INTEGER) * 4"
            " + (CAST(substr(decided_on, 6, 2) AS INTEGER) - 1) / 3)"
        )
    return (
        f"SELECT team_id, {quarter} AS quarter, count(*) FROM {table}"
        " WHERE status IN ('decided', 'reviewed') AND NOT archived"
        " GROUP BY team_id, quarter"
    )


def _decisions_in_memory(sessions: sessionmaker[Session]) -> pd.DataFrame:
    with sessions() as session:
        rows = session.execute(
            sa.select(Decision.team_id, Decision.decided_on, Decision.status, Decision.archived)
        ).all()
    frame = pd.DataFrame(rows, columns=["team_id", "decided_on", "status", "archived"])
    frame["decided_on"] = pd.to_datetime(frame["decided_on"])
    return frame


def _pandas_group_by(frame: pd.DataFrame) -> pd.Series:
    scored = frame[frame["status"].isin(("decided", "reviewed")) & ~frame["archived"]]
    day = scored["decided_on"].dt
    return scored.groupby([scored["team_id"], day.year * 4 + (day.month - 1) // 3]).size()


def _decisions_to_edit(session: Session, quarter: Any) -> list[int]:
    """One scored decision per team decided in the quarter."""
    return list(
        session.scalars(
            sa.select(sa.func.min(Decision.id))
            .where(
                Decision.decided_on.between(quarter.start, quarter.end),
                Decision.status.in_(("decided", "reviewed")),
                ~Decision.archived,
            )
            .group_by(Decision.team_id)
        )
    )


def _edit(session: Session, decision_ids: list[int]) -> None:
    """Change one impact estimate of each decision, as a manager's correction would (through
    the write path, which adds the difference to the stored sums)."""
    with scores.changing(session, decision_ids):
        _edit_impacts(session, decision_ids)


def _edit_impacts(session: Session, decision_ids: list[int]) -> None:
    impacts = session.scalars(
        sa.select(StakeholderImpact)
        .where(StakeholderImpact.decision_id.in_(decision_ids))
        .order_by(StakeholderImpact.decision_id, StakeholderImpact.group_id)
    ).all()
    first: dict[int, StakeholderImpact] = {}
    for impact in impacts:
        first.setdefault(impact.decision_id, impact)
    for impact in first.values():
        impact.impact = 1 if impact.impact != 1 else 2


# --- the report ----------------------------------------------------------------------------------


def _database_version(engine: sa.Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SHOW server_version").scalar()
    return f"PostgreSQL {version}"


def _section(context: Context, engine: sa.Engine, figures: list[Timing]) -> str:
    database = context.database
    floors = {"sql": figures[0], "pandas": figures[1]}
    counts = database.counts
    generated = (
        "reused from an earlier run"
        if database.seconds is None
        else f"generated in {database.seconds:.0f} s"
    )
    lines = [
        f"### Scoring figures at {context.size:,} decisions on"
        f" {BACKENDS.get(engine.dialect.name, engine.dialect.name)}",
        "",
        f"`{context.command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()};"
        f" {_database_version(engine)} ({database.label}).",
        "",
        f"Data: {counts['decision']:,} decisions of 50 teams over {database.first_quarter}"
        f"–{database.last_quarter}, {counts['stakeholder_impact']:,} impacts,"
        f" {counts['waste_line']:,} waste lines, {counts['review']:,} reviews,"
        f" {counts['comment']:,} comments ({generated}). Medians of {context.runs} runs"
        f" ({min(context.runs, REBUILD_RUNS)} for the rebuild), each read in a new session as a"
        " request would; peak memory is the peak of Python allocations (tracemalloc, numpy and"
        " pandas included) during one more run.",
        "",
        "| figure | median | × SQL floor | × pandas floor | peak memory |",
        "|---|---:|---:|---:|---:|",
    ]
    data: dict[str, Any] = {"size": context.size, "figures": {}}
    for timing in figures:
        sql_ratio = timing.median / floors["sql"].median
        pandas_ratio = timing.median / floors["pandas"].median
        lines.append(
            f"| {timing.label} | {seconds_text(timing.median)} | {sql_ratio:.3f} |"
            f" {pandas_ratio:.1f} | {megabytes(timing.peak_bytes)} |"
        )
        data["figures"][_short(timing.label)] = timing.median
    goals = [
        f"{_short(t.label)}: {t.median / floors['sql'].median:.3f}×"
        f" {'✓' if t.median < GOAL * floors['sql'].median else '✗'}"
        for t in figures
        if t.floor == "goal"
    ]
    lines += [
        "",
        f"Goal (issue 4): the Teams table of a quarter and the {SERIES_QUARTERS}-quarter series"
        f" of every team each under {GOAL}× the SQL floor, as no request may rescan every"
        " decision. " + "; ".join(goals) + ". The other rows show what a read costs when"
        " writes or a method change left work for it.",
        "",
        "How to read it: a warm read takes the stored sums of every team-quarter (about"
        " 1,000 rows whatever the size of the log) and runs the scoring module on them. An"
        " edit adds the difference it makes to the team-quarters of its decision (its decided,"
        " due and reviewed quarters) in its own transaction, so a read after edits costs what"
        " a warm read costs: reads never recompute. Only a change of stakeholder groups or"
        " waste categories (new composite weights alone need nothing) calls for a rebuild of"
        " every team-quarter from every decision (the rebuild job, or the first read if it"
        " comes before the job; here: the read after `forget_sums`), which reads every table"
        " once along its decision-id index, a range of 25,000 decision ids at a time, so that"
        " its memory is the same whatever the size of the log; `flask --app wsgi scores"
        " --quarter …` right after such a change does it outside a web request.",
        "",
        f"<!-- data {json.dumps(data)} -->",
        "",
    ]
    return "\n".join(lines)


def _short(label: str) -> str:
    """A label without the quarter, to compare sizes run in different quarters."""
    words = label.split()
    return " ".join(w for w in words if not (len(w) == 6 and w[4] == "Q" and w[:4].isdigit()))


def _growth(docs: Path, backend: str, new: str) -> str | None:
    """The same figures at each size measured so far on this database, side by side."""
    sizes: dict[int, dict[str, float]] = {}
    text = docs.read_text(encoding="utf-8") if docs.exists() else ""
    keys = re.findall(rf"<!-- bench:({NAME}:{backend}:\d+) -->", text)
    bodies = [report.read_section(docs, key) or "" for key in keys]
    for body in [*bodies, new]:  # the new run last, so it wins over its older section
        marker = body.find("<!-- data ")
        if marker >= 0:
            data = json.loads(body[marker + len("<!-- data ") : body.index(" -->", marker)])
            sizes[int(data["size"])] = data["figures"]
    if len(sizes) < 2:
        return None
    ordered = sorted(sizes)
    labels = list(sizes[ordered[-1]])
    lines = [
        f"### Scoring figures on {BACKENDS.get(backend, backend)}: growth with the log",
        "",
        "| figure | " + " | ".join(f"{s:,} decisions" for s in ordered) + " | growth |",
        "|---|" + "---:|" * (len(ordered) + 1),
    ]
    for label in labels:
        values = [sizes[s].get(label) for s in ordered]
        cells = [seconds_text(v) if v is not None else "—" for v in values]
        growth = f"{values[-1] / values[0]:.1f}×" if values[0] and values[-1] is not None else "—"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {growth} |")
    lines += ["", "Each column comes from its own run: see the sections above for when and how."]
    return "\n".join(lines)
