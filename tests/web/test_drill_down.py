"""Every KPI of every team-quarter of the demo organisation opens exactly the decisions it counts.

For each quarter of the demo data, the dashboard's KPI cards (all teams) and each team page's
cards link to the decision log; the test follows every link through all its pages and compares
the decisions listed with those the scoring module counts, and the count with the KPI the
`scores` command prints (the harmful ones for Harm %, the due ones for Review %, …).
"""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from scorecard.domain import scoring
from scorecard.domain.quarters import Quarter
from scorecard.extensions import db
from scorecard.models import Team
from scorecard.services import queries, scores
from scorecard.services.demo import DEMO_PASSWORD

CARD = re.compile(r'data-kpi="([^"]+)".*?<a class="kpi-log small" href="([^"]+)" data-log>', re.S)
ROW = re.compile(r'href="/decisions/(\d+)"')
SHARES = {"Shared value %": "shared_n", "Harm %": "harm_n", "Waste-neutral %": "waste_neutral_n"}


def _listed(client, url: str) -> set[int]:
    """The decisions the log lists at this address, over all its pages."""
    found: set[int] = set()
    for page in range(1, 100):
        response = client.get(f"{url}&page={page}")
        assert response.status_code == 200, url
        ids = {int(i) for i in ROW.findall(response.get_data(as_text=True))}
        if not ids - found:
            return found
        found |= ids
    raise AssertionError(f"{url} lists more pages than expected")


def _cards(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {kpi: html.unescape(link) for kpi, link in CARD.findall(response.get_data(as_text=True))}


def _kpis(runner, quarter: Quarter) -> dict[str | None, dict]:
    result = runner.invoke(args=["scores", "--quarter", str(quarter), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["teams"]
    return {(None if r["Team"] == scoring.ALL_TEAMS else r["Team"]): r for r in rows}


def _expected(app, team_id: int | None, today: date) -> pd.DataFrame:
    with app.app_context():
        session = db.session
        where = queries.in_teams(None if team_id is None else {team_id})
        frames = scores.decision_frames(session, sa.and_(queries.SCORED, where))
        return scoring.contributions(*frames, scores.current_method(session), upto=today)


@pytest.fixture
def demo(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    response = client.post("/login", data={"email": "admin@example.com", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        teams = list(db.session.execute(sa.select(Team.id, Team.name, Team.slug)))
    return teams


def _check_counts(kpi: str, listed: set[int], row: dict, parts, quarter: Quarter) -> None:
    """The number listed agrees with the KPI the scores command prints."""
    n = row["Decisions"] if row else 0
    if kpi in SHARES:
        share = row[kpi] if row else None
        assert len(listed) == (0 if share is None else round(share * n / 100)), kpi
    elif kpi in ("Decisions", "Impact index", "Net waste avoided", "Composite"):
        assert len(listed) == n, kpi
    elif kpi == "Consultation %":
        coverage = parts.loc[sorted(listed), "coverage"]
        value = row.get(kpi) if row else None
        assert (value is None) == (len(listed) == 0), kpi
        if value is not None:
            assert coverage.mean() == pytest.approx(value), kpi
    elif kpi == "Review %":
        value = row.get(kpi) if row else None
        assert (value is None) == (len(listed) == 0), kpi
        if value is not None:
            in_time = parts.loc[sorted(listed), "reviewed_in_time_n"].sum()
            assert 100 * in_time / len(listed) == pytest.approx(value), kpi
    elif kpi == "Calibration error":
        value = row.get(kpi) if row else None
        assert (value is None) == (len(listed) == 0), kpi


def test_every_kpi_link_lists_exactly_what_the_kpi_counts(app, runner, client, demo):
    today = date.today()
    names = {team_id: name for team_id, name, _ in demo}
    scopes = [(None, None), *((team_id, slug) for team_id, _, slug in demo)]
    expected_parts = {team_id: _expected(app, team_id, today) for team_id, _ in scopes}
    first = Quarter(today.year - 3, 1)
    quarters = [
        q
        for q in Quarter.range(first, Quarter.of(today))
        if (expected_parts[None]["decided_q"] == q.index).any()
    ]
    assert len(quarters) >= 8  # the demo spans ten quarters
    followed = 0
    for quarter in quarters:
        kpis = _kpis(runner, quarter)
        for team_id, slug in scopes:
            page = "/dashboard" if slug is None else f"/teams/{slug}"
            cards = _cards(client, f"{page}?quarter={quarter}")
            assert set(cards) == set(scoring.KPI_COUNTS), page
            parts = expected_parts[team_id]
            row = kpis.get(None if team_id is None else names[team_id])
            seen: dict[str, set[int]] = {}
            for kpi, url in cards.items():
                if url not in seen:
                    seen[url] = _listed(client, url)
                    followed += 1
                listed = seen[url]
                wanted = set(scoring.matching(parts, scoring.counted_by(kpi, quarter.index)))
                assert listed == wanted, (kpi, str(quarter), slug)
                _check_counts(kpi, listed, row, parts, quarter)
    assert followed > 300
