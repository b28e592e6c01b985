"""docs/benchmarks.md: each benchmark owns a marked section, the rest of the file is kept."""

from __future__ import annotations

import re
from pathlib import Path

HEADER = """# Benchmarks

How fast Do Better is on large decision logs, each figure measured beside a floor taken in the
same run on the same machine. `make bench` generates (or reuses) 100,000 decisions under
`bench/data/` and runs every benchmark; `make bench-full` does the same with 1,000,000.
`DATABASE_URL=postgresql+psycopg://… make bench` runs them on PostgreSQL instead of SQLite.
The sections below are written by the benchmarks themselves; do not edit them by hand.
"""


def write_section(path: Path, key: str, body: str) -> None:
    """Put body between `<!-- bench:KEY -->` and `<!-- /bench:KEY -->`, replacing what was
    there, or append the section; everything else in the file stays as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    section = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def read_section(path: Path, key: str) -> str | None:
    if not path.exists():
        return None
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    match = re.search(
        re.escape(start) + r"(.*?)" + re.escape(end), path.read_text("utf-8"), re.DOTALL
    )
    return match.group(1) if match else None
