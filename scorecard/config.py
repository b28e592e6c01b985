"""Settings, read from environment variables only, with safe defaults."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


def _date(name: str) -> date | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a date like 2026-11-30, not {raw!r}") from exc


def _dev_secret_key(instance_path: Path) -> str:
    """Development keeps a generated key under instance/ so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


SMTP_TLS_MODES = ("starttls", "tls", "none")


def _email_settings(production: bool) -> dict[str, Any]:
    """SMTP and the public address of the application, for the links emails carry."""
    smtp_url = os.environ.get("SMTP_URL", "").strip()
    if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
        raise ConfigError(f"SMTP_URL must start with smtp:// or smtps://, not {smtp_url!r}")
    tls_default = "tls" if smtp_url.startswith("smtps://") else "starttls"
    tls = os.environ.get("SMTP_TLS", "").strip().lower() or tls_default
    if tls not in SMTP_TLS_MODES:
        raise ConfigError(f"SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}")
    public_url = os.environ.get("PUBLIC_URL", "").strip().rstrip("/")
    if production and smtp_url and not public_url:
        raise ConfigError("PUBLIC_URL must be set when SMTP_URL is: emails link to it")
    public_url = public_url or f"http://127.0.0.1:{_int('PORT', 5000)}"
    if urlsplit(public_url).scheme not in ("http", "https"):
        raise ConfigError(f"PUBLIC_URL must be an http:// or https:// address, not {public_url!r}")
    host = urlsplit(public_url).hostname or "localhost"
    return {
        "SMTP_URL": smtp_url or None,
        "SMTP_TLS": tls,
        "SMTP_TIMEOUT_SECONDS": _int("SMTP_TIMEOUT_SECONDS", 20),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "").strip() or f"Do Better <no-reply@{host}>",
        "PUBLIC_URL": public_url,
        "EMAIL_MAX_ATTEMPTS": max(_int("EMAIL_MAX_ATTEMPTS", 5), 1),
        # Without SMTP, development writes each email to the log; production sends none.
        "EMAIL_TO_LOG": not smtp_url and not production,
    }


