"""A decision log large enough that an export or an import takes a while in a worker."""

from __future__ import annotations

from pathlib import Path

from tests.domain.worked_example import WORKED_EXAMPLE

QUARTER = "2026Q1"


def big_log_csv(folder: Path, rows: int, team: str = "Operations", prefix: str = "BIG") -> Path:
    """`rows` decisions of one team, all decided in 2026Q1, each with its own external_id."""
    header, first = WORKED_EXAMPLE.read_text(encoding="utf-8").splitlines()[:2]
    template = first.split(",")
    lines = [header]
    for i in range(rows):
        cells = list(template)
        cells[0] = f"{prefix}-{i}"
        cells[1] = team
        cells[2] = f"Decision number {i}"
        cells[3] = f"2026-0{1 + i % 3}-{1 + i % 28:02d}"
        lines.append(",".join(cells))
    path = folder / f"{prefix.lower()}-{rows}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
