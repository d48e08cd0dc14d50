"""The sandbox's single SQLite store: one database file per state directory.

The server (many request threads plus the worker thread) and separate `manage`
processes all write to it, so it runs in WAL mode with a generous busy timeout, and
every thread opens its own connection (sqlite3 connections are not shared).

Commits are not flushed to disk one by one (`synchronous = NORMAL`, safe in WAL mode): a
process killed mid-write loses nothing committed, only a crash of the machine could, and
a sandbox is rebuilt then anyway. With `FULL` every request paid an fsync for its log line
(about 3 ms on this machine, most of a request's time in the server).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.edx.models import SCHEMA as EDX_SCHEMA
from sandbox.mitxonline.schema import SCHEMA as MITXONLINE_SCHEMA

DB_NAME = "sandbox.sqlite3"
BUSY_TIMEOUT_MS = 30_000

CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('http', 'command', 'process')),
    app         TEXT,
    method      TEXT,
    path        TEXT,
    query       TEXT,
    status      INTEGER,
    argv        TEXT,
    exit_code   INTEGER,
    duration_ms REAL NOT NULL,
    fault_id    INTEGER,
    session     TEXT,
    pid         INTEGER,
    caller      TEXT
);
CREATE TABLE IF NOT EXISTS faults (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    app                TEXT,
    method             TEXT,
    path               TEXT,
    path_is_regex      INTEGER NOT NULL DEFAULT 0,
    command            TEXT,
    status             INTEGER,
    retry_after        TEXT,
    body               TEXT,
    latency            REAL NOT NULL DEFAULT 0,
    drop_connection    INTEGER NOT NULL DEFAULT 0,
    fail               INTEGER NOT NULL DEFAULT 0,
    applied_then_error INTEGER NOT NULL DEFAULT 0,
    remaining          INTEGER NOT NULL,
    fired              INTEGER NOT NULL DEFAULT 0
);
"""


def connect(state_dir: Path) -> sqlite3.Connection:
    """A connection to an existing store, without (re)applying the schema."""
    conn = sqlite3.connect(
        state_dir / DB_NAME,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # autocommit; multi-statement writes use `transaction()`
        check_same_thread=True,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_store(state_dir: Path) -> sqlite3.Connection:
    """Create the state directory and database if needed and apply every domain's schema."""
    state_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(state_dir)
    conn.execute("PRAGMA journal_mode = WAL")
    for schema in (CORE_SCHEMA, EDX_SCHEMA, MITXONLINE_SCHEMA):
        conn.executescript(schema)
    _upgrade_log(conn)
    return conn


_LOG_COLUMNS = "id, time, kind, app, method, path, query, status, argv, exit_code, duration_ms, fault_id"


def _upgrade_log(conn: sqlite3.Connection) -> None:
    """A log made before process starts and sessions were logged gets the new columns
    and kind; its entries are kept. One made before callers were logged gets the
    `caller` column (null: the client's)."""
    if not _log_is_current(conn):
        _upgrade_log_for_sessions(conn)
    if _has_caller(conn):
        return
    with transaction(conn):
        if not _has_caller(conn):  # another process may have added it meanwhile
            conn.execute("ALTER TABLE log ADD COLUMN caller TEXT")


def _has_caller(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "caller" for row in conn.execute("PRAGMA table_info(log)"))


def _upgrade_log_for_sessions(conn: sqlite3.Connection) -> None:
    """The log recreated with this schema's columns, its old entries copied."""
    with transaction(conn):
        if _log_is_current(conn):  # another process upgraded it meanwhile
            return
        conn.execute("ALTER TABLE log RENAME TO log_before_sessions")
        start = CORE_SCHEMA.index("CREATE TABLE IF NOT EXISTS log (")
        conn.execute(CORE_SCHEMA[start : CORE_SCHEMA.index(");", start) + 1])
        conn.execute(f"INSERT INTO log ({_LOG_COLUMNS}) SELECT {_LOG_COLUMNS} FROM log_before_sessions")
        conn.execute("DROP TABLE log_before_sessions")


def _log_is_current(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'log'").fetchone()
    return row is None or "'process'" in row[0]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` on error, on an autocommit connection.

    IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading a
    read lock; the busy timeout makes the second one wait instead.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
