"""Who is signed in: loading the user from the session, and the session's idle and absolute limits."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, session
from flask_login import current_user, login_user, logout_user

from scorecard.extensions import db, login_manager
from scorecard.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def start_session(user: User, remember: bool = False) -> None:
    """A fresh session at sign-in: nothing from before it survives."""
    session.clear()
    login_user(user, remember=remember)
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True


def end_session() -> None:
    logout_user()
    session.clear()


def _enforce_timeouts() -> None:
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    auth_at = session.get("auth_at")
    seen_at = session.get("seen_at", 0)
    if auth_at is None:  # restored from the remember-me cookie: a new session starts now
        session["auth_at"] = session["seen_at"] = now
        return
    if now - seen_at > idle or now - auth_at > absolute:
        end_session()
        flash("Your session has ended. Please sign in again.", "info")
        return
    if now - seen_at > 30:  # keep the cookie from changing on every single request
        session["seen_at"] = now


def init_app(app: Flask) -> None:
    from datetime import timedelta

    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_COOKIE_DAYS"])
    )
    app.before_request(_enforce_timeouts)
