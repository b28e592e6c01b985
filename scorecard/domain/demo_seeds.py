"""The demo organisation's plan, pure: the seed files of seeds/ (teams, people, decision
templates) read into plain values, and what a team-quarter of a given quality looks like
(the shares of harms, shared value, waste-neutral decisions, consultations and timely
reviews). `services.demo` draws and loads the decisions from them."""

from __future__ import annotations

import csv
import itertools
import json
import math
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorecard.domain.scoring import DEFAULT_WEIGHTS

ROLES = ("staff", "manager", "admin")  # the values of models.Role (the domain imports no models)
QUARTERS = 10  # the demo spans this many quarters, the current one last
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


class DemoSeedError(ValueError):
    """A seed file that cannot be read, naming the file and the row."""


@dataclass(frozen=True)
class TeamSeed:
    slug: str
    name: str
    description: str
    first_volume: int
    last_volume: int
    trajectory: tuple[float, ...]  # quality 0..1 per quarter, oldest first


@dataclass(frozen=True)
class UserSeed:
    email: str
    display_name: str
    role: str
    teams: tuple[str, ...]
    manages: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    title: str
    question: str
    context: str
    decision: str
    alternatives: str
    tags: tuple[str, ...]
    impacts: dict[str, int]
    waste: tuple[dict[str, Any], ...]
    vocabulary: dict[str, list[str]]  # words for this template only, over the team's


@dataclass(frozen=True)
class Seeds:
    teams: tuple[TeamSeed, ...]
    users: tuple[UserSeed, ...]
    templates: dict[str, tuple[Template, ...]]
    vocabulary: dict[str, dict[str, list[str]]]
    asked: dict[str, dict[str, list[str]]]
    not_asked: list[str]
    reviews: dict[str, dict[str, list[str]]]
    conversations: list[dict[str, str]]
    archive_notes: list[str]
    extra_costs: list[dict[str, str]]


def read_seeds(folder: Path = SEEDS_DIR) -> Seeds:
    teams = tuple(_team_seed(row, n) for n, row in _csv_rows(folder / "teams.csv"))
    users = tuple(_user_seed(row, n) for n, row in _csv_rows(folder / "users.csv"))
    slugs = {t.slug for t in teams}
    for n, user in enumerate(users, start=2):
        unknown = sorted(set(user.teams + user.manages) - slugs)
        if unknown:
            raise DemoSeedError(f"users.csv row {n}: unknown team {', '.join(unknown)}")
    templates, vocabulary = {}, {}
    for team in teams:
        path = folder / "decisions" / f"{team.slug}.json"
        data = _json(path)
        vocabulary[team.slug] = data.get("vocabulary", {})
        templates[team.slug] = tuple(
            _template(item, path, n, vocabulary[team.slug])
            for n, item in enumerate(data["templates"], start=1)
        )
    consultations = _json(folder / "consultations.json")
    comments = _json(folder / "comments.json")
    return Seeds(
        teams=teams,
        users=users,
        templates=templates,
        vocabulary=vocabulary,
        asked=consultations["asked"],
        not_asked=consultations["not_asked"],
        reviews=_json(folder / "reviews.json"),
        conversations=comments["conversations"],
        archive_notes=comments["archive_notes"],
        extra_costs=_json(folder / "waste-extras.json")["extra_costs"],
    )


def _csv_rows(path: Path) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        # Rows numbered as a spreadsheet numbers them, the header being row 1.
        yield from enumerate(csv.DictReader(handle), start=2)


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DemoSeedError(f"{path.name}: {error}") from error


def _team_seed(row: dict[str, str], n: int) -> TeamSeed:
    try:
        trajectory = tuple(float(v) for v in row["trajectory"].split())
        seed = TeamSeed(
            row["slug"].strip(),
            row["name"].strip(),
            row["description"].strip(),
            int(row["first_volume"]),
            int(row["last_volume"]),
            trajectory,
        )
    except (KeyError, ValueError, AttributeError) as error:
        raise DemoSeedError(f"teams.csv row {n}: {error}") from error
    if len(trajectory) != QUARTERS or not all(0 <= q <= 1 for q in trajectory):
        raise DemoSeedError(f"teams.csv row {n}: trajectory needs {QUARTERS} numbers in 0..1")
    return seed


