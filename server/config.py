"""Configuration: embedded defaults, then ``instance/config.toml``, then the environment.

A teacher runs ``jointbook serve`` with nothing set and gets a working
platform under ``instance/``; an administrator overrides any key through the
environment (12-factor) or the TOML file kept beside the data it configures.
"""
from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from materials.gitcommand import DEFAULT_TIMEOUT

# Keys read from the environment, with the type each is converted to.
ENVIRONMENT_KEYS: dict[str, type] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "LIBRARY_PATH": str,
    "SITES_DIR": str,
    "PREVIEWS_DIR": str,
    "WORKERS": int,
    "THREADS": int,
    "MAX_CONTENT_LENGTH": int,
    "RATELIMIT_STORAGE_URI": str,
    "LOGIN_FAILURES_PER_ACCOUNT": str,
    "LOGIN_FAILURES_PER_ADDRESS": str,
    "REDIS_URL": str,
    "SESSION_COOKIE_SECURE": bool,
    "TRUSTED_PROXIES": int,
    "PLATFORM_URL": str,
    "SITES_PLATFORM_URL": str,  # where published sites' forms post; "" = the site's own origin (/read/)
    "DEFAULT_LOCALE": str,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_USER": str,
    "SMTP_PASSWORD": str,
    "SMTP_FROM": str,
    "SMTP_STARTTLS": bool,
    "JOB_POLL_SECONDS": float,
    "PRESENCE_HEARTBEAT_SECONDS": int,
    "JOB_WORKERS": int,
    "JOB_SHUTDOWN_SECONDS": float,
    "QUEUE_NAME": str,
    "GIT_TIMEOUT": float,
    "BOOK_MIRRORS_DIR": str,  # the books' own repositories that git clone and push reach (/git/<book>.git)
    "GIT_PUSH_MAX_BYTES": int,
    "GIT_PUSH_TIMEOUT": float,
    "RELEASE_DOWNLOADS": str,
}


def default_instance() -> Path:
    """``$JOINTBOOK_INSTANCE`` or ``./instance`` (where the first run creates everything)."""
    return Path(os.environ.get("JOINTBOOK_INSTANCE") or "instance").resolve()


def _as(kind: type, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting the application uses, resolved to final values.

    Order of precedence (last wins): defaults < ``config.toml`` < environment
    < ``overrides`` (what tests and the CLI pass to ``create_app``).
    """
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("JOINTBOOK_INSTANCE", None) or default_instance()).resolve()
    config: dict[str, Any] = {
        "JOINTBOOK_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'jointbook.db'}",
        "LIBRARY_PATH": str(instance / "library.git"),
        "SITES_DIR": str(instance / "sites"),
        "PREVIEWS_DIR": str(instance / "previews"),
        # Where the .po catalogues are compiled at start; several instances (the tests' apps) may share one.
        "TRANSLATIONS_DIR": str(instance / "translations"),
        "WORKERS": min(4, os.cpu_count() or 1),
        "THREADS": 8,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Failed sign-ins before a lockout, per user name as typed and per address (a school behind one NAT).
        "LOGIN_FAILURES_PER_ACCOUNT": "10 per 15 minutes",
        "LOGIN_FAILURES_PER_ADDRESS": "50 per 15 minutes",
        "REDIS_URL": None,  # when set, login failures are counted there, and the task queue lives there
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
        "TRUSTED_PROXIES": 0,
        "PLATFORM_URL": "http://127.0.0.1:8000",
        "DEFAULT_LOCALE": "zh_CN",
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_FROM": None,
        "SMTP_STARTTLS": True,
        "JOB_POLL_SECONDS": 1.0,  # an idle SQLite queue is read this often (Redis wakes its workers at once)
        "PRESENCE_HEARTBEAT_SECONDS": 15,  # an open editor says it is still there this often
        "JOB_WORKERS": 2,  # threads running jobs, per consumer (one per machine under `jointbook serve`)
        "JOB_SHUTDOWN_SECONDS": 30.0,  # on SIGTERM, how long running jobs may take to finish
        "QUEUE_NAME": "jointbook",  # instances sharing one Redis need different names
        "GIT_TIMEOUT": DEFAULT_TIMEOUT,  # seconds any one git command of the library may run
        "RELEASE_DOWNLOADS": "pdf,epub,sheets",  # made by jobs after each release's site; "" for none
        "RUN_MIGRATIONS": True,
        "START_JOB_RUNNER": False,  # queue workers as threads of this process (tests, benchmarks)
    }
    toml_file = instance / "config.toml"
    if toml_file.is_file():
        with toml_file.open("rb") as fh:
            config.update({key.upper(): value for key, value in tomllib.load(fh).items()})
    for key, kind in ENVIRONMENT_KEYS.items():
        if os.environ.get(key) not in (None, ""):
            config[key] = _as(kind, os.environ[key])
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = kept_secret_key(instance)
    return config


def kept_secret_key(instance: Path) -> str:
    """The key in ``instance/secret_key``, generated on first use so sessions survive restarts."""
    path = instance / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written aside then hard-linked into place: two processes starting at
    # once agree on one key, and nobody ever reads a half-written file.
    draft = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
