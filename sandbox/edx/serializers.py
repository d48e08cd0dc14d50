"""The course_runs serializers (docs/platforms/edx.md §2, §7): input validation with
DRF's messages, and the output representation."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from sandbox.edx import dates, drf, models
from sandbox.edx.keys import parse_course_key

SCHEDULE_FIELDS = ("start", "end", "enrollment_start", "enrollment_end")
TEAM_USER_MISSING = "Course team user does not exist"  # docs/platforms/edx.md §7, tested upstream


class TeamMemberWithoutUser(Exception):
    """docs/platforms/edx.md §7: a member without `user` raises KeyError in `update_team`, i.e. HTTP 500."""


@dataclass
class RunInput:
    """Validated data; None means "not supplied" (partial updates leave it alone)."""

    title: str | None = None
    schedule: dict[str, str | None] | None = None
    self_paced: bool | None = None
    team: list[tuple[str, str]] | None = None


def validate_run(
    db: sqlite3.Connection, data: dict[str, Any], *, title_required: bool, partial: bool
) -> tuple[RunInput, dict[str, Any]]:
    """Validate the section 4 fields; return the input and the field errors found."""
    errors: dict[str, Any] = {}
    result = RunInput()
    if "title" in data:
        try:
            result.title = drf.char_field(data["title"])
        except ValueError as exc:
            errors["title"] = [str(exc)]
    elif title_required:
        errors["title"] = [drf.REQUIRED]
    if "schedule" in data:
        try:
            result.schedule = _schedule(data["schedule"], partial=partial)
        except drf.ValidationError as exc:
            errors["schedule"] = exc.errors
    if "pacing_type" in data:
        # docs/platforms/edx.md §7: no choice validation; anything but "self_paced" is instructor-paced.
        try:
            result.self_paced = drf.char_field(data["pacing_type"], allow_blank=True) == "self_paced"
        except ValueError as exc:
            errors["pacing_type"] = [str(exc)]
    if "team" in data:
        try:
            result.team = _team(db, data["team"])
        except drf.ValidationError as exc:
            errors["team"] = exc.errors["team"]
    return result, errors


def _schedule(value: Any, *, partial: bool) -> dict[str, str | None]:
    if value is None:
        raise drf.ValidationError({"non_field_errors": [drf.NOT_NULL]})
    if not isinstance(value, dict):
        raise drf.ValidationError(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(value).__name__}."]}
        )
    errors: dict[str, list[str]] = {}
    schedule: dict[str, str | None] = {}
    for name in SCHEDULE_FIELDS:
        nullable = name.startswith("enrollment_")
        if name not in value:
            # docs/platforms/edx.md §2, §7: start and end are required whenever `schedule` is sent, except
            # on PATCH (nested partial).
            if not nullable and not partial:
                errors[name] = [drf.REQUIRED]
            continue
        raw = value[name]
        if raw is None:
            if nullable:
                schedule[name] = None
            else:
                errors[name] = [drf.NOT_NULL]  # docs/platforms/edx.md §7: `end` can never be cleared
            continue
        try:
            schedule[name] = dates.normalise(raw)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise drf.ValidationError(errors)
    return schedule


def _team(db: sqlite3.Connection, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        raise drf.ValidationError({"team": [f'Expected a list of items but got type "{type(value).__name__}".']})
    members: list[tuple[str, str]] = []
    for member in value:
        if not isinstance(member, dict):
            raise drf.ValidationError({"team": ["Invalid data. Expected a dictionary."]})
        if "user" not in member:
            raise TeamMemberWithoutUser
        if "role" not in member:
            raise drf.ValidationError({"team": [{"role": [drf.REQUIRED]}]})  # [inferred] docs/platforms/edx.md §7
        username, role = str(member["user"]), str(member["role"])
        if not models.user_exists(db, username):
            raise drf.ValidationError({"team": [TEAM_USER_MISSING]})
        members.append((username, role))
    return members


def apply_input(course: models.Course, data: RunInput) -> None:
    """Set the validated attributes on the course (docs/platforms/edx.md §2)."""
    if data.title is not None:
        course.display_name = data.title
    if data.schedule is not None:
        for name, value in data.schedule.items():
            setattr(course, name, value)
    if data.self_paced is not None:
        course.self_paced = data.self_paced


def representation(db: sqlite3.Connection, course: models.Course, studio_url: str) -> dict[str, Any]:
    """CourseRunSerializer output (docs/platforms/edx.md §7)."""
    key = parse_course_key(course.key)
    return {
        "id": course.key,
        "title": course.display_name,
        "schedule": {name: getattr(course, name) for name in SCHEDULE_FIELDS},
        "pacing_type": "self_paced" if course.self_paced else "instructor_paced",
        "team": models.course_team(db, course.key),
        "images": {"card_image": studio_url + key.asset_url_path(course.course_image)},
    }
