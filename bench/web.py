"""The web pages under load: gunicorn with several workers on loopback serving the generated
database, wrk with fixed connections for a fixed time, signed in as an admin (who sees every
decision). Each page in requests per second and p50/p99 latency beside the floor of the same
app's hello-world route (/healthz) measured in the same run, rounds interleaved so that the
machine's noise falls on page and floor alike. Then decision submissions per second through the
form (CSRF, validation, audit event) on SQLite and PostgreSQL, beside a bare insert of the same
rows into the same database.

Run by the harness (`python -m bench --only web`). wrk comes from Debian: `apt-get install wrk`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import sqlalchemy as sa

from bench import generate, report
from bench.liveserver import (
    app_env,
    form_fields,
    gunicorn,
    prepare_database,
    signed_in,
    temporary_postgres,
)
from bench.measure import machine

if TYPE_CHECKING:
    from bench.__main__ import Context

NAME = "web"
WORKERS = 4
CONNECTIONS = 8
THREADS = 2
SECONDS = 10
ROUNDS = 3  # wrk runs per page (medians), interleaved with the floor
SUBMIT_THREADS = 8
SUBMIT_SECONDS = 15
GOAL_SHARE = 0.15  # the log page at no less than 15 % of hello-world throughput
GOAL_TAIL = 5.0  # p99 under 5× p50
PASSWORD = "bench-only-password-7"  # noqa: S105 - a throwaway account in a generated database
ADMIN = "bench-admin@bench.example.com"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent

DECISION_SCRIPT = """
ids = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/decisions/" .. ids[(i %% #ids) + 1])
end
"""


@dataclass
class Figure:
    label: str
    path: str
    runs: list[dict[str, float]] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs)


def run(context: Context) -> dict[str, str]:
    backend = sa.engine.make_url(context.database.url).get_backend_name()
    key = f"{NAME}:{context.size}" + ("" if backend == "sqlite" else f":{backend}")
    wrk = shutil.which("wrk")
    if wrk is None:
        message = (
            "wrk is not installed, so the web figures were not measured: install it with"
            " `apt-get install -y wrk` (Debian's package) and run `make bench` again."
        )
        print(message, file=sys.stderr)
        return {}
    database = context.database
    _ensure_admin(database.url)
    pages, ids = _pages(database.url, database.last_quarter)
    rounds = min(ROUNDS, context.runs)
    figures = [Figure("Floor: hello-world route /healthz (signed in)", "/healthz")]
    figures += [Figure(label, path) for label, path in pages]
    figures.append(Figure(f"Decision page, {len(ids)} different decisions", "/decisions/{id}"))
    env = app_env(database.url)
    with gunicorn(env, WORKERS) as server:
        cookie = _cookie(server.url)
        for figure in figures[:-1]:
            _check(server.url, figure.path, cookie)
        _check(server.url, f"/decisions/{ids[0]}", cookie)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(DECISION_SCRIPT % ", ".join(map(str, ids)))
        try:
            for number in range(rounds):
                _progress(f"  web round {number + 1} of {rounds}")
                for figure in figures:
                    lua = script.name if "{id}" in figure.path else None
                    path = "/decisions" if lua else figure.path
                    figure.runs.append(_wrk(wrk, server.url + path, cookie, lua))
            profile = _profile(database.url) if _misses_goal(figures) else None
        finally:
            os.unlink(script.name)
    _progress("  submissions through the form")
    submissions = [_submissions("sqlite"), _submissions("postgresql")]
    sections = {key: _section(context, figures, rounds, submissions, profile)}
    # One growth table per database: the runs of the same database side by side.
    growth = _growth(context.docs, sections, backend)
    if growth:
        sections[f"{NAME}:growth" + ("" if backend == "sqlite" else f":{backend}")] = growth
    return sections


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the database and the pages --------------------------------------------------------------


def _ensure_admin(url: str) -> None:
    """An admin who can sign in (the generated people cannot); made once, password reset."""
    from scorecard.db import make_engine
    from scorecard.models import User
    from scorecard.passwords import hash_password

    engine = make_engine(url)
    try:
        with sa.orm.Session(engine) as session:
            user = session.scalar(sa.select(User).where(User.email == ADMIN))
            if user is None:
                user = User(email=ADMIN, display_name="Bench admin", password_hash="", role="admin")
                session.add(user)
            user.password_hash = hash_password(PASSWORD)
            user.role, user.active = "admin", True
            session.commit()
    finally:
        engine.dispose()


def _pages(url: str, last_quarter: Any) -> tuple[list[tuple[str, str]], list[int]]:
    """The log pages to load (the filtered one on the largest team's last complete quarter),
    and 100 decision ids spread over the log."""
    from scorecard.db import make_engine
    from scorecard.models import Decision

    quarter = last_quarter.prev()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            team = connection.execute(
                sa.select(Decision.team_id)
                .where(Decision.decided_on.between(quarter.start, quarter.end))
                .group_by(Decision.team_id)
                .order_by(sa.func.count().desc())
                .limit(1)
            ).scalar_one()
            top = connection.execute(sa.select(sa.func.max(Decision.id))).scalar_one()
    finally:
        engine.dispose()
    ids = [1 + (top - 1) * k // 99 for k in range(100)]
    pages = [
        ("Decision log, 50 rows, unfiltered", "/decisions"),
        (
            f"Decision log filtered: team, quarter {quarter}, decided",
            f"/decisions?team={team}&quarter={quarter}&status=decided",
        ),
        ("Decision log, text search (a common word)", "/decisions?q=courier"),
        ("Decision log, text search (a rare word)", f"/decisions?q={generate.RARE_WORD}"),
    ]
    return pages, ids


def _cookie(base: str) -> str:
    session = signed_in(base, ADMIN, PASSWORD)
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def _check(base: str, path: str, cookie: str) -> None:
    response = requests.get(
        base + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=120
    )
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} to the signed-in admin")


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def _wrk(wrk: str, url: str, cookie: str, script: str | None) -> dict[str, float]:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
    ]
    if script:
        command += ["-s", script]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=SECONDS + 60
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} responses were errors:\n{out}")
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"{url}: no latency distribution in wrk's output:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _seconds(latency["50"]),
        "p99": _seconds(latency["99"]),
    }


def _misses_goal(figures: list[Figure]) -> bool:
    floor, log = figures[0], figures[1]
    share = log.median("rps") / floor.median("rps")
    return share < GOAL_SHARE or log.median("p99") >= GOAL_TAIL * log.median("p50")


def _profile(url: str) -> str:
    """Where the time of the unfiltered log page goes, sampled by pyinstrument in one process."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: `pip install -e '.[dev]'`)"
    from scorecard import create_app

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-profile-only",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "SIGN_IN_RATE_LIMIT": "100000 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    for _ in range(5):
        client.get("/decisions")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(40):
        client.get("/decisions")
    profiler.stop()
    app.extensions["database"].engine.dispose()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "decorated_view" in line), 0)
    lines = [re.sub(r"\s+\S*(site-packages/|scorecard/)", r" \1", line) for line in lines]
    kept = [line for line in lines[start:] if len(line) - len(line.lstrip(" |`-")) < 40]
    return "\n".join(kept[:45]).replace(str(ROOT), "")


