"""`verify-scorecard`: a workbook's figures against the database, or against its own Decisions
sheet; every figure comes again from the scoring module."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scorecard.domain import importing, scoring, verification
from scorecard.domain.untrusted_files import Limits
from scorecard.permissions import Teams
from scorecard.services import accounts, scores


def against_database(session: Session, data: bytes) -> list[verification.Difference]:
    """Every figure of the Teams sheet, computed again from the database for the workbook's
    quarter and teams (the scope "All teams" is every team)."""
    card = verification.read_scorecard(data)
    scope = _scope(session, card)
    expected = scores.teams_table(session, card.quarter, scope.filter).rows
    return verification.compare(card, expected, scoring.TEAMS_COLUMNS)


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
