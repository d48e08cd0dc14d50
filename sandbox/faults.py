"""Fault rules kept in the store and consumed by the server and by `manage`.

A rule matches HTTP requests (optional app, optional method, a path glob or regex) or a
command (its leading words), and fires `remaining` more times. The first matching rule
with firings left fires; firing and decrementing are one conditional UPDATE, so two
threads or processes never both consume the last firing.
"""

from __future__ import annotations

import fnmatch
import re
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.store import transaction

APPS = ("lms", "studio", "mitxonline")


@dataclass(frozen=True)
class FaultRule:
    id: int
    app: str | None
    method: str | None
    path: str | None
    path_is_regex: bool
    command: str | None
    status: int | None
    retry_after: str | None
    body: str | None
    latency: float
    drop_connection: bool
    fail: bool
    applied_then_error: bool
    remaining: int
    fired: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches_http(self, app: str, method: str, path: str) -> bool:
        if self.path is None or (self.app and self.app != app):
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path_is_regex:
            return re.fullmatch(self.path, path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def matches_command(self, argv: list[str]) -> bool:
        if self.command is None:
            return False
        words = self.command.split()
        return argv[: len(words)] == words


def _rule(row: sqlite3.Row) -> FaultRule:
    return FaultRule(
        id=row["id"],
        app=row["app"],
        method=row["method"],
        path=row["path"],
        path_is_regex=bool(row["path_is_regex"]),
        command=row["command"],
        status=row["status"],
        retry_after=row["retry_after"],
        body=row["body"],
        latency=row["latency"],
        drop_connection=bool(row["drop_connection"]),
        fail=bool(row["fail"]),
        applied_then_error=bool(row["applied_then_error"]),
        remaining=row["remaining"],
        fired=row["fired"],
    )


def add_rule(db: sqlite3.Connection, **values: Any) -> FaultRule:
    columns = ", ".join(values)
    placeholders = ", ".join("?" for _ in values)
    with transaction(db):
        cursor = db.execute(f"INSERT INTO faults ({columns}) VALUES ({placeholders})", list(values.values()))
        row = db.execute("SELECT * FROM faults WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _rule(row)


def list_rules(db: sqlite3.Connection) -> list[FaultRule]:
    return [_rule(row) for row in db.execute("SELECT * FROM faults ORDER BY id").fetchall()]


def clear_rules(db: sqlite3.Connection) -> int:
    return db.execute("DELETE FROM faults").rowcount


def _fire_first(db: sqlite3.Connection, candidates: list[FaultRule]) -> FaultRule | None:
    for rule in candidates:
        fired = db.execute(
            "UPDATE faults SET remaining = remaining - 1, fired = fired + 1 WHERE id = ? AND remaining > 0",
            (rule.id,),
        ).rowcount
        if fired:
            return rule
    return None


def fire_http(db: sqlite3.Connection, app: str, method: str, path: str) -> FaultRule | None:
    """The rule that fires for this request, already counted, or None."""
    live = [_rule(row) for row in db.execute("SELECT * FROM faults WHERE remaining > 0 ORDER BY id")]
    return _fire_first(db, [rule for rule in live if rule.matches_http(app, method, path)])


def fire_command(db: sqlite3.Connection, argv: list[str]) -> FaultRule | None:
    live = [_rule(row) for row in db.execute("SELECT * FROM faults WHERE remaining > 0 ORDER BY id")]
    return _fire_first(db, [rule for rule in live if rule.matches_command(argv)])