# --- submissions --------------------------------------------------------------------------------


@dataclass
class Submitted:
    accepted: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _submitter(base: str, email: str, deadline: float, tally: Submitted) -> None:
    from bench.soak import _fill

    http = signed_in(base, email)
    while time.monotonic() < deadline:
        page = http.get(f"{base}/decisions/new", timeout=60)
        title = f"Bench submission {uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        response = http.post(
            f"{base}/decisions/new",
            data=_fill(form_fields(page.text, "/decisions/new"), title),
            allow_redirects=False,
            timeout=60,
        )
        elapsed = time.perf_counter() - started
        with tally.lock:
            if response.status_code in (302, 303):
                tally.accepted += 1
                tally.latencies.append(elapsed)
            else:
                tally.refused += 1


def _submissions(backend: str) -> dict[str, Any]:
    """Form submissions per second into a new database holding the demo organisation, then
    the same number of bare inserts (decision and its impacts, no audit) into it."""
    if backend == "postgresql":
        try:
            with temporary_postgres(POSTGRES) as url:
                return _submissions_on(url, backend)
        except sa.exc.OperationalError as error:
            return {"backend": backend, "missing": f"PostgreSQL is not reachable ({error.orig})"}
    folder = ROOT / "bench" / "data"  # not made yet when the benchmark runs on PostgreSQL
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"submissions-{uuid.uuid4().hex[:8]}.sqlite"
    try:
        return _submissions_on(f"sqlite:///{path}", backend)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _submissions_on(url: str, backend: str) -> dict[str, Any]:
    from bench.soak import _staff_emails
    from scorecard.db import make_engine

    env = prepare_database(url)
    engine = make_engine(url)
    try:
        emails = _staff_emails(engine, SUBMIT_THREADS)
        tally = Submitted()
        with gunicorn(env, WORKERS) as server:
            deadline = time.monotonic() + SUBMIT_SECONDS
            threads = [
                threading.Thread(target=_submitter, args=(server.url, e, deadline, tally))
                for e in emails
            ]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=SUBMIT_SECONDS + 120)
            elapsed = time.monotonic() - began
        bare_rate = _bare_inserts(engine, max(tally.accepted, 50))
    finally:
        engine.dispose()
    rate = tally.accepted / elapsed
    return {
        "backend": backend,
        "accepted": tally.accepted,
        "refused": tally.refused,
        "rate": rate,
        "p50": statistics.median(tally.latencies) if tally.latencies else None,
        "p99": statistics.quantiles(tally.latencies, n=100)[98]
        if len(tally.latencies) > 100
        else None,
        "bare_rate": bare_rate,
    }


