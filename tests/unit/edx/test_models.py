"""Normalisation shared by declarations and Studio answers (docs/platforms/edx.md §7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provider.edx.models import ManagedFields, StudioCourseRun

STUDIO_RUN = {
    "id": "course-v1:MITx+6.00x+1T2026",
    "title": "Intro",
    "schedule": {
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-12-15T00:00:00Z",
        "enrollment_start": None,
        "enrollment_end": "2026-09-15T12:30:00.500000Z",
    },
    "pacing_type": "self_paced",
    "team": [],
    "images": {"card_image": "http://studio/x.jpg"},
}


def declared(**changes: object) -> ManagedFields:
    values: dict[str, object] = {
        "title": "Intro",
        "start": "2026-09-01T02:00:00+02:00",
        "end": "2026-12-15",
        "enrollment_start": None,
        "enrollment_end": "2026-09-15T12:30:00.5Z",
        "pacing": "self",
    }
    return ManagedFields.model_validate({**values, **changes})


def test_same_instants_and_both_pacing_vocabularies_compare_equal() -> None:
    live = StudioCourseRun.model_validate(STUDIO_RUN).managed()
    assert declared().differences(live) == {}


def test_differences_name_the_field_with_both_values() -> None:
    live = StudioCourseRun.model_validate(STUDIO_RUN).managed()
    assert declared(title="Other", pacing="instructor_paced").differences(live) == {
        "title": ("Other", "Intro"),
        "pacing": ("instructor_paced", "self_paced"),
    }


def test_dates_are_written_as_utc_with_z_and_naive_means_utc() -> None:
    fields = declared(start="2026-09-01T00:00:00")
    assert fields.start == datetime(2026, 9, 1, tzinfo=UTC)
    assert fields.model_dump(mode="json")["start"] == "2026-09-01T00:00:00Z"
    assert fields.model_dump(mode="json")["enrollment_end"] == "2026-09-15T12:30:00.500000Z"


def test_titles_are_trimmed_like_drf_and_blank_is_refused() -> None:
    assert declared(title="  Intro \n").title == "Intro"
    with pytest.raises(ValueError, match="cannot be blank"):
        declared(title="   ")


def test_patch_body_sends_only_the_named_fields() -> None:
    assert declared().patch_body({"title", "enrollment_end", "pacing"}) == {
        "title": "Intro",
        "pacing_type": "self_paced",
        "schedule": {"enrollment_end": "2026-09-15T12:30:00.500000Z"},
    }
    assert declared().patch_body({"enrollment_start"}) == {"schedule": {"enrollment_start": None}}
