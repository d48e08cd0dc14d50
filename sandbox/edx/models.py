"""The edX side of the store: courses, roles, users, OAuth clients, modes, assets.

One table per edX model the APIs touch (docs/platforms/edx.md §9). Course keys are
unique case-insensitively (docs/platforms/edx.md §3: MySQL compares them without case), hence NOCASE.
Datetimes are stored as canonical UTC strings (`sandbox.edx.dates.format_datetime`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS edx_users (
    username TEXT PRIMARY KEY COLLATE NOCASE,
    is_staff INTEGER NOT NULL DEFAULT 0,
    email    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS edx_oauth_clients (
    client_id     TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    username      TEXT NOT NULL REFERENCES edx_users(username),
    scopes        TEXT NOT NULL,
    token_ttl     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edx_bearer_tokens (
    token      TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES edx_users(username),
    expires_at REAL
);
CREATE TABLE IF NOT EXISTS edx_courses (
    key                        TEXT PRIMARY KEY COLLATE NOCASE,
    org                        TEXT NOT NULL,
    number                     TEXT NOT NULL,
    run                        TEXT NOT NULL,
    display_name               TEXT NOT NULL,
    start                      TEXT,
    "end"                      TEXT,
    enrollment_start           TEXT,
    enrollment_end             TEXT,
    certificate_available_date TEXT,
    self_paced                 INTEGER NOT NULL DEFAULT 0,
    course_image               TEXT NOT NULL,
    language                   TEXT NOT NULL,
    catalog_visibility         TEXT NOT NULL,
    cert_html_view_enabled     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS edx_organizations (
    short_name TEXT PRIMARY KEY COLLATE NOCASE
);
CREATE TABLE IF NOT EXISTS edx_course_roles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    course_key TEXT NOT NULL COLLATE NOCASE,
    username   TEXT NOT NULL,
    role       TEXT NOT NULL,
    UNIQUE (course_key, username, role)
);
CREATE TABLE IF NOT EXISTS edx_course_modes (
    course_key                      TEXT NOT NULL COLLATE NOCASE,
    mode_slug                       TEXT NOT NULL,
    currency                        TEXT NOT NULL,
    mode_display_name               TEXT NOT NULL,
    min_price                       INTEGER NOT NULL DEFAULT 0,
    expiration_datetime             TEXT,
    expiration_datetime_is_explicit INTEGER NOT NULL DEFAULT 0,
    description                     TEXT,
    sku                             TEXT,
    bulk_sku                        TEXT,
    PRIMARY KEY (course_key, mode_slug, currency)
);
CREATE TABLE IF NOT EXISTS edx_assets (
    course_key   TEXT NOT NULL COLLATE NOCASE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (course_key, name)
);
CREATE TABLE IF NOT EXISTS edx_rerun_states (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    course_key        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    source_course_key TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('in_progress', 'failed', 'succeeded')),
    created_time      TEXT NOT NULL
);
"""

# docs/platforms/edx.md §7: CourseFields defaults.
DEFAULT_START = "2030-01-01T00:00:00Z"
DEFAULT_COURSE_IMAGE = "images_course_image.jpg"
DEFAULT_LANGUAGE = "en"
DEFAULT_CATALOG_VISIBILITY = "both"


@dataclass
class Course:
    key: str
    org: str
    number: str
    run: str
    display_name: str
    start: str | None = DEFAULT_START
    end: str | None = None
    enrollment_start: str | None = None
    enrollment_end: str | None = None
    certificate_available_date: str | None = None
    self_paced: bool = False
    course_image: str = DEFAULT_COURSE_IMAGE
    language: str = DEFAULT_LANGUAGE
    catalog_visibility: str = DEFAULT_CATALOG_VISIBILITY
    cert_html_view_enabled: bool = True

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Course:
        values: dict[str, Any] = {f.name: row[f.name] for f in fields(cls)}
        values["self_paced"] = bool(values["self_paced"])
        values["cert_html_view_enabled"] = bool(values["cert_html_view_enabled"])
        return cls(**values)


COURSE_COLUMNS = [f.name for f in fields(Course)]
_QUOTED = ", ".join(f'"{name}"' for name in COURSE_COLUMNS)


def get_course(db: sqlite3.Connection, key: str) -> Course | None:
    row = db.execute(f"SELECT {_QUOTED} FROM edx_courses WHERE key = ?", (key,)).fetchone()
    return Course.from_row(row) if row else None


def list_courses(db: sqlite3.Connection) -> list[Course]:
    # docs/platforms/edx.md §2: upstream applies no order; sorting keeps the emulator deterministic.
    rows = db.execute(f"SELECT {_QUOTED} FROM edx_courses ORDER BY key COLLATE NOCASE").fetchall()
    return [Course.from_row(row) for row in rows]