def _bare_inserts(engine: sa.Engine, count: int) -> float:
    """Core inserts of `count` decisions like the form's (a decision and one impact per active
    group), each in its own transaction as each submission is; no audit event, no checks."""
    from scorecard.models import Decision, StakeholderGroup, StakeholderImpact

    with engine.connect() as connection:
        team_id, author_id = connection.execute(
            sa.text("SELECT team_id, user_id FROM membership LIMIT 1")
        ).one()
        groups = (
            connection.execute(sa.select(StakeholderGroup.id).where(StakeholderGroup.active))
            .scalars()
            .all()
        )
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    for number in range(count):
        with engine.begin() as connection:
            decision_id = connection.execute(
                sa.insert(Decision)
                .values(
                    team_id=team_id,
                    author_id=author_id,
                    title=f"Bare insert {number}",
                    question="Load run text.",
                    context="Load run text.",
                    decision_taken="Load run text.",
                    alternatives="Load run text.",
                    decided_on=today,
                    status="decided",
                )
                .returning(Decision.id)
            ).scalar_one()
            connection.execute(
                sa.insert(StakeholderImpact),
                [{"decision_id": decision_id, "group_id": g, "impact": 1} for g in groups],
            )
    return count / (time.perf_counter() - started)


# --- the report -------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


