"""Benchmark of the spreadsheets: the quarterly export and the decision import, each against its
floor measured in the same run.

- Export of a quarter of N decisions (the whole workbook, figures from the scoring module)
  against its floor: XlsxWriter in constant-memory mode writing the same Decisions and Reviews
  due cells, with the same number formats, given as ready Python values. openpyxl's write-only
  mode (with lxml when it is installed, `make bench-deps`) writes the same cells for reference.
- Import of an N-row CSV (read, check every cell, match teams and authors, write in one
  transaction) against parsing the same file with the csv module plus one bulk insert per table
  of the same rows, with no checks.

Every case runs in a fresh process: once for time, once under tracemalloc for the peak of
memory allocated while it runs (the process's peak RSS growth is reported beside it).

    python -m bench.sheets [--rows 100000] [--small 10000] [--repeat N] [--write-docs]

and as part of `python -m bench` (`make bench`), which writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

QUARTER = "2026Q2"
TEAMS = 20
HISTORY = 2_000  # decisions in the quarters before, so trends and changes have something
SEED = 7
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
GOALS = {"export_time": 1.3, "export_memory": 2.0, "import_time": 3.0}

WORDS = [
    "switch",
    "supplier",
    "reuse",
    "packaging",
    "cut",
    "energy",
    "travel",
    "less",
    "hire",
    "locally",
    "repair",
    "instead",
    "of",
    "replacing",
    "share",
    "vans",
    "with",
    "the",
    "night",
    "shift",
    "consult",
    "workers",
    "before",
    "changing",
    "rotas",
]


# --- data ------------------------------------------------------------------------------------


def _app(database_url: str, export_dir: Path) -> Any:
    from scorecard import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "EXPORT_DIR": str(export_dir),
            "LOG_LEVEL": "WARNING",
            "IMPORT_MAX_ROWS": 1_000_000,
            "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
        }
    )


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _decisions(rng: random.Random, n: int, first: date, days: int) -> Iterator[dict[str, Any]]:
    """Rows of the import format (as text), like a team's real log."""
    groups = ("Workers", "Customers", "Communities", "Nature", "Owners")
    categories = ("Materials", "Energy", "Water", "Travel", "Staff time", "Spend")
    for i in range(n):
        decided = first + timedelta(days=rng.randrange(days))
        row: dict[str, Any] = {
            "external_id": f"B-{first.isoformat()}-{i}",
            "team": f"Team {1 + i % TEAMS:02d}",
            "title": _sentence(rng, 6),
            "decided_on": decided.isoformat(),
            "question": _sentence(rng, 12) + "?",
            "context": _sentence(rng, 20) if i % 3 == 0 else "",
            "review_due": (decided + timedelta(days=rng.randrange(30, 150))).isoformat(),
            "author_email": f"person{i % 50}@example.com",
        }
        reviewed = i % 4 == 0
        for g in groups:
            row[f"impact: {g}"] = str(rng.randint(-3, 3)) if rng.random() < 0.8 else ""
            row[f"consulted: {g}"] = "yes" if rng.random() < 0.4 else ""
            row[f"actual: {g}"] = str(rng.randint(-3, 3)) if reviewed else ""
        for c in rng.sample(categories, rng.randint(0, 2)):
            row[f"created: {c}"] = str(rng.randint(0, 500))
            row[f"avoided: {c}"] = str(rng.randint(0, 900))
        if reviewed:
            row["reviewed_on"] = (decided + timedelta(days=rng.randrange(20, 120))).isoformat()
            row["status"] = "reviewed"
            row["lessons"] = _sentence(rng, 10)
        yield row


