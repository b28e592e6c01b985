"""Run the benchmarks: `python -m bench [--full] [--size N] [--runs N] [--only NAME]`.

To add a benchmark, add its module to BENCHMARKS. A module has a NAME and
`run(context: Context) -> dict[str, str]`, returning markdown per section key; each section is
written between `<!-- bench:KEY -->` markers in docs/benchmarks.md (use keys that start with
NAME, e.g. `web:100000`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import generate, report

BENCHMARKS = ["bench.scores", "bench.dashboard", "bench.web", "bench.sheets", "bench.jobs"]

ROOT = Path(__file__).resolve().parent.parent
QUICK_SIZE = 100_000
FULL_SIZE = 1_000_000


@dataclass(frozen=True)
class Context:
    """What every benchmark gets: the generated database and how to report."""

    size: int
    runs: int
    database: generate.Generated
    command: str
    docs: Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help=f"{FULL_SIZE:,} decisions")
    parser.add_argument("--size", type=int, help="number of decisions (overrides --full)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median)")
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument(
        "--docs", type=Path, default=ROOT / "docs" / "benchmarks.md", help="where to write"
    )
    args = parser.parse_args(argv)
    size = args.size or (FULL_SIZE if args.full else QUICK_SIZE)
    command = "make bench-full" if args.full and not args.size else "make bench"
    if args.size:
        command = f"python -m bench --size {size}"

    url, label = generate.database_for(
        size, os.environ.get("DATABASE_URL"), ROOT / "bench" / "data"
    )
    database = generate.ensure(size, url, label, progress=_progress)
    context = Context(size, max(1, args.runs), database, command, args.docs)
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        if args.only and module.NAME not in args.only:
            continue
        _progress(f"Benchmark {module.NAME} at {size:,} decisions…")
        for key, body in module.run(context).items():
            report.write_section(args.docs, key, body)
    _progress(
        f"Results written to {args.docs.relative_to(ROOT) if args.docs.is_relative_to(ROOT) else args.docs}."
    )
    return 0


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
