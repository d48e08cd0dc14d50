"""The request and command log (`courseware-sandbox log`).

Headers are never recorded (so no Authorization value can leak), and query parameters
whose names look secret are redacted.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

_SECRET_PARAMS = ("secret", "token", "password", "key")

# The emulated MITx Online marks its own server-side calls to edX with this header, so
# the log can tell them from the calls of the client under test (the provider, a test):
# the benchmark counts each caller's requests apart. Its value is the entry's `caller`;
# a request without it is the client's.
CALLER_HEADER = "x-sandbox-caller"
CLIENT = "client"
MITXONLINE = "mitxonline"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _redacted_query(query: dict[str, list[str]]) -> str:
    safe = {
        name: ["***" if any(word in name.lower() for word in _SECRET_PARAMS) else value for value in values]
        for name, values in query.items()
    }
    return urlencode(safe, doseq=True)


def record_http(
    db: sqlite3.Connection,
    *,
    app: str,
    method: str,
    path: str,
    query: dict[str, list[str]],
    status: int | None,
    duration_ms: float,
    fault_id: int | None,
    caller: str = CLIENT,
) -> None:
    """`status` is None when the connection was dropped without an answer; `caller` is
    who sent the request (`CALLER_HEADER`)."""
    db.execute(
        "INSERT INTO log (time, kind, app, method, path, query, status, duration_ms, fault_id, caller)"
        " VALUES (?, 'http', ?, ?, ?, ?, ?, ?, ?, ?)",
        (_now(), app, method, path, _redacted_query(query), status, round(duration_ms, 3), fault_id, caller),
    )


def record_command(
    db: sqlite3.Connection,
    *,
    argv: list[str],
    exit_code: int,
    duration_ms: float,
    fault_id: int | None,
    session: str | None = None,
) -> None:
    """One management command: a process of its own, or (`session`) one run inside a
    command session."""
    db.execute(
        "INSERT INTO log (time, kind, argv, exit_code, duration_ms, fault_id, session, pid)"
        " VALUES (?, 'command', ?, ?, ?, ?, ?, ?)",
        (_now(), json.dumps(argv), exit_code, round(duration_ms, 3), fault_id, session, os.getpid()),
    )


def record_process(db: sqlite3.Connection, *, argv: list[str]) -> int:
    """One `manage` process start: what pays Django's start-up (docs/platforms/mitxonline.md §2).
    Returns the entry's id, for `record_process_end`."""
    cursor = db.execute(
        "INSERT INTO log (time, kind, argv, duration_ms, pid) VALUES (?, 'process', ?, 0, ?)",
        (_now(), json.dumps(argv), os.getpid()),
    )
    return int(cursor.lastrowid or 0)


def record_process_end(db: sqlite3.Connection, entry: int, *, exit_code: int, duration_ms: float) -> None:
    """How the process of entry `entry` ended: its exit status (130 after SIGINT, as a
    shell reports it) and its whole time. A process killed by SIGKILL never gets here:
    its entry keeps `exit_code` null."""
    db.execute("UPDATE log SET exit_code = ?, duration_ms = ? WHERE id = ?", (exit_code, round(duration_ms, 3), entry))


def entries(db: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for row in db.execute("SELECT * FROM log ORDER BY id"):
        entry: dict[str, Any] = {"time": row["time"], "kind": row["kind"]}
        if row["kind"] == "http":
            entry.update(
                app=row["app"],
                method=row["method"],
                path=row["path"],
                query=row["query"],
                status=row["status"],
                dropped=row["status"] is None,
                caller=row["caller"] or CLIENT,
            )
        elif row["kind"] == "process":
            entry.update(argv=json.loads(row["argv"]), pid=row["pid"], exit_code=row["exit_code"])
        else:
            entry.update(argv=json.loads(row["argv"]), exit_code=row["exit_code"])
            if row["session"] is not None:
                entry.update(session=row["session"], pid=row["pid"])
        entry["duration_ms"] = row["duration_ms"]
        if row["fault_id"] is not None:
            entry["fault_id"] = row["fault_id"]
        yield entry
