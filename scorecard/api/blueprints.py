"""How every API blueprint is made: token authentication before its views, the per-token rate
limit, and the use recorded after them."""

from __future__ import annotations

from flask_smorest import Blueprint

from scorecard.api import auth
from scorecard.extensions import csrf, limiter

PREFIX = "/api/v1"


def api_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=PREFIX + url_prefix, description=description)
    bp.before_request(auth.authenticate)
    bp.after_request(auth.record_use)
    csrf.exempt(bp)  # no cookie is accepted here, so no cross-site request can act as anyone
    # One budget per token across every API blueprint.
    limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_limit_key)(bp)
    return bp
