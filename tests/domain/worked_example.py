"""Test-only reader of the worked example CSV into the input frames of the scoring module.

Just enough of the import format for this one file; the real importer lives elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scorecard.domain.scoring import Method, default_method

WORKED_EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "worked-example.csv"
YES = {"yes", "true", "1"}


@dataclass(frozen=True)
class WorkedExample:
    """Input frames of the worked example; decision ids are 1.. in file order."""

    decisions: pd.DataFrame
    impacts: pd.DataFrame
    waste: pd.DataFrame
    team_names: dict[int, str]

    def decision_id(self, external_id: str) -> int:
        """The id given to the decision with this external_id."""
        match = self.decisions.loc[self.decisions["external_id"] == external_id, "id"]
        return int(match.iloc[0])


def load_worked_example(path: Path = WORKED_EXAMPLE, method: Method | None = None) -> WorkedExample:
    """Read the CSV; blank impact = no row, blank waste = no line, blank actual = NaN."""
    method = method or default_method()
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))

    team_ids: dict[str, int] = {}
    decisions, impacts, waste = [], [], []
    for decision_id, row in enumerate(rows, 1):
        team_id = team_ids.setdefault(row["team"], len(team_ids) + 1)
        decisions.append(
            {
                "id": decision_id,
                "external_id": row["external_id"],
                "team_id": team_id,
                "status": row["status"],
                "archived": False,
                "decided_on": _date(row["decided_on"]),
                "review_due": _date(row["review_due"]),
                "reviewed_on": _date(row["reviewed_on"]),
            }
        )
        for group in method.groups:
            impact, actual = row[f"impact: {group.name}"], row[f"actual: {group.name}"]
            consulted = row[f"consulted: {group.name}"].strip().lower() in YES
            if impact or actual or consulted:
                impacts.append(
                    {
                        "decision_id": decision_id,
                        "group_id": group.id,
                        "impact": int(impact or 0),
                        "consulted": consulted,
                        "actual": float(actual) if actual else float("nan"),
                    }
                )
        for category in method.categories:
            created, avoided = row[f"created: {category.name}"], row[f"avoided: {category.name}"]
            if created or avoided:
                waste.append(
                    {
                        "decision_id": decision_id,
                        "category_id": category.id,
                        "created": float(created or 0),
                        "avoided": float(avoided or 0),
                    }
                )

    return WorkedExample(
        decisions=pd.DataFrame(decisions),
        impacts=pd.DataFrame(
            impacts, columns=["decision_id", "group_id", "impact", "consulted", "actual"]
        ),
        waste=pd.DataFrame(waste, columns=["decision_id", "category_id", "created", "avoided"]),
        team_names={team_id: name for name, team_id in team_ids.items()},
    )


def _date(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(text) if text.strip() else None
