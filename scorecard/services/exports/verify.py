"""`verify-scorecard`: a workbook's figures against the database, or against its own Decisions
sheet; every figure comes again from the scoring module."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scorecard.domain import importing, scoring, verification
from scorecard.domain.untrusted_files import Limits
from scorecard.permissions import Teams
from scorecard.services import accounts, scores
from scorecard.services.exports.figures import TREND_QUARTERS


def against_database(session: Session, data: bytes) -> list[verification.Difference]:
    """Every figure of the Teams, Summary and Trends sheets, computed again from the database
    for the workbook's quarter and teams (the scope "All teams" is every team)."""
    card = verification.read_scorecard(data)
    ids = _scope(session, card).filter
    quarter = card.quarter
    teams = scores.teams_table(session, quarter, ids).rows
    summary = scores.team_series(session, None, [quarter.prev(), quarter], ids).T
    trends = scores.composite_trends(session, quarter.last_n(TREND_QUARTERS), ids)
    return [
        *verification.compare(card, teams, scoring.TEAMS_COLUMNS),
        *verification.compare_grid("Summary", card.summary, summary),
        *verification.compare_grid("Trends", card.trends, trends),
    ]


def against_decisions_sheet(data: bytes, limits: Limits) -> list[verification.Difference]:
    """The figures that rest only on the quarter's own decisions, computed again from the
    workbook's Decisions and Method sheets, without the database."""
    card = verification.read_scorecard(data)
    method = card.method
    parsed = importing.read_decisions(
        data,
        "scorecard.xlsx",
        [g.name for g in method.groups],
        [c.name for c in method.categories],
        limits,
    )
    if parsed.errors:
        first = parsed.errors[0]
        raise verification.NotAScorecard(f"the Decisions sheet does not read back: {first}")
    expected = verification.own_figures(card, parsed.rows)
    return verification.compare(card, expected, verification.OWN_FIGURES)


def _scope(session: Session, card: verification.ScorecardFile) -> Teams:
    if card.scope == scoring.ALL_TEAMS:
        return Teams.EVERY
    names = set(card.teams) - {scoring.ALL_TEAMS}
    ids = {t.id for t in accounts.all_teams(session) if t.name in names}
    return Teams.of(ids)