def _user_seed(row: dict[str, str], n: int) -> UserSeed:
    role = row.get("role", "").strip()
    if role not in ROLES:
        raise DemoSeedError(
            f"users.csv row {n}: role must be staff, manager or admin, not {role!r}"
        )

    def slugs(column: str) -> tuple[str, ...]:
        return tuple(s.strip() for s in (row.get(column) or "").split(";") if s.strip())

    return UserSeed(
        row["email"].strip().lower(),
        row["display_name"].strip(),
        role,
        slugs("teams"),
        slugs("manages"),
    )


def _template(
    item: dict[str, Any], path: Path, n: int, vocabulary: dict[str, list[str]]
) -> Template:
    where = f"{path.name} template {n}"
    try:
        template = Template(
            title=item["title"],
            question=item["question"],
            context=item["context"],
            decision=item["decision"],
            alternatives=item["alternatives"],
            tags=tuple(item["tags"]),
            impacts={k: int(v) for k, v in item["impacts"].items()},
            waste=tuple(item["waste"]),
            vocabulary=dict(item.get("vocabulary", {})),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DemoSeedError(f"{where}: {error!r}") from error
    if any(not -3 <= v <= 3 for v in template.impacts.values()):
        raise DemoSeedError(f"{where}: impacts must be in -3..3")
    if len(template.waste) > 2:
        raise DemoSeedError(f"{where}: at most 2 waste lines (an extra cost line may be added)")
    for line in template.waste:
        amounts = (line.get("created"), line.get("avoided"))
        if not isinstance(line.get("category"), str) or not all(
            isinstance(a, int | float) and a >= 0 for a in amounts
        ):
            raise DemoSeedError(f"{where}: a waste line needs a category, created ≥ 0, avoided ≥ 0")
    texts = (
        template.title,
        template.question,
        template.context,
        template.decision,
        template.alternatives,
    )
    for text in texts:
        for _, name, _, _ in string.Formatter().parse(text):
            if name is not None and name not in vocabulary | template.vocabulary:
                raise DemoSeedError(f"{where}: no vocabulary for {{{name}}}")
    return template


def harm_share(quality: float) -> float:
    return 0.38 - 0.33 * quality


def shared_share(quality: float) -> float:
    return 0.12 + 0.63 * quality


def neutral_share(quality: float) -> float:
    return 0.30 + 0.65 * quality


def impact_target(quality: float) -> float:
    """The mean impact index of a team-quarter."""
    return 8 + 20 * quality


def consulted_share(quality: float) -> float:
    return 0.15 + 0.80 * quality


def reviewed_in_time_share(quality: float) -> float:
    return 0.35 + 0.60 * quality


def mix(n: int, quality: float) -> tuple[int, int, int]:
    """How many of n decisions harm, are shared value and are waste-neutral.

    Each count is its share rounded down or up, choosing the combination whose effect on the
    composite is nearest the unrounded one, so that a flat team's composite stays flat.
    """
    shares = (harm_share(quality), shared_share(quality), neutral_share(quality))
    weights = (-DEFAULT_WEIGHTS["harm"], DEFAULT_WEIGHTS["shared"], DEFAULT_WEIGHTS["waste"])
    wanted = sum(w * s for w, s in zip(weights, shares, strict=True))

    def distance(counts: tuple[int, int, int]) -> tuple[float, float]:
        effect = sum(w * c / n for w, c in zip(weights, counts, strict=True))
        return abs(effect - wanted), sum(
            abs(c - n * s) for c, s in zip(counts, shares, strict=True)
        )

    options = itertools.product(*({math.floor(n * s), math.ceil(n * s)} for s in shares))
    return min((o for o in options if o[0] + o[1] <= n), key=distance)
