"""Settings, read from environment variables only, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

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

    export_dir = Path(os.environ.get("EXPORT_DIR", "").strip() or root_path.parent / "exports")

    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        "EXPORT_DIR": str(export_dir),
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
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 0) or None,
        "ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 0) or None,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper(),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }
