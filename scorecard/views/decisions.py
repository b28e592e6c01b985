"""The decision log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from scorecard.extensions import db
from scorecard.models import Decision
from scorecard.services.accounts import visible_team_ids

bp = Blueprint("decisions", __name__, url_prefix="/decisions")

PAGE_SIZE = 50


@bp.get("")
@login_required
def index() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = sa.select(Decision).where(~Decision.archived)
    team_ids = visible_team_ids(db.session, current_user)
    if team_ids is not None:
        query = query.where(Decision.team_id.in_(team_ids))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(sa.orm.joinedload(Decision.team))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "decisions/index.html", decisions=rows, page=page, pages=pages, total=total
    )
