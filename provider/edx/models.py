"""The shapes of an edX course run: as declared, and as Studio answers.

Both sides go through the same field types, so a declared value and a live value that
mean the same thing compare equal: date-times as UTC instants (docs/platforms/edx.md
§7), pacing in the CMS vocabulary whichever of the CMS or LMS words was written (docs/platforms/edx.md §7).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from provider.edx.keys import CourseKey, check_part


def _utc(value: datetime) -> datetime:
    # edX runs with TIME_ZONE='UTC' and reads naive values as UTC (docs/platforms/edx.md §7).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso_z(value: datetime) -> str:
    # What Studio prints (docs/platforms/edx.md §7) and what docs/platforms/edx.md §4 asks clients to send: UTC with a
    # `Z`.
    return value.isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, AfterValidator(_utc), PlainSerializer(_iso_z, when_used="json")]

PacingType = Literal["self_paced", "instructor_paced"]
# The LMS says `self`/`instructor` where the CMS says `self_paced`/`instructor_paced` (docs/platforms/edx.md §7).
_PACING_WORDS = {"self": "self_paced", "instructor": "instructor_paced"}


def _pacing_word(value: Any) -> Any:
    return _PACING_WORDS.get(value, value) if isinstance(value, str) else value


Pacing = Annotated[PacingType, BeforeValidator(_pacing_word)]


def _key_text(value: str) -> str:
    return str(CourseKey.parse(value))


CourseKeyText = Annotated[str, AfterValidator(_key_text)]
Org = Annotated[str, AfterValidator(partial(check_part, "org"))]
Number = Annotated[str, AfterValidator(partial(check_part, "number"))]
Run = Annotated[str, AfterValidator(partial(check_part, "run"))]


def _title(value: str) -> str:
    # DRF's CharField trims surrounding whitespace and rejects a blank title (docs/platforms/edx.md §7), so a
    # padded declaration would differ from the live title forever.
    stripped = value.strip()
    if not stripped:
        raise ValueError("the title cannot be blank; write the course's display name")
    return stripped


Title = Annotated[str, AfterValidator(_title)]

OnDelete = Literal["retain", "retire"]

SCHEDULE_FIELDS = ("start", "end", "enrollment_start", "enrollment_end")


class CourseRunArgs(BaseModel):
    """The declared inputs of `edx:CourseRun`.

    The key is declared either as `course_key` or as `org`, `number` and `run`; check
    fills in the other form, so state always holds all four.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    course_key: CourseKeyText | None = None
    org: Org | None = None
    number: Number | None = None
    run: Run | None = None
    title: Title
    start: UtcDateTime
    end: UtcDateTime
    enrollment_start: UtcDateTime | None = None
    enrollment_end: UtcDateTime | None = None
    pacing: Pacing = "instructor_paced"
    source_key: CourseKeyText | None = None
    on_delete: OnDelete = "retain"
    adopt: bool = False

    @property
    def key(self) -> CourseKey:
        """The run's key; check guarantees `course_key` is set before any call."""
        if self.course_key is None:
            raise ValueError("course_key is not set: the inputs did not go through check")
        return CourseKey.parse(self.course_key)

    def managed(self) -> ManagedFields:
        return ManagedFields(
            title=self.title,
            start=self.start,
            end=self.end,
            enrollment_start=self.enrollment_start,
            enrollment_end=self.enrollment_end,
            pacing=self.pacing,
        )


class ManagedFields(BaseModel):
    """The fields of a run that live in Studio: what is compared, patched and read back."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    title: Title
    start: UtcDateTime | None
    end: UtcDateTime | None
    enrollment_start: UtcDateTime | None
    enrollment_end: UtcDateTime | None
    pacing: Pacing

    def differences(self, live: ManagedFields) -> dict[str, tuple[object, object]]:
        """Field name -> (declared, live) for every field where `live` differs from self."""
        mine, theirs = self.model_dump(mode="json"), live.model_dump(mode="json")
        return {name: (mine[name], theirs[name]) for name in mine if mine[name] != theirs[name]}

    def patch_body(self, fields: AbstractSet[str]) -> dict[str, Any]:
        """The PATCH body that sets `fields` to this object's values (docs/platforms/edx.md §2).

        PATCH is partial at every level, so only the named schedule dates are sent and
        the course team is left alone (docs/platforms/edx.md §2). Enrollment dates may be null (docs/platforms/edx.md
        §7).
        """
        values = self.model_dump(mode="json")
        body: dict[str, Any] = {}
        if "title" in fields:
            body["title"] = values["title"]
        if "pacing" in fields:
            body["pacing_type"] = values["pacing"]
        schedule = {name: values[name] for name in SCHEDULE_FIELDS if name in fields}
        if schedule:
            body["schedule"] = schedule
        return body


class StudioSchedule(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    start: UtcDateTime | None = None
    end: UtcDateTime | None = None
    enrollment_start: UtcDateTime | None = None
    enrollment_end: UtcDateTime | None = None


class StudioCourseRun(BaseModel):
    """A run as `GET /api/v1/course_runs/{key}/` answers it (docs/platforms/edx.md §7); other fields ignored."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    id: CourseKeyText
    title: str
    schedule: StudioSchedule = StudioSchedule()
    pacing_type: Pacing = "instructor_paced"

    @property
    def key(self) -> CourseKey:
        return CourseKey.parse(self.id)

    def managed(self) -> ManagedFields:
        return ManagedFields(
            title=self.title,
            start=self.schedule.start,
            end=self.schedule.end,
            enrollment_start=self.schedule.enrollment_start,
            enrollment_end=self.schedule.enrollment_end,
            pacing=self.pacing_type,
        )
