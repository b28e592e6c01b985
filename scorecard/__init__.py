"""Do Better: a decision log and shared-value scorecard for responsible business."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.config import from_environment

if TYPE_CHECKING:  # the domain package must import without the web framework
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: configuration, extensions, blueprints, commands, error pages."""
    # Long on purpose: the factory's steps run in this order, and one place shows them all.
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from scorecard.http import BoundedIntegerConverter, CleanRequest

    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
    settings = from_environment(Path(app.instance_path), Path(app.root_path))
    settings.update(config or {})
    app.config.from_mapping(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from scorecard import passwords

    passwords.configure(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])

    from scorecard.extensions import bootstrap, csrf, db, limiter, login_manager

    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(app)
    limiter.init_app(app)
    # Its session events keep the stored team-quarter figures up to date on every write.
    from scorecard.services import score_cache  # noqa: F401

    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)

    from scorecard import auth_session, http, templating
    from scorecard.views import (
        admin,
        alerts,
        answering,
        auth,
        consultations,
        dashboard,
        decisions,
        email,
        explain,
        exports,
        imports,
        jobs,
        main,
        notifications,
        people,
        sso,
        suggestions,
        surveys,
        tokens,
        webhooks,
    )

    auth_session.init_app(app)
    sso.init_app(app)
    templating.init_app(app)
    for blueprint in (
        main.bp,
        auth.bp,
        decisions.bp,
        dashboard.bp,
        admin.bp,
        exports.bp,
        imports.bp,
        jobs.bp,
        alerts.bp,
        suggestions.bp,
        surveys.bp,
        notifications.bp,
        email.bp,
        people.bp,
        consultations.bp,
        answering.bp,
        tokens.bp,
        webhooks.bp,
        sso.bp,
        explain.bp,
    ):
        app.register_blueprint(blueprint)
    from scorecard import api

    api.init_app(app)
    app.after_request(http.add_security_headers)
    http.register_error_pages(app)

    from scorecard.cli import register_commands

    register_commands(app)
    from scorecard import jobs as job_queue
    from scorecard.jobs import cli as job_commands

    job_queue.init_app(app)
    job_commands.register_commands(app)
    return app
