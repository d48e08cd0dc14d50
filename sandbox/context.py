"""What an emulated app or command receives: the store, the URLs and the settings.

Every thread (server request thread, worker thread, command process) builds its own
context with its own SQLite connection, because sqlite3 connections must not be shared
between threads.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class SandboxUrls:
    edx_lms_url: str
    edx_studio_url: str
    mitxonline_url: str


@dataclass(frozen=True)
class Credentials:
    """Generated once per state directory (sandbox/settings.py) and kept in the store."""

    edx_client_id: str
    edx_client_secret: str
    mitxonline_api_key: str
    # MITx Online reads the LMS with an opaque Bearer token of a service user
    # (OPENEDX_SERVICE_WORKER_API_TOKEN / _USERNAME, docs/platforms/edx.md §1, §5).
    edx_service_token: str
    edx_service_username: str


@dataclass(frozen=True)
class Settings:
    command_delay: float  # seconds slept before each `manage` command (docs/platforms/mitxonline.md §2)
    clone_delay: float  # seconds before the asynchronous edX clone runs (docs/platforms/mitxonline.md §9)
    # Clone tasks the emulated Celery worker runs at once, as a real worker's pool of
    # processes does (docs/decisions.md §35).
    celery_concurrency: int
    credentials: Credentials


@dataclass
class AppContext:
    db: sqlite3.Connection
    state_dir: Path
    urls: SandboxUrls
    settings: Settings


@dataclass
class CommandContext(AppContext):
    stdout: TextIO
    stderr: TextIO
    env: Mapping[str, str]
    # MITx Online's log records go through the logging its settings set up when the
    # process started (sandbox.mitxonline.console.process_log), not through a command's
    # `stderr=`; None: straight to `stderr` (in-process tests, whose stderr is the process's).
    log: logging.Logger | None = None
