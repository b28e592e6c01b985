"""Small promises of docs/security.md that no other test file states on its own."""

from __future__ import annotations

import re

import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import User


def test_passwords_are_stored_as_argon2id(app, org):
    with app.app_context():
        hashes = db.session.scalars(sa.select(User.password_hash)).all()
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_downloads_carry_the_security_headers(client, login, org, make):
    make.decision(org.ops, org.manager, title="Something to export")
    manager = login(org.manager)
    quarter = re.search(
        r'<option[^>]*value="(\d{4}Q[1-4])"', manager.get("/exports").get_data(as_text=True)
    ).group(1)
    made = manager.post("/exports", data={"quarter": quarter, "team": ""})
    assert made.status_code == 302
    page = manager.get("/exports").get_data(as_text=True)
    link = re.search(r'href="(/exports/[^"]+/download)"', page).group(1)
    download = manager.get(link)
    assert download.status_code == 200
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in download.headers["Content-Security-Policy"]
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_plotly_is_served_by_the_app_not_a_cdn(client, login, org):
    page = login(org.admin).get("/dashboard").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert scripts
    assert all(s.startswith("/") for s in scripts), scripts
    assert "<script>" not in page  # no inline script: the CSP would refuse it
