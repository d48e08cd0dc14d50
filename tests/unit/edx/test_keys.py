"""Course key grammar (docs/platforms/edx.md §3)."""

from __future__ import annotations

import pytest

from provider.edx.keys import CourseKey, InvalidCourseKey


@pytest.mark.parametrize(
    "text",
    [
        "course-v1:MITx+6.00x+1T2026",
        "course-v1:UAI_SOURCE+UAI.1+SOURCE",
        "course-v1:a-b~c+n:1+r.2",
        "course-v1:Éco+Ü1+été",
    ],
)
def test_valid_keys_round_trip(text: str) -> None:
    assert str(CourseKey.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("MITx/6.00x/1T2026", "write it as course-v1:"),
        ("course-v2:MITx+6.00x+1T2026", "write it as course-v1:"),
        ("course-v1:MITx+6.00x", "2 part(s)"),
        ("course-v1:MITx+6.00x+1T+2026", "4 part(s)"),
        ("course-v1:MITx++1T2026", "number part of a course key cannot be empty"),
        ("course-v1:MIT x+6.00x+1T2026", "the org 'MIT x' contains ' '"),
        ("course-v1:MITx+6.00x+1T2026@x", "the run '1T2026@x' contains '@'"),
        ("course-v1:MITx+6/00x+1T2026", "contains '/'"),
    ],
)
def test_invalid_keys_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InvalidCourseKey, match=None) as caught:
        CourseKey.parse(text)
    assert says in str(caught.value)


def test_keys_that_differ_only_in_case_are_the_same_run() -> None:
    assert CourseKey.parse("course-v1:MITx+A+1t2026").same_as(CourseKey.parse("course-v1:mitx+a+1T2026"))
    assert not CourseKey.parse("course-v1:MITx+A+1").same_as(CourseKey.parse("course-v1:MITx+A+2"))
