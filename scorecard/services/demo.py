"""The demo organisation: teams, people and ten quarters of decisions, read from seeds/.

Deterministic (one generator seeded with 2026, dates relative to `today`) and idempotent (the
decisions' `DEMO-` external ids mark it as loaded). Each team follows the quality trajectory of
seeds/teams.csv, and the share of harms, shared value, waste-neutral decisions, consultations and
timely reviews of each team-quarter is drawn to that quality, so the scorecard tells a story.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scorecard.domain.demo_seeds import (
    QUARTERS,
    SEEDS_DIR,
    DemoSeedError,
    Seeds,
    TeamSeed,
    Template,
    UserSeed,
    consulted_share,
    impact_target,
    mix,
    read_seeds,
    reviewed_in_time_share,
)
from scorecard.domain.quarters import Quarter
from scorecard.models import (
    Comment,
    Decision,
    Membership,
    Review,
    StakeholderGroup,
    StakeholderImpact,
    Status,
    Team,
    User,
    WasteCategory,
    WasteLine,
)
from scorecard.passwords import hash_password
from scorecard.services import audit, demo_suggestions, reference, score_cache
from scorecard.services.reference import active_categories, active_groups

DEMO_PASSWORD = "do-better-demo"  # noqa: S105 - published in the README: a demo sign-in
ID_PREFIX = "DEMO-"
SEED = 2026
DRAFTS = 8
ARCHIVED_AT = (2, 4, 6)  # quarter offsets of the archived decisions, one team each
COMMENTED_SHARE = 0.2
REVIEW_AFTER = 21  # days: the earliest a decision is reviewed
BATCH = 200

Progress = Callable[[str], None]


# --- the seed files ----------------------------------------------------------------------------


# --- quality: what a team-quarter of a given quality looks like ---------------------------------


# --- loading -----------------------------------------------------------------------------------


def load_demo(
    session: Session,
    progress: Progress | None = None,
    today: date | None = None,
    folder: Path = SEEDS_DIR,
) -> str:
    """Load the demo organisation once; the caller commits. Returns a one-line summary."""
    say = progress or (lambda _text: None)
    loaded = session.scalar(
        sa.select(Decision.id).where(Decision.external_id.like(f"{ID_PREFIX}%")).limit(1)
    )
    if loaded is not None:
        return "Demo organisation already loaded: nothing changed."
    today = today or date.today()
    seeds = read_seeds(folder)
    groups, categories = active_groups(session), active_categories(session)
    if not groups:
        raise DemoSeedError("no active stakeholder group: run `flask --app wsgi db upgrade` first")

    say(f"Creating {len(seeds.teams)} teams and {len(seeds.users)} users…")
    teams, teams_created = _ensure_teams(session, seeds.teams)
    users_created = _ensure_users(session, seeds.users, teams)

    say(f"Drawing {QUARTERS} quarters of decisions up to {today.isoformat()}…")
    team_ids = {slug: team.id for slug, team in teams.items()}
    builder = _Builder(seeds, groups, categories, today, team_ids, _members(session, teams))
    decisions = builder.build()

    written = 0
    for start in range(0, len(decisions), BATCH):
        batch = decisions[start : start + BATCH]
        with score_cache.changing(session, *batch):
            session.add_all(batch)
        written += len(decisions[start : start + BATCH])
        say(f"Wrote {written} of {len(decisions)} decisions.")

    suggestions = demo_suggestions.load(session, today)
    # A new database has no stored sums yet: build them now rather than at the first page.
    score_cache.build_if_missing(session, reference.current_method(session))
    counts = {
        "teams": teams_created,
        "users": users_created,
        "decisions": len(decisions),
        "reviews": sum(d.review is not None for d in decisions),
        "comments": sum(len(d.comments) for d in decisions),
        "waste_lines": sum(len(d.waste_lines) for d in decisions),
        "suggestions": suggestions,
        "first_quarter": str(builder.quarters[0]),
        "last_quarter": str(builder.quarters[-1]),
    }
    audit.record(session, None, "demo", "seed", "load", counts)
    return (
        f"Demo organisation loaded: {len(teams)} teams, {len(seeds.users)} users, "
        f"{len(decisions)} decisions ({counts['first_quarter']}–{counts['last_quarter']})."
    )


def _ensure_teams(session: Session, seeds: Sequence[TeamSeed]) -> tuple[dict[str, Team], int]:
    """The demo teams by slug; a team that already has the slug or name is used as it is."""
    teams, created = {}, 0
    for seed in seeds:
        team = session.scalar(
            sa.select(Team).where(
                sa.or_(Team.slug == seed.slug, sa.func.lower(Team.name) == seed.name.lower())
            )
        )
        if team is None:
            team = Team(
                name=seed.name,
                slug=seed.slug,
                description=seed.description,
                purpose=seed.purpose,
            )
            session.add(team)
            created += 1
        teams[seed.slug] = team
    session.flush()
    return teams, created


def _ensure_users(session: Session, seeds: Sequence[UserSeed], teams: dict[str, Team]) -> int:
    """Create the demo users; an existing account with a demo address is left untouched."""
    existing = set(
        session.scalars(sa.select(User.email).where(User.email.in_([u.email for u in seeds])))
    )
    # One hash for all: the password is public anyway, and argon2 is slow on purpose.
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for seed in seeds:
        if seed.email in existing:
            continue
        user = User(
            email=seed.email,
            display_name=seed.display_name,
            password_hash=password_hash,
            role=seed.role,
        )
        for slug in dict.fromkeys(seed.teams + seed.manages):
            user.memberships.append(Membership(team=teams[slug], manages=slug in seed.manages))
        session.add(user)
        created += 1
    session.flush()
    return created


@dataclass
class _Members:
    everyone: list[User]
    managers: list[User]
    staff: list[User]


def _members(session: Session, teams: dict[str, Team]) -> dict[str, _Members]:
    members = {}
    for slug, team in teams.items():
        rows = session.execute(
            sa.select(User, Membership.manages)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id == team.id, User.active)
            .order_by(User.id)
        ).all()
        members[slug] = _Members(
            everyone=[u for u, _ in rows],
            managers=[u for u, manages in rows if manages],
            staff=[u for u, manages in rows if not manages],
        )
    return members


# --- drawing the decisions ---------------------------------------------------------------------


@dataclass
class _Planned:
    """A decision being drawn, with what the later passes need to know about it."""

    decision: Decision
    team: TeamSeed
    offset: int  # quarter offset 0..QUARTERS-1 of decided_on
    members: _Members = field(default_factory=lambda: _Members([], [], []))


class _Builder:
    def __init__(
        self,
        seeds: Seeds,
        groups: list[StakeholderGroup],
        categories: list[WasteCategory],
        today: date,
        team_ids: dict[str, int],
        members: dict[str, _Members],
    ) -> None:
        self.seeds = seeds
        self.team_ids = team_ids
        self.groups = groups
        self.categories = {c.name: c for c in categories}
        self.costly = [c for c in categories if c.unit_cost > 0]
        self.today = today
        self.now = min(datetime.now(UTC), _moment(today, time(23, 59)))
        self.members = members
        self.quarters = Quarter.of(today).last_n(QUARTERS)
        self.used: Counter[tuple[str, str]] = Counter()
        self.master = random.Random(SEED)

    def build(self) -> list[Decision]:
        planned: list[_Planned] = []
        for team in self.seeds.teams:
            rng = random.Random(self.master.getrandbits(64))
            quarter_seeds = [rng.getrandbits(64) for _ in self.quarters]
            team_planned = []
            for offset, quarter in enumerate(self.quarters):
                team_planned += self._quarter(
                    random.Random(quarter_seeds[offset]), team, offset, quarter
                )
            self._reviews(random.Random(rng.getrandbits(64)), team, team_planned)
            planned += team_planned
        extras = random.Random(self.master.getrandbits(64))
        planned += self._drafts(extras)
        planned += self._archived(extras)
        comments = random.Random(self.master.getrandbits(64))
        for item in planned:
            self._comments(comments, item)
        planned.sort(key=lambda p: (p.decision.decided_on, p.decision.created_at, p.team.slug))
        for number, item in enumerate(planned, start=1):
            item.decision.external_id = f"{ID_PREFIX}{number:04d}"
        return [p.decision for p in planned]

    # one team-quarter, drawn to the team's quality in that quarter

    def _quarter(
        self, rng: random.Random, team: TeamSeed, offset: int, quarter: Quarter
    ) -> list[_Planned]:
        quality = team.trajectory[offset]
        n = round(
            team.first_volume + (team.last_volume - team.first_volume) * offset / (QUARTERS - 1)
        )
        last_day = min(quarter.end, self.today)
        if quarter.end > self.today:  # the current quarter is under way
            elapsed = ((self.today - quarter.start).days + 1) / (
                (quarter.end - quarter.start).days + 1
            )
            n = max(5, round(n * (0.4 + 0.6 * elapsed)))
        harms, shared, neutral = mix(n, quality)
        kinds = ["harm"] * harms + ["shared"] * shared + ["other"] * (n - harms - shared)
        rng.shuffle(kinds)
        neutral_flags = [True] * neutral + [False] * (n - neutral)
        rng.shuffle(neutral_flags)
        days = sorted(_workday(rng, quarter.start, last_day) for _ in range(n))
        # Nothing falls due in the first quarter: a Review % of one or two decisions says little.
        first_due = self.quarters[1].start
        members = self.members[team.slug]
        planned = []
        for kind, is_neutral, day in zip(kinds, neutral_flags, days, strict=True):
            decision = self._decision(rng, team, kind, is_neutral, quality, day, members)
            decision.status = Status.DECIDED.value
            assert decision.review_due is not None
            if decision.review_due < first_due:
                decision.review_due = first_due + timedelta(days=rng.randint(0, 20))
            self._reviewable(rng, decision)
            planned.append(_Planned(decision, team, offset, members=members))
        decisions = [p.decision for p in planned]
        self._balance(rng, decisions, impact_target(quality))
        self._consult(rng, decisions, consulted_share(quality))
        return planned

    def _reviewable(self, rng: random.Random, decision: Decision) -> None:
        """Push into the next quarter a review falling due this quarter that is too soon to do.

        Otherwise early in a quarter every team's Review % would drop, and with it the composite.
        """
        assert decision.review_due is not None
        current = self.quarters[-1]
        too_soon = decision.decided_on + timedelta(days=REVIEW_AFTER) > self.today
        if Quarter.of(decision.review_due) == current and too_soon:
            shortest = (current.end - decision.decided_on).days + 1
            decision.review_due = decision.decided_on + timedelta(
                days=rng.randint(shortest, max(shortest, 120))
            )

    def _balance(self, rng: random.Random, decisions: list[Decision], target: float) -> None:
        """Nudge single impacts by one step until the mean impact index is near the target,
        never changing whether a decision harms or is shared value."""
        total_weight = sum(g.weight for g in self.groups)
        if not decisions or total_weight <= 0:
            return
        values = [[i.impact for i in d.impacts] for d in decisions]
        kinds = [self._kind(v) for v in values]

        def mean_index() -> float:
            weighted = sum(g.weight * v[j] for v in values for j, g in enumerate(self.groups))
            return 100 * weighted / (3 * total_weight * len(values))

        for _ in range(40 * len(values)):
            gap = target - mean_index()
            half_step = 50 / (3 * total_weight * len(values))
            if abs(gap) <= half_step:
                break
            step = 1 if gap > 0 else -1
            d, j = rng.randrange(len(values)), rng.randrange(len(self.groups))
            changed = list(values[d])
            changed[j] += step
            if changed[j] > 3 or changed[j] < (-3 if kinds[d] == "harm" else -1):
                continue
            if values[d][j] <= -2 or self._kind(changed) != kinds[d]:
                continue
            values[d] = changed
        for decision, row in zip(decisions, values, strict=True):
            for impact, value in zip(decision.impacts, row, strict=True):
                impact.impact = value

    def _kind(self, values: Sequence[int]) -> str:
        return "harm" if min(values) <= -2 else "shared" if self._shared(values) else "other"

    def _decision(
        self,
        rng: random.Random,
        team: TeamSeed,
        kind: str,
        neutral: bool,
        quality: float,
        day: date,
        members: _Members,
    ) -> Decision:
        template = self._pick(rng, team, kind)
        vocabulary = self.seeds.vocabulary[team.slug] | template.vocabulary
        words = {key: self._word(rng, template, key, values) for key, values in vocabulary.items()}
        author = _author(rng, members)
        created_at = min(
            self.now,
            _moment(
                day - timedelta(days=rng.randint(0, 3)),
                time(rng.randint(8, 17), rng.randint(0, 59)),
            ),
        )
        decision = Decision(
            team_id=self.team_ids[team.slug],
            author_id=author.id if author else None,
            title=_fill(template.title, words),
            question=_fill(template.question, words),
            context=_fill(template.context, words),
            decision_taken=_fill(template.decision, words),
            alternatives=_fill(template.alternatives, words),
            decided_on=day,
            review_due=day + timedelta(days=rng.randint(60, 120)),
            tags=", ".join(template.tags),
            created_at=created_at,
            updated_at=created_at,
            version=1,
        )
        values = self._impacts(rng, template, kind)
        decision.impacts = [
            StakeholderImpact(group_id=g.id, impact=v, consulted=False, note="")
            for g, v in zip(self.groups, values, strict=True)
        ]
        decision.waste_lines = self._waste(rng, template, neutral, quality)
        return decision

    def _pick(self, rng: random.Random, team: TeamSeed, kind: str) -> Template:
        """A template that suits the kind of decision, the least used one first."""
        templates = self.seeds.templates[team.slug]
        fitting = [t for t in templates if self._fits(t, kind)] or list(templates)
        fewest = min(self.used[(team.slug, t.title)] for t in fitting)
        template = rng.choice([t for t in fitting if self.used[(team.slug, t.title)] == fewest])
        self.used[(team.slug, template.title)] += 1
        return template

    def _word(self, rng: random.Random, template: Template, key: str, values: list[str]) -> str:
        """A value for a placeholder, the one this template used least so far."""
        uses = [self.used[(template.title, f"{key}={v}")] for v in values]
        word = rng.choice([v for v, n in zip(values, uses, strict=True) if n == min(uses)])
        self.used[(template.title, f"{key}={word}")] += 1
        return word

    def _fits(self, template: Template, kind: str) -> bool:
        base = self._base(template)
        harmful = min(base) <= -1
        shared = self._shared(base) and min(base) >= -1
        if kind == "harm":
            return harmful
        if kind == "shared":
            return shared
        return harmful or not shared

    def _base(self, template: Template) -> list[int]:
        return [
            template.impacts.get(g.name, template.impacts.get("Owners", 0) if g.is_owner else 0)
            for g in self.groups
        ]

    def _shared(self, values: Sequence[int]) -> bool:
        societal = sum(
            g.weight * v for g, v in zip(self.groups, values, strict=True) if not g.is_owner
        )
        owners = [(g, v) for g, v in zip(self.groups, values, strict=True) if g.is_owner]
        business_ok = not owners or sum(g.weight * v for g, v in owners) > 0
        return societal > 0 and business_ok and min(values) > -2

    def _impacts(self, rng: random.Random, template: Template, kind: str) -> list[int]:
        """The template's typical impacts, varied a little, then made to be of the kind."""
        values = [
            _clamp(v + rng.choice((-1, 1)) if rng.random() < 0.25 else v)
            for v in self._base(template)
        ]
        owner = [g.is_owner for g in self.groups]
        if kind == "harm":
            if min(values) > -2:
                lowest = min(values)
                at = rng.choice([i for i, v in enumerate(values) if v == lowest])
                values[at] = -3 if rng.random() < 0.2 else -2
            return values
        values = [max(v, -1) for v in values]
        if kind == "shared":
            values = [
                max(v, 1) if is_owner else v for v, is_owner in zip(values, owner, strict=True)
            ]
            while not self._shared(values):
                room = [i for i, o in enumerate(owner) if not o and values[i] < 3]
                if not room:  # no societal group is active: nothing can be shared value
                    break
                values[rng.choice(room)] += 1
        elif self._shared(values):
            if any(owner):
                choice = rng.choice((0, 0, -1))
                values = [min(v, choice) if o else v for v, o in zip(values, owner, strict=True)]
            while self._shared(values):
                at = max((i for i, o in enumerate(owner) if not o), key=lambda i: values[i])
                values[at] -= 1
        return values

    def _waste(
        self, rng: random.Random, template: Template, neutral: bool, quality: float
    ) -> list[WasteLine]:
        """The template's waste lines, scaled; then net avoided made ≥ 0 or < 0 as wanted."""
        if neutral and rng.random() < 0.1:
            return []
        lines = []
        for item in template.waste:
            category = self.categories.get(item["category"])
            if category is None:  # an admin retired it
                continue
            avoided = item["avoided"] * (0.6 + 0.8 * quality) * rng.uniform(0.7, 1.3)
            created = item["created"] * rng.uniform(0.7, 1.3)
            lines.append(
                WasteLine(
                    category=category,
                    created=_nice(created),
                    avoided=_nice(avoided),
                    note=item["note"],
                )
            )
        if neutral:
            for line in sorted(lines, key=_net_money):
                if _net(lines) >= 0:
                    break
                if _net_money(line) < 0:
                    lines.remove(line)
        elif _net(lines) >= 0 and self.costly:
            extras = [
                e for e in self.seeds.extra_costs if e["category"] in {c.name for c in self.costly}
            ]
            extra = rng.choice(extras) if extras else {"category": self.costly[0].name, "note": ""}
            category = self.categories[extra["category"]]
            money = _net(lines) + max(200.0, 0.15 * _net(lines)) * rng.uniform(1.0, 2.0)
            lines.append(
                WasteLine(
                    category=category,
                    created=_nice(money / category.unit_cost, up=True),
                    avoided=0.0,
                    note=extra["note"],
                )
            )
        for position, line in enumerate(lines):
            line.position = position
            line.category_id = line.category.id
        return lines

    def _consult(self, rng: random.Random, decisions: list[Decision], share: float) -> None:
        """Consult that share of the affected groups of these decisions, and write the notes."""
        carry = 0.0  # error diffusion keeps the mean coverage of the decisions near the share
        for decision in rng.sample(decisions, len(decisions)):
            affected = [i for i in decision.impacts if i.impact != 0]
            if not affected:
                continue
            wanted = share + carry
            count = min(len(affected), max(0, round(wanted * len(affected))))
            carry = wanted - count / len(affected)
            for impact in rng.sample(affected, count):
                impact.consulted = True
        for decision in decisions:
            for impact, group in zip(decision.impacts, self.groups, strict=True):
                if impact.impact == 0 and rng.random() < 0.08 * share:
                    impact.consulted = True
                if impact.consulted:
                    voices = self.seeds.asked.get(group.name, self.seeds.asked["*"])
                    impact.note = (
                        f"Asked {rng.choice(voices['who'])}: {rng.choice(voices['said'])}."
                    )
                elif impact.impact != 0 and rng.random() < 0.3:
                    impact.note = rng.choice(self.seeds.not_asked)

    # reviews, by the quarter they fall due in

    def _reviews(self, rng: random.Random, team: TeamSeed, planned: list[_Planned]) -> None:
        due: dict[Quarter, list[_Planned]] = {}
        for item in planned:
            quarter = Quarter.of(item.decision.review_due)
            if quarter <= self.quarters[-1]:
                due.setdefault(quarter, []).append(item)
        for quarter in sorted(due):
            items = due[quarter]
            quality = team.trajectory[self.quarters.index(quarter)]
            rng.shuffle(items)
            windows = [self._in_time_window(item.decision, quarter) for item in items]
            order = sorted(range(len(items)), key=lambda i: windows[i] is None)
            in_time = set(order[: round(len(items) * reviewed_in_time_share(quality))])
            for i, item in enumerate(items):
                if i in in_time and windows[i] is not None:
                    self._review(rng, item, _day_between(rng, *windows[i]))
                elif quarter.end < self.today and rng.random() < 0.5 + 0.3 * quality:
                    late_until = min(quarter.end + timedelta(days=60), self.today)
                    self._review(
                        rng, item, _day_between(rng, quarter.end + timedelta(days=1), late_until)
                    )

    def _in_time_window(self, decision: Decision, quarter: Quarter) -> tuple[date, date] | None:
        assert decision.review_due is not None
        latest = min(quarter.end, decision.review_due + timedelta(days=14), self.today)
        soonest = decision.decided_on + timedelta(days=REVIEW_AFTER)
        earliest = max(soonest, decision.review_due - timedelta(days=30))
        if earliest > latest:  # reviewed early, before it falls due
            earliest = soonest
        return (earliest, latest) if earliest <= latest else None

    def _review(self, rng: random.Random, item: _Planned, day: date) -> None:
        decision, quality = item.decision, item.team.trajectory[item.offset]
        better, worse = 0.2 + 0.15 * quality, 0.35 - 0.25 * quality
        draw = rng.random()
        outcome = "better" if draw < better else "worse" if draw < better + worse else "as_expected"
        texts = self.seeds.reviews[outcome]
        reviewer = (
            rng.choice(item.members.managers)
            if item.members.managers and rng.random() < 0.3
            else None
        )
        reviewed_at = min(self.now, _moment(day, time(rng.randint(8, 17), rng.randint(0, 59))))
        decision.review = Review(
            reviewed_on=day,
            reviewer_id=reviewer.id if reviewer else decision.author_id,
            what_happened=rng.choice(texts["what_happened"]),
            lessons=rng.choice(texts["lessons"]),
            created_at=reviewed_at,
        )
        decision.status = Status.REVIEWED.value
        decision.updated_at = reviewed_at
        shift = {"better": (0, 0, 1), "as_expected": (-1, 0, 0, 0, 1), "worse": (-1, -1, 0)}[
            outcome
        ]
        for impact in decision.impacts:
            if rng.random() < 0.9:
                exact = rng.random() < 0.3 + 0.5 * quality
                impact.actual = (
                    impact.impact if exact else _clamp(impact.impact + rng.choice(shift))
                )
        avoided_by, created_by = {
            "better": (1.15, 0.9),
            "as_expected": (1.0, 1.0),
            "worse": (0.7, 1.25),
        }[outcome]
        for line in decision.waste_lines:
            line.actual_avoided = _nice(line.avoided * avoided_by * rng.uniform(0.85, 1.15))
            line.actual_created = _nice(line.created * created_by * rng.uniform(0.85, 1.15))

    # drafts, archived decisions and comments

    def _drafts(self, rng: random.Random) -> list[_Planned]:
        """A few drafts in the last two quarters; each team's first goes to its first staff member."""
        planned = []
        for number in range(DRAFTS):
            team = self.seeds.teams[number % len(self.seeds.teams)]
            offset = QUARTERS - 1 if number < DRAFTS - 2 else QUARTERS - 2
            quarter = self.quarters[offset]
            day = _workday(rng, quarter.start, min(quarter.end, self.today))
            members = self.members[team.slug]
            decision = self._decision(
                rng, team, "other", True, team.trajectory[offset], day, members
            )
            nth = number // len(self.seeds.teams)
            author = members.staff[nth % len(members.staff)] if members.staff else None
            decision.author_id = author.id if author else decision.author_id
            decision.status = Status.DRAFT.value
            self._consult(rng, [decision], 0.5 * consulted_share(team.trajectory[offset]))
            planned.append(_Planned(decision, team, offset, members=members))
        return planned

    def _archived(self, rng: random.Random) -> list[_Planned]:
        planned = []
        for number, offset in enumerate(ARCHIVED_AT):
            team = self.seeds.teams[number % len(self.seeds.teams)]
            quarter, members = self.quarters[offset], self.members[team.slug]
            day = _workday(rng, quarter.start, quarter.end)
            decision = self._decision(
                rng, team, "other", True, team.trajectory[offset], day, members
            )
            decision.status = Status.DECIDED.value
            decision.archived = True
            self._consult(rng, [decision], consulted_share(team.trajectory[offset]))
            closer = members.managers[0] if members.managers else None
            if closer is not None and self.seeds.archive_notes:
                decision.comments = [
                    Comment(
                        author_id=closer.id,
                        body=self.seeds.archive_notes[number % len(self.seeds.archive_notes)],
                        created_at=min(self.now, _moment(day + timedelta(days=2), time(10, 15))),
                    )
                ]
            planned.append(_Planned(decision, team, offset, members=members))
        return planned

    def _comments(self, rng: random.Random, item: _Planned) -> None:
        """A question from a colleague and the author's answer, on about a fifth of decisions."""
        decision = item.decision
        if (
            rng.random() >= COMMENTED_SHARE
            or decision.comments
            or decision.decided_on >= self.today
        ):
            return
        askers = [u for u in item.members.everyone if u.id != decision.author_id]
        answerer = decision.author_id or (
            item.members.managers[0].id if item.members.managers else None
        )
        if not askers or answerer is None:
            return
        talk = rng.choice(self.seeds.conversations)
        last = min(decision.decided_on + timedelta(days=7), self.today - timedelta(days=1))
        asked_at = _moment(
            _day_between(rng, decision.decided_on, last),
            time(rng.randint(8, 16), rng.randint(0, 59)),
        )
        answered_at = asked_at + timedelta(hours=rng.randint(1, 4), minutes=rng.randint(0, 59))
        if answered_at.hour >= 18:  # answered the next morning
            next_day = answered_at.date() + timedelta(days=1)
            answered_at = _moment(next_day, time(rng.randint(8, 10), rng.randint(0, 59)))
        decision.comments = [
            Comment(
                author_id=rng.choice(askers).id,
                body=talk["question"],
                created_at=min(self.now, asked_at),
            ),
            Comment(author_id=answerer, body=talk["answer"], created_at=min(self.now, answered_at)),
        ]