def _write_csv(path: Path, rows: Iterator[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def prepare(folder: Path, n: int) -> None:
    """An empty database with teams and people (for imports), the same with N decisions in
    the quarter (for exports), the N-row CSV, and the floor's ready cell values."""
    import sqlalchemy as sa
    from alembic import command

    from scorecard.domain import workbook
    from scorecard.domain.importing import format_columns
    from scorecard.domain.quarters import Quarter
    from scorecard.extensions import db
    from scorecard.migrate import alembic_config
    from scorecard.models import Membership, Team, User
    from scorecard.services import exports, imports, reference, scores

    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.sqlite"
    command.upgrade(alembic_config(f"sqlite:///{empty}"), "head")
    app = _app(f"sqlite:///{empty}", folder / "exports")
    with app.app_context(), db.writing() as session:
        session.execute(
            sa.insert(Team),
            [
                {"name": f"Team {t:02d}", "slug": f"team-{t:02d}", "description": ""}
                for t in range(1, TEAMS + 1)
            ],
        )
        session.execute(
            sa.insert(User),
            [
                {
                    "email": f"person{p}@example.com",
                    "display_name": f"Person {p}",
                    "password_hash": "-",
                    "role": "staff",
                }
                for p in range(0, 50, 2)  # half the authors are users, half only recorded
            ],
        )
        # Every user is a member of every team (an import names only members as authors);
        # the first manages them all.
        users = sorted(session.scalars(sa.select(User.id)))
        session.execute(
            sa.insert(Membership),
            [
                {"user_id": u, "team_id": t, "manages": u == users[0]}
                for u in users
                for t in range(1, TEAMS + 1)
            ],
        )
        columns = format_columns(
            [g.name for g in reference.active_groups(session)],
            [c.name for c in reference.active_categories(session)],
        )
    app.extensions["database"].engine.dispose()

    rng = random.Random(SEED)
    quarter = Quarter.parse(QUARTER)
    _write_csv(
        folder / "decisions.csv",
        _decisions(rng, n, quarter.start, (quarter.end - quarter.start).days + 1),
        columns,
    )
    _write_csv(
        folder / "history.csv",
        _decisions(rng, HISTORY, quarter.start - timedelta(days=270), 270),
        columns,
    )

    # The export's database: the same decisions, imported through the service.
    full = folder / "full.sqlite"
    shutil.copy(empty, full)
    app = _app(f"sqlite:///{full}", folder / "exports")
    with app.app_context():
        for name in ("history.csv", "decisions.csv"):
            data = (folder / name).read_bytes()
            with db.writing() as session:
                parsed = imports.read(session, data, name, imports.limits_from_config(app.config))
                outcome = imports.import_decisions(
                    session, None, parsed, filename=name, digest=imports.file_digest(data)
                )
                assert outcome.ok, outcome.errors[:5]
        # Figures are kept up to date by every write: read them once, as a user would have.
        session = db.new_session()
        scores.teams_table(session, quarter)
        # The floor writes the very cells of the two big sheets, ready as Python values, with
        # the same number formats.
        method = scores.current_method(session)
        with (folder / "floor-cells.pickle").open("wb") as out:
            for sheet, columns, rows in (
                (
                    "Decisions",
                    workbook.decision_columns(method),
                    exports.decision_rows(session, quarter, None, method),
                ),
                (
                    "Reviews due",
                    workbook.REVIEW_COLUMNS,
                    exports.reviews_due_rows(session, quarter, None, date.today()),
                ),
            ):
                formats = {
                    i: workbook.NUMBER_FORMATS[c]
                    for i, c in enumerate(columns)
                    if c in workbook.NUMBER_FORMATS
                }
                pickle.dump(("sheet", (sheet, formats)), out)
                pickle.dump(("row", list(columns)), out)
                for row in rows:
                    pickle.dump(("row", row), out)
        session.close()
    app.extensions["database"].engine.dispose()


# --- the cases, each run in a child process ----------------------------------------------------


def case_export(folder: Path) -> Callable[[], None]:
    from scorecard.domain.quarters import Quarter
    from scorecard.extensions import db
    from scorecard.services import exports

    app = _app(f"sqlite:///{folder / 'full.sqlite'}", folder / "exports")
    context = app.app_context()
    context.push()

    def export(quarter: str, out: Path) -> None:
        session = db.new_session()
        scope = exports.export_scope(session, None)
        exports.write(session, Quarter.parse(quarter), scope, out, "bench")
        session.close()

    # As in a server that has answered requests before: mappers configured, statements compiled.
    export("2001Q1", folder / "warm-up.xlsx")
    return lambda: export(QUARTER, folder / "export.xlsx")


def _floor_cells(folder: Path) -> Iterator[tuple[str, Any]]:
    with (folder / "floor-cells.pickle").open("rb") as file:
        while True:
            try:
                yield pickle.load(file)  # noqa: S301 (a file this run wrote itself)
            except EOFError:
                return


def case_export_floor(folder: Path, streamed: bool) -> Callable[[], None]:
    """XlsxWriter in constant-memory mode, each cell written by its type's method."""
    import xlsxwriter

    # For time, the values are ready in memory; for memory, they stream from a file.
    cells: Any = None if streamed else list(_floor_cells(folder))
    options = {"constant_memory": True, "strings_to_urls": False}
    warm_up = xlsxwriter.Workbook(str(folder / "warm-up-floor.xlsx"), options)
    warm_up.add_worksheet("Warm-up").write_row(0, 0, ["text", 1, 2.5, date(2026, 1, 1)])
    warm_up.close()

    def run() -> None:
        book = xlsxwriter.Workbook(str(folder / "floor.xlsx"), options)
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet: Any = None
        styles: dict[int, Any] = {}
        row = 0
        for kind, value in cells if cells is not None else _floor_cells(folder):
            if kind == "sheet":
                title, formats = value
                sheet, row = book.add_worksheet(title), 0
                styles = {i: book.add_format({"num_format": f}) for i, f in formats.items()}
                continue
            for col, cell in enumerate(value):
                if cell is None:
                    continue
                if isinstance(cell, str):
                    sheet.write_string(row, col, cell)
                elif isinstance(cell, date):
                    sheet.write_datetime(row, col, cell, day)
                else:
                    sheet.write_number(row, col, cell, styles.get(col))
            row += 1
        book.close()

    return run


def case_export_openpyxl(folder: Path, streamed: bool) -> Callable[[], None]:
    """openpyxl's write-only mode (lxml's serialiser when lxml is installed), for reference."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    cells: Any = None if streamed else list(_floor_cells(folder))
    warm_up = Workbook(write_only=True)
    warm_up.create_sheet("Warm-up").append(["text", 1, 2.5, date(2026, 1, 1), None])
    warm_up.save(folder / "warm-up-openpyxl.xlsx")

    def run() -> None:
        book = Workbook(write_only=True)
        sheet: Any = None
        styles: dict[int, Any] = {}
        for kind, value in cells if cells is not None else _floor_cells(folder):
            if kind == "sheet":
                title, formats = value
                sheet = book.create_sheet(title)
                styles = {}
                for index, number_format in formats.items():
                    template = WriteOnlyCell(sheet)
                    template.number_format = number_format
                    styles[index] = template._style
                continue
            for index, style in styles.items():
                if value[index] is not None:
                    cell = WriteOnlyCell(sheet, value[index])
                    cell._style = style
                    value[index] = cell
            sheet.append(value)
        book.save(folder / "openpyxl.xlsx")

    return run


def _fresh_database(folder: Path) -> Path:
    path = folder / f"import-{os.getpid()}.sqlite"
    shutil.copy(folder / "empty.sqlite", path)
    return path


def case_import(folder: Path) -> Callable[[], None]:
    from scorecard.extensions import db
    from scorecard.services import imports

    app = _app(f"sqlite:///{_fresh_database(folder)}", folder / "exports")
    context = app.app_context()
    context.push()
    path = folder / "decisions.csv"
    head = b"".join(path.read_bytes().splitlines(keepends=True)[:10])
    with db.writing() as session:  # warm-up: a dry run of a few rows writes nothing
        parsed = imports.read(session, head, path.name, imports.limits_from_config(app.config))
        imports.import_decisions(
            session, None, parsed, filename=path.name, digest="-", dry_run=True
        )

    def run() -> None:
        data = path.read_bytes()
        with db.writing() as session:
            parsed = imports.read(session, data, path.name, imports.limits_from_config(app.config))
            outcome = imports.import_decisions(
                session, None, parsed, filename=path.name, digest=imports.file_digest(data)
            )
            assert outcome.ok and outcome.summary.created > 0

    return run


def case_import_floor(folder: Path) -> Callable[[], None]:
    import sqlalchemy as sa

    from scorecard.db import make_engine
    from scorecard.models import Decision, Review, StakeholderImpact, WasteLine

    engine = make_engine(f"sqlite:///{_fresh_database(folder)}")
    path = folder / "decisions.csv"

    def run() -> None:
        with engine.begin() as connection:
            teams = dict(connection.execute(sa.text("SELECT name, id FROM team")).all())
            groups = dict(
                connection.execute(sa.text("SELECT name, id FROM stakeholder_group")).all()
            )
            categories = dict(
                connection.execute(sa.text("SELECT name, id FROM waste_category")).all()
            )
            now = datetime.now(UTC)
            decisions, impacts, waste, reviews = [], [], [], []
            with path.open(newline="", encoding="utf-8") as file:
                reader = csv.reader(file)
                header = next(reader)
                at = {name: i for i, name in enumerate(header)}
                for decision_id, row in enumerate(reader, 1):
                    reviewed_on = row[at["reviewed_on"]]
                    review_due = row[at["review_due"]]
                    decisions.append(
                        {
                            "id": decision_id,
                            "team_id": teams[row[at["team"]]],
                            "external_id": row[at["external_id"]],
                            "title": row[at["title"]],
                            "question": row[at["question"]],
                            "context": row[at["context"]],
                            "decision_taken": "",
                            "alternatives": "",
                            "decided_on": date.fromisoformat(row[at["decided_on"]]),
                            "review_due": date.fromisoformat(review_due) if review_due else None,
                            "status": "reviewed" if reviewed_on else "decided",
                            "author_email": row[at["author_email"]],
                            "tags": "",
                            "archived": False,
                            "version": 1,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    for name, group_id in groups.items():
                        actual = row[at[f"actual: {name}"]]
                        impacts.append(
                            {
                                "decision_id": decision_id,
                                "group_id": group_id,
                                "impact": int(row[at[f"impact: {name}"]] or 0),
                                "consulted": row[at[f"consulted: {name}"]] == "yes",
                                "note": "",
                                "actual": int(actual) if actual else None,
                            }
                        )
                    for name, category_id in categories.items():
                        made, saved = row[at[f"created: {name}"]], row[at[f"avoided: {name}"]]
                        if made or saved:
                            waste.append(
                                {
                                    "decision_id": decision_id,
                                    "category_id": category_id,
                                    "position": 0,
                                    "created": float(made or 0),
                                    "avoided": float(saved or 0),
                                    "note": "",
                                }
                            )
                    if reviewed_on:
                        reviews.append(
                            {
                                "decision_id": decision_id,
                                "reviewed_on": date.fromisoformat(reviewed_on),
                                "what_happened": "",
                                "lessons": row[at["lessons"]],
                                "created_at": now,
                            }
                        )
            for model, rows in (
                (Decision, decisions),
                (StakeholderImpact, impacts),
                (WasteLine, waste),
                (Review, reviews),
            ):
                connection.execute(sa.insert(model.__table__), rows)

    return run


CASES = ("export", "export-floor", "export-openpyxl", "import", "import-floor")


def _memory_kb(field: str) -> int:
    """VmRSS (resident now) or VmHWM (its peak since exec) from /proc; 0 where there is none.

    (ru_maxrss would do for the peak, but Linux carries it over from the parent across exec.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def child(case: str, folder: Path, trace: bool) -> dict[str, float]:
    builders = {
        "export": lambda: case_export(folder),
        "export-floor": lambda: case_export_floor(folder, streamed=trace),
        "export-openpyxl": lambda: case_export_openpyxl(folder, streamed=trace),
        "import": lambda: case_import(folder),
        "import-floor": lambda: case_import_floor(folder),
    }
    run = builders[case]()
    rss_before = _memory_kb("VmRSS")
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_after = _memory_kb("VmHWM")
    from openpyxl.xml import LXML

    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak": peak,
        "rss_growth": max(rss_after - rss_before, 0) * 1024,
        "lxml": float(LXML),
    }


def measure(case: str, folder: Path, trace: bool) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.sheets", "--child", case, "--dir", str(folder)]
        + (["--trace"] if trace else []),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _cases_option(measured: dict[str, Any]) -> str:
    """The --cases option of a run that measured only some cases; empty for all of them."""
    return "" if set(measured) == set(CASES) else f" --cases {','.join(measured)}"


def report(
    results: dict[int, dict[str, dict[str, dict[str, float]]]],
    rows: int,
    small: int,
    repeat: int,
) -> str:
    big = results[rows]
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on SQLite, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}; `python -m bench.sheets --rows {rows} --small {small} "
        f"--repeat {repeat}{_cases_option(big)}` (time: the best of {repeat} runs).",
        "",
        "| case | rows | time | CPU time | peak memory (tracemalloc) | peak RSS growth |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for n in sorted(results):
        for case in results[n]:
            timing, memory = results[n][case]["time"], results[n][case]["memory"]
            label = case
            if case == "export-openpyxl":
                label += " (lxml)" if timing.get("lxml") else " (no lxml)"
            lines.append(
                f"| {label} | {n:,} | {timing['seconds']:.2f} s | {timing['cpu']:.2f} s "
                f"| {_mb(memory['peak'])} | {_mb(timing['rss_growth'])} |"
            )

    def ratio(case: str, floor: str, key: str) -> float:
        return big[case]["time"][key] / big[floor]["time"][key]

    def verdict(ratio: float, goal: float) -> str:
        return "met" if ratio <= goal else "**not met**"

    lines += ["", "| goal | measured | |", "|---|---:|---|"]
    if {"export", "export-floor"} <= big.keys():
        export_time = ratio("export", "export-floor", "seconds")
        export_cpu = ratio("export", "export-floor", "cpu")
        export_memory = big["export"]["memory"]["peak"] / big["export-floor"]["memory"]["peak"]
        flat = big["export"]["memory"]["peak"] / results[small]["export"]["memory"]["peak"]
        lines += [
            f"| export time ≤ {GOALS['export_time']}× its floor | {export_time:.2f}× "
            f"(CPU {export_cpu:.2f}×) | {verdict(export_time, GOALS['export_time'])} |",
            f"| export peak memory ≤ {GOALS['export_memory']}× its floor's | {export_memory:.2f}× "
            f"| {verdict(export_memory, GOALS['export_memory'])} |",
            f"| export peak memory flat from {small:,} to {rows:,} rows | {flat:.2f}× | "
            f"{verdict(flat, 1.5)} |",
        ]
    if {"import", "import-floor"} <= big.keys():
        import_time = ratio("import", "import-floor", "seconds")
        import_cpu = ratio("import", "import-floor", "cpu")
        lines.append(
            f"| import time ≤ {GOALS['import_time']}× its floor | {import_time:.2f}× "
            f"(CPU {import_cpu:.2f}×) | {verdict(import_time, GOALS['import_time'])} |"
        )
    return "\n".join(lines)


NOTES = """
What the figures say:

- **The floor** is XlsxWriter in constant-memory mode writing the Decisions and Reviews due
  cells from ready values, each cell by its type's method: the fastest well-kept writer of the
  field for these cells (openpyxl's write-only mode, with lxml when installed, is timed beside
  it for reference). The export writes with XlsxWriter in the same mode, so the difference is
  what only the export does: reading the decisions in batches of 500 and scoring them, the
  Provenance sheet (one query per team, the references of the decisions behind each figure),
  the small sheets and the chart.
- **Time**: a profile of the export at 10,000 decisions puts about 75 % in XlsxWriter itself
  (cell records, XML escaping, zip compression), about 12 % in reading and scoring the
  decisions, about 8 % in the Provenance sheet and the rest in the small sheets. Times on a
  shared two-core machine vary widely between runs; CPU time is the steadier comparison.
- **Memory** grows little with rows (XlsxWriter keeps one row; the decisions are read 500 at
  a time, the Provenance sheet one team at a time) but is not within 2× of the floor's, which
  streams ready values and holds almost nothing: the export holds one batch of database rows
  and its scoring frames, and the references of one team's decisions for the Provenance sheet
  (5,000 decisions a team at 100,000), which is most of its growth from 1,000 rows. Next step:
  write the references straight from the query's cursor instead of a list per team.
- **Time** is 1.3–1.4× the floor; the next steps are the Provenance sheet's queries (one pass
  over the quarter instead of one per team) and reading the Decisions sheet's batches without
  pandas frames.
- **Import** (when measured: `--cases` may leave it out) holds the whole file while it checks it (nothing may be written if any cell is
  bad), so its memory grows with the file, like its floor's. The default upload limit of 20 MB
  allows about 65,000 rows of this shape, which is also why the benchmark stops at 100,000 rows
  even under `make bench-full`.
"""
INTRO = (
    "`bench/sheets.py` (alone: `python -m bench.sheets`) times the quarterly export of a quarter "
    "of decisions and the import of a CSV of as many rows, each against its floor in the same "
    "run: XlsxWriter in constant-memory mode writing the same Decisions and Reviews due cells "
    "(values and number formats) from ready values (openpyxl's write-only mode writing them is "
    "shown for reference), and the csv module plus one bulk insert per table of the same rows "
    "without any check. Each case runs in a fresh process on its own SQLite database, timed, "
    "then once more under tracemalloc for the peak of memory it allocates."
)
NAME = "sheets"
MAX_ROWS = 100_000


def section(
    results: dict[int, dict[str, dict[str, dict[str, float]]]], rows: int, small: int, repeat: int
) -> str:
    """The whole docs section: heading, what is measured, the figures, what they say."""
    return (
        f"### Spreadsheets at {rows:,} rows\n\n{INTRO}\n\n"
        f"{report(results, rows, small, repeat)}\n{NOTES}"
    )


def write_docs(key: str, text: str) -> None:
    from bench import report as docs

    docs.write_section(DOCS, key, text)


def measure_all(
    rows: int, small: int, repeat: int, cases: tuple[str, ...] = CASES
) -> dict[int, dict[str, dict[str, dict[str, float]]]]:
    results: dict[int, dict[str, dict[str, dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as tmp:
        for n in sorted({small, rows}):
            folder = Path(tmp) / str(n)
            started = time.perf_counter()
            prepare(folder, n)
            print(f"{n:,} rows prepared in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            results[n] = {}
            for case in cases:
                runs = [measure(case, folder, trace=False) for _ in range(repeat)]
                results[n][case] = {
                    "time": min(runs, key=lambda r: r["seconds"]),
                    "memory": measure(case, folder, trace=True),
                }
                timing = results[n][case]["time"]
                print(
                    f"  {case:13} {timing['seconds']:7.2f} s  "
                    f"peak {_mb(results[n][case]['memory']['peak'])}",
                    file=sys.stderr,
                )
    return results


def run(context: Any) -> dict[str, str]:
    """For `python -m bench`: its own data (a quarter of decisions and a CSV) at the run's size,
    at most MAX_ROWS rows, and a tenth of that to show how memory grows."""
    rows = min(context.size, MAX_ROWS)
    small = max(rows // 10, 1)
    repeat = min(context.runs, 2)
    results = measure_all(rows, small, repeat)
    return {f"{NAME}:{rows}": section(results, rows, small, repeat)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sheets", description=__doc__)
    parser.add_argument("--rows", type=int, default=MAX_ROWS)
    parser.add_argument("--small", type=int, default=MAX_ROWS // 10)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per case (best kept)")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"a comma-separated subset of {', '.join(CASES)} (default: all)",
    )
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.dir, args.trace)))
        return 0
    cases = tuple(c for c in CASES if c in args.cases.split(","))
    results = measure_all(args.rows, args.small, args.repeat, cases)
    text = section(results, args.rows, args.small, args.repeat)
    print(text)
    if args.write_docs:
        write_docs(f"{NAME}:{args.rows}", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