def insert_course(db: sqlite3.Connection, course: Course) -> None:
    placeholders = ", ".join("?" for _ in COURSE_COLUMNS)
    db.execute(
        f"INSERT INTO edx_courses ({_QUOTED}) VALUES ({placeholders})",
        [getattr(course, name) for name in COURSE_COLUMNS],
    )
    db.execute("INSERT OR IGNORE INTO edx_organizations (short_name) VALUES (?)", (course.org,))


def save_course(db: sqlite3.Connection, course: Course) -> None:
    assignments = ", ".join(f'"{name}" = ?' for name in COURSE_COLUMNS if name != "key")
    db.execute(
        f"UPDATE edx_courses SET {assignments} WHERE key = ?",
        [getattr(course, name) for name in COURSE_COLUMNS if name != "key"] + [course.key],
    )


def delete_course(db: sqlite3.Connection, key: str) -> bool:
    """What `./manage.py cms delete_course` does (docs/platforms/edx.md §8): the course, its roles and assets."""
    deleted = db.execute("DELETE FROM edx_courses WHERE key = ?", (key,)).rowcount
    db.execute("DELETE FROM edx_course_roles WHERE course_key = ?", (key,))
    db.execute("DELETE FROM edx_assets WHERE course_key = ?", (key,))
    return deleted > 0


def course_team(db: sqlite3.Connection, key: str) -> list[dict[str, str]]:
    # docs/platforms/edx.md §7: every CourseAccessRole row of the course, in database order.
    rows = db.execute("SELECT username, role FROM edx_course_roles WHERE course_key = ? ORDER BY id", (key,)).fetchall()
    return [{"user": row["username"], "role": row["role"]} for row in rows]


def add_roles(db: sqlite3.Connection, key: str, team: list[tuple[str, str]]) -> None:
    """`get_or_create` of each member (docs/platforms/edx.md §2 PATCH)."""
    for username, role in team:
        db.execute(
            "INSERT OR IGNORE INTO edx_course_roles (course_key, username, role) VALUES (?, ?, ?)",
            (key, username, role),
        )


def replace_roles(db: sqlite3.Connection, key: str, team: list[tuple[str, str]]) -> None:
    """`update_team` with partial=False: delete every role first (docs/platforms/edx.md §2 PUT)."""
    db.execute("DELETE FROM edx_course_roles WHERE course_key = ?", (key,))
    add_roles(db, key, team)


def user_exists(db: sqlite3.Connection, username: str) -> bool:
    return db.execute("SELECT 1 FROM edx_users WHERE username = ?", (username,)).fetchone() is not None


def user_is_staff(db: sqlite3.Connection, username: str) -> bool:
    row = db.execute("SELECT is_staff FROM edx_users WHERE username = ?", (username,)).fetchone()
    return bool(row and row["is_staff"])


def ensure_user(db: sqlite3.Connection, username: str, is_staff: bool | None = None) -> None:
    """Look up or create a user; refresh `is_staff` when a value is given (docs/platforms/edx.md §1)."""
    db.execute("INSERT OR IGNORE INTO edx_users (username) VALUES (?)", (username,))
    if is_staff is not None:
        db.execute("UPDATE edx_users SET is_staff = ? WHERE username = ?", (int(is_staff), username))


def record_rerun_state(db: sqlite3.Connection, dest: str, source: str, display_name: str, now: str) -> None:
    """A CourseRerunState row; the REST rerun runs inline, so it ends `succeeded` (docs/platforms/edx.md §2)."""
    db.execute(
        "INSERT OR REPLACE INTO edx_rerun_states"
        " (course_key, source_course_key, display_name, state, created_time)"
        " VALUES (?, ?, ?, 'succeeded', ?)",
        (dest, source, display_name, now),
    )


def save_asset(db: sqlite3.Connection, key: str, name: str, content_type: str, data: bytes) -> None:
    db.execute(
        "INSERT OR REPLACE INTO edx_assets (course_key, name, content_type, data) VALUES (?, ?, ?, ?)",
        (key, name, content_type, data),
    )


def get_asset(db: sqlite3.Connection, key: str, name: str) -> tuple[str, bytes] | None:
    row = db.execute(
        "SELECT content_type, data FROM edx_assets WHERE course_key = ? AND name = ?", (key, name)
    ).fetchone()
    return None if row is None else (row["content_type"], bytes(row["data"]))


def copy_assets(db: sqlite3.Connection, source: str, dest: str) -> None:
    """Reruns and clones copy the course's assets (docs/platforms/edx.md §2)."""
    db.execute(
        "INSERT OR REPLACE INTO edx_assets (course_key, name, content_type, data)"
        " SELECT ?, name, content_type, data FROM edx_assets WHERE course_key = ?",
        (dest, source),
    )