def _section(
    context: Context,
    figures: list[Figure],
    rounds: int,
    submissions: list[dict[str, Any]],
    profile: str | None,
) -> str:
    database = context.database
    floor = figures[0]
    lines = [
        f"### Web pages at {context.size:,} decisions",
        "",
        f"`{context.command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()};"
        f" {database.label}; gunicorn with {WORKERS} sync workers on loopback; wrk"
        f" ({THREADS} threads, {CONNECTIONS} connections, {SECONDS} s per run), signed in as an"
        f" admin who sees all {database.counts['decision']:,} decisions. Medians of {rounds}"
        " runs per page, pages and floor interleaved; the load generator shares the 2 cores"
        " with the server.",
        "",
        "| page | requests/s | share of floor | p50 | p99 | p99 / p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    data: dict[str, Any] = {"size": context.size, "pages": {}, "submissions": {}}
    for figure in figures:
        rps, p50, p99 = figure.median("rps"), figure.median("p50"), figure.median("p99")
        share = rps / floor.median("rps")
        lines.append(
            f"| {figure.label} | {rps:,.0f} | {share:.1%} | {_ms(p50)} | {_ms(p99)} |"
            f" {p99 / p50:.1f} |"
        )
        data["pages"][figure.label] = {"rps": rps, "share": share, "p50": p50, "p99": p99}
    log = figures[1]
    share = log.median("rps") / floor.median("rps")
    tail = log.median("p99") / log.median("p50")
    met = share >= GOAL_SHARE and tail < GOAL_TAIL
    lines += [
        "",
        f"Goal: the unfiltered log page at no less than {GOAL_SHARE:.0%} of the floor's"
        f" throughput, and its p99 under {GOAL_TAIL:.0f}× its p50: {share:.1%} and"
        f" {tail:.1f}× — {'met' if met else 'not met'}.",
        "",
        f"Submissions through the form ({SUBMIT_THREADS} client threads for"
        f" {SUBMIT_SECONDS} s, each signed in as a different member of the demo organisation,"
        " GET the form then POST it with its CSRF token; validated, saved with its audit"
        " event), beside bare Core inserts of as many decisions with their impacts, one"
        " transaction each, into the same database. Each on a new database holding the demo"
        " organisation, so these do not depend on the size of the log above.",
        "",
        "| database | accepted | submissions/s | p50 of a POST | p99 | bare inserts/s |"
        " share of bare |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in submissions:
        if "missing" in result:
            lines.append(f"| {result['backend']} | {result['missing']} | | | | | |")
            continue
        share_bare = result["rate"] / result["bare_rate"]
        lines.append(
            f"| {result['backend']} | {result['accepted']:,} | {result['rate']:.1f} |"
            f" {_ms(result['p50'])} | {_ms(result['p99'])} | {result['bare_rate']:.0f} |"
            f" {share_bare:.1%} |"
        )
        data["submissions"][result["backend"]] = {
            "rate": result["rate"],
            "bare_rate": result["bare_rate"],
        }
    if profile:
        lines += [
            "",
            "Where the time of the unfiltered log page goes (pyinstrument, one process, 40"
            " requests; the page's own frames):",
            "",
            "```",
            profile,
            "```",
        ]
    lines += ["", f"<!-- data {json.dumps(data)} -->", ""]
    return "\n".join(lines)


def _growth(docs: Path, new: dict[str, str], backend: str = "sqlite") -> str | None:
    """Each web figure at every size measured so far on this database, side by side."""
    sizes: dict[int, dict[str, Any]] = {}
    bodies = list(new.values())
    for size in ("100000", "1000000"):
        key = f"{NAME}:{size}" + ("" if backend == "sqlite" else f":{backend}")
        if key not in new:
            found = report.read_section(docs, key)
            if found:
                bodies.append(found)
    for body in bodies:
        marker = body.find("<!-- data ")
        if marker >= 0:
            data = json.loads(body[marker + len("<!-- data ") : body.index(" -->", marker)])
            sizes[int(data["size"])] = data
    if len(sizes) < 2:
        return None
    ordered = sorted(sizes)
    header = " | ".join(f"{s:,}" for s in ordered)
    lines = [
        f"### Web pages on {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}:"
        " growth with the size of the log",
        "",
        "Requests per second (share of the hello-world floor of the same run) and p99;"
        " the submissions go to a new database of either kind in every run.",
        "",
        f"| page | {header} |",
        "|---|" + "---:|" * len(ordered),
    ]
    labels = list(sizes[ordered[-1]]["pages"])
    for label in labels:
        cells = []
        for size in ordered:
            page = sizes[size]["pages"].get(label)
            cells.append(
                "—"
                if page is None
                else f"{page['rps']:,.0f}/s ({page['share']:.1%}), p99 {_ms(page['p99'])}"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for backend in ("sqlite", "postgresql"):
        cells = []
        for size in ordered:
            result = sizes[size]["submissions"].get(backend)
            cells.append(
                "—"
                if result is None
                else f"{result['rate']:.1f}/s ({result['rate'] / result['bare_rate']:.1%} of bare)"
            )
        lines.append(f"| Submissions, {backend} | " + " | ".join(cells) + " |")
    lines += ["", "(Each column from its own run; see the sections above.)", ""]
    return "\n".join(lines)
