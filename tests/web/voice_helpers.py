"""Consultations for web tests: made through the service, answered through the public page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from scorecard.extensions import db
from scorecard.models import Decision, StakeholderGroup, User
from scorecard.services import consultations
from scorecard.services.consultation_links import link_token

FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def consult(
    app: Flask,
    decision: Decision,
    author: User,
    *,
    group: str = "Customers",
    question: str = "How would this affect you?",
    description: str = "We plan to deliver in reusable crates.",
    days: int = 30,
    max_answers: int = 500,
) -> tuple[int, str]:
    """A consultation of the decision for the group: its id and its public path."""
    with app.app_context(), db.writing() as session:
        group_id = session.query(StakeholderGroup.id).filter_by(name=group).scalar()
        consultation = consultations.create(
            session,
            session.get(User, author.id),
            session.get(Decision, decision.id),
            consultations.ConsultationInput(
                group_id=group_id,
                question=question,
                description=description,
                ends_on=date.today() + timedelta(days=days),
                max_answers=max_answers,
            ),
            date.today(),
        )
        token = link_token(app.config["SECRET_KEY"], consultation.id, consultation.link_key)
        return consultation.id, f"/c/{token}"


def form_token(page: str) -> str:
    found = FORM_TOKEN.search(page)
    assert found, "the answer form carries no form token"
    return found.group(1)


def answer(
    browser: FlaskClient, path: str, rating: int | None, comment: str = "", contact: str = ""
):
    """Open the public page in this browser and send an answer; the POST's response."""
    page = browser.get(path)
    assert page.status_code == 200, page.status_code
    data = {"form_token": form_token(page.get_data(as_text=True)), "comment": comment}
    if rating is not None:
        data["rating"] = str(rating)
    if contact:
        data["contact"] = contact
    return browser.post(path, data=data)
