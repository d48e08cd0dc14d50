"""Key-value settings kept in the store, and the context built from them.

Settings are re-read for every request, tick and command, so `start --command-delay`
on a running sandbox takes effect without a restart.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sandbox.context import AppContext, Credentials, SandboxUrls, Settings

DEFAULT_COMMAND_DELAY = 0.0
DEFAULT_CLONE_DELAY = 1.0
# Celery's own default is the worker host's CPU count; a fixed 4 keeps the sandbox's
# clone throughput the same on every machine (docs/decisions.md §35).
DEFAULT_CELERY_CONCURRENCY = 4


def get_value(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def set_value(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))


def set_value_once(db: sqlite3.Connection, key: str, value: str) -> str:
    """Store `value` unless the key exists; return what is stored (race-free)."""
    db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, value))
    stored = get_value(db, key)
    assert stored is not None
    return stored


def _required(db: sqlite3.Connection, key: str) -> str:
    value = get_value(db, key)
    if value is None:
        raise RuntimeError(f"sandbox state is not initialised (missing setting {key!r}); run `start` first")
    return value


def load_settings(db: sqlite3.Connection) -> Settings:
    return Settings(
        command_delay=float(get_value(db, "command_delay") or DEFAULT_COMMAND_DELAY),
        clone_delay=float(get_value(db, "clone_delay") or DEFAULT_CLONE_DELAY),
        celery_concurrency=int(get_value(db, "celery_concurrency") or DEFAULT_CELERY_CONCURRENCY),
        credentials=Credentials(
            edx_client_id=_required(db, "edx_client_id"),
            edx_client_secret=_required(db, "edx_client_secret"),
            mitxonline_api_key=_required(db, "mitxonline_api_key"),
            edx_service_token=_required(db, "edx_service_token"),
            edx_service_username=_required(db, "edx_service_username"),
        ),
    )


def load_urls(db: sqlite3.Connection) -> SandboxUrls:
    """The URLs of the last server start (commands may run while it is stopped)."""
    return SandboxUrls(
        edx_lms_url=get_value(db, "edx_lms_url") or "",
        edx_studio_url=get_value(db, "edx_studio_url") or "",
        mitxonline_url=get_value(db, "mitxonline_url") or "",
    )


def load_context(db: sqlite3.Connection, state_dir: Path) -> AppContext:
    return AppContext(db=db, state_dir=state_dir, urls=load_urls(db), settings=load_settings(db))