# --- small helpers -----------------------------------------------------------------------------


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def _fill(text: str, words: dict[str, str]) -> str:
    """The template with its placeholders filled, each sentence starting with a capital."""
    filled = text.format_map(words)
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), filled)


def _author(rng: random.Random, members: _Members) -> User | None:
    # Staff log most decisions; managers log some of their own.
    pool = members.staff * 3 + members.managers
    return rng.choice(pool) if pool else None


def _workday(rng: random.Random, first: date, last: date) -> date:
    """A random day in first..last, a weekday where the range has one."""
    day = _day_between(rng, first, last)
    for step in (-1, -2, 1, 2):
        if day.weekday() < 5:
            break
        moved = day + timedelta(days=step)
        if first <= moved <= last and moved.weekday() < 5:
            day = moved
    return day


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


def _clamp(value: int) -> int:
    return max(-3, min(3, value))


def _nice(value: float, *, up: bool = False) -> float:
    """Two significant figures, as people estimate; rounded up when asked."""
    if value <= 0:
        return 0.0
    step = 10 ** max(0, math.floor(math.log10(value)) - 1)
    return float((math.ceil if up else round)(value / step) * step)


def _net_money(line: WasteLine) -> float:
    return (line.avoided - line.created) * line.category.unit_cost


def _net(lines: Iterable[WasteLine]) -> float:
    return sum(_net_money(line) for line in lines)
