"""Flask extensions, created once and bound to the app in create_app()."""

from __future__ import annotations

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from scorecard.db import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
bootstrap = Bootstrap5()
# Per client address; the address comes from proxy headers only behind TRUSTED_PROXIES.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

__all__ = ["bootstrap", "csrf", "db", "limiter", "login_manager"]