# Long on purpose: one setting after another, checked where it is read, so that this function
# reads as the table of environment variables the README lists.
def from_environment(instance_path: Path, root_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the process environment."""
    env = os.environ.get("DOBETTER_ENV", "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"DOBETTER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"

    secret_key = os.environ.get("SECRET_KEY", "").strip()
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when DOBETTER_ENV=production")
        secret_key = _dev_secret_key(instance_path)

    redis_url = os.environ.get("REDIS_URL", "").strip() or None
    if production and redis_url is None:
        raise ConfigError(
            "REDIS_URL must be set when DOBETTER_ENV=production: sign-in throttling per client "
            "address is shared through it by every worker and machine (and the job queue uses it)"
        )

    database_url = os.environ.get("DATABASE_URL", "").strip()
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'dobetter.sqlite'}"

    sso_role = os.environ.get("SSO_DEFAULT_ROLE", "").strip() or "staff"
    if sso_role not in ("staff", "manager", "admin"):
        raise ConfigError(f"SSO_DEFAULT_ROLE must be staff, manager or admin, not {sso_role!r}")

    export_dir = Path(os.environ.get("EXPORT_DIR", "").strip() or root_path.parent / "exports")

    redis_url = os.environ.get("REDIS_URL", "").strip() or None
    return {
        **_email_settings(production),
        "ENV_NAME": env,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        "EXPORT_DIR": str(export_dir),
        # Money is shown in this currency (ISO 4217 code), written as this locale writes it.
        "CURRENCY": os.environ.get("DOBETTER_CURRENCY", "").strip().upper() or "USD",
        "LOCALE": os.environ.get("DOBETTER_LOCALE", "").strip() or "en_US",
        # The day the scores take as today (to show a past day); empty: the real date.
        "TODAY": _date("DOBETTER_TODAY"),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Werkzeug's own caps on a form: its non-file fields and the number of its parts.
        "MAX_FORM_MEMORY_SIZE": _int("MAX_FORM_MEMORY_KB", 1024) * 1024,
        "MAX_FORM_PARTS": _int("MAX_FORM_PARTS", 2000),
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 200_000),
        "IMPORT_MAX_COLUMNS": _int("IMPORT_MAX_COLUMNS", 200),
        "IMPORT_MAX_UNPACKED_MB": _int("IMPORT_MAX_UNPACKED_MB", 256),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 120),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        "REMEMBER_COOKIE_DAYS": _int("REMEMBER_COOKIE_DAYS", 14),
        "REDIS_URL": redis_url,
        # Per-process memory only in development, where one process serves.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "").strip() or "dobetter",
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "").strip()
        or "20 per minute;200 per hour",
        "SIGN_IN_FREE_FAILURES": _int("SIGN_IN_FREE_FAILURES", 5),
        # Answers to consultations: per client address, and per consultation whatever the address.
        "CONSULTATION_ADDRESS_LIMIT": os.environ.get("CONSULTATION_ADDRESS_LIMIT", "").strip()
        or "30 per hour;100 per day",
        "CONSULTATION_LIMIT": os.environ.get("CONSULTATION_LIMIT", "").strip() or "600 per hour",
        "CONSULTATION_MAX_BYTES": _int("CONSULTATION_MAX_KB", 16) * 1024,
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 0) or None,
        "ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 0) or None,
        # Absolute links in webhook payloads, e.g. https://dobetter.example.com (no trailing /).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip(),
        # Internal networks webhooks may still be sent to, e.g. "10.0.0.0/8,127.0.0.0/8".
        "WEBHOOK_ALLOWED_NETWORKS": os.environ.get("WEBHOOK_ALLOWED_NETWORKS", "").strip(),
        "WEBHOOK_RETRY_SECONDS": _int("WEBHOOK_RETRY_SECONDS", 60),
        # Single sign-on with OpenID Connect: on when an issuer and a client id are set.
        "SSO_ISSUER": os.environ.get("SSO_ISSUER", "").strip(),
        "SSO_CLIENT_ID": os.environ.get("SSO_CLIENT_ID", "").strip(),
        "SSO_CLIENT_SECRET": os.environ.get("SSO_CLIENT_SECRET", "").strip(),
        "SSO_NAME": os.environ.get("SSO_NAME", "").strip() or "your company account",
        "SSO_ONLY": _flag("SSO_ONLY"),
        "SSO_CREATE_USERS": not _flag("SSO_EXISTING_USERS_ONLY"),
        "SSO_DEFAULT_ROLE": sso_role,
        "SSO_DOMAIN_TEAMS": os.environ.get("SSO_DOMAIN_TEAMS", "").strip(),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "").strip() or "120 per minute",
        # The job queue (scorecard.jobs): Redis when a URL is given, else a SQLite file.
        "JOBS_REDIS_URL": os.environ.get("JOBS_REDIS_URL", "").strip() or redis_url,
        "JOBS_SQLITE_PATH": os.environ.get("JOBS_SQLITE_PATH", "").strip()
        or str(instance_path / "jobs.sqlite"),
        "JOBS_QUEUE_NAME": os.environ.get("JOBS_QUEUE_NAME", "").strip() or "dobetter",
        "JOBS_IMMEDIATE": _flag("JOBS_IMMEDIATE"),
        "JOBS_THREADS": _int("JOBS_THREADS", 2),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 30),
        "JOBS_MAX_ATTEMPTS": _int("JOBS_MAX_ATTEMPTS", 3),
        "JOBS_RETRY_DELAY_SECONDS": _int("JOBS_RETRY_DELAY_SECONDS", 10),
        "JOBS_KEEP_DAYS": _int("JOBS_KEEP_DAYS", 90),
        "JOBS_UPLOAD_DIR": os.environ.get("JOBS_UPLOAD_DIR", "").strip()
        or str(export_dir / "uploads"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper(),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The session is written when it changes (its last-seen time, at most every 30 s), not
        # signed again on every response: the limits are checked on the server (auth_session).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }
