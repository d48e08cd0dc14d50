"""The stack-file schema: one test per rule, each checking the path and the message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provider.catalog import load_catalog
from provider.errors import DeclarationError

VALID: dict[str, Any] = {
    "source_courses": [
        {
            "course_key": "course-v1:UAI_SOURCE+A.0001x+SOURCE",
            "title": "Intro to Courses",
            "start": "2026-01-05T00:00:00Z",
            "end": "2026-12-20T00:00:00Z",
            "enrollment_start": "2025-12-01T00:00:00Z",
            "enrollment_end": "2026-12-01T00:00:00Z",
            "pacing": "self_paced",
        }
    ],
    "organizations": [{"org_key": "UCODE", "name": "University of Enrollment Codes"}],
    "contracts": [
        {
            "organization": "UCODE",
            "name": "University of Enrollment Codes Contract",
            "membership_type": "code",
            "max_learners": 15,
            "courses": ["course-v1:UAI_SOURCE+A.0001x"],
        }
    ],
}


def problems(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DeclarationError) as caught:
        load_catalog(raw)
    return {p.path: p.message for p in caught.value.problems}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """VALID with one value set, e.g. with_change("contracts.0.max_learners", 0)."""
    raw = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return raw


def test_valid_catalog_parses_with_defaults() -> None:
    catalog = load_catalog(VALID)
    [course] = catalog.source_courses
    assert course.course_id == "course-v1:UAI_SOURCE+A.0001x"
    assert course.on_delete == "retain"
    assert course.mitxonline is not None and course.mitxonline.is_source_run
    assert catalog.organizations[0].org_key_prefix == "UAI_"
    assert catalog.contracts[0].active is True


def test_empty_catalog_is_valid() -> None:
    assert load_catalog(None).contracts == []


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("course-v1:UAI SOURCE+A.0001x+SOURCE", "contains ' '"),
        ("course-v1:UAI_SOURCE+A+0001x+SOURCE", "4 part(s)"),
        ("UAI_SOURCE/A.0001x/SOURCE", "is not a course key"),
        ("course-v1:UAI_SOURCE++SOURCE", "cannot be empty"),
        ("course-v1:UAI_SOURCE+A/1+SOURCE", "contains '/'"),
    ],
)
def test_malformed_course_key_names_the_field(key: str, fragment: str) -> None:
    found = problems(with_change("source_courses.0.course_key", key))
    assert fragment in found["catalog.source_courses[0].course_key"]


def test_end_before_start_is_reported() -> None:
    found = problems(with_change("source_courses.0.end", "2025-06-01T00:00:00Z"))
    assert list(found) == ["catalog.source_courses[0].end"]
    assert found["catalog.source_courses[0].end"].startswith("must be later than start")


def test_enrollment_window_outside_the_run_is_reported() -> None:
    found = problems(with_change("source_courses.0.enrollment_end", "2027-01-01T00:00:00Z"))
    assert "cannot be before enrollment_end" in found["catalog.source_courses[0].end"]


def test_start_and_end_are_required() -> None:
    raw = copy.deepcopy(VALID)
    del raw["source_courses"][0]["end"]
    assert found_message(raw, "catalog.source_courses[0].end") == "is missing; add it"


def found_message(raw: dict[str, Any], path: str) -> str:
    return problems(raw)[path]


def test_date_without_timezone_says_how_to_write_it() -> None:
    found = problems(with_change("source_courses.0.start", "2026-01-05T00:00:00"))
    assert "with a timezone" in found["catalog.source_courses[0].start"]


def test_unknown_pacing_lists_the_choices() -> None:
    found = problems(with_change("source_courses.0.pacing", "self"))
    assert found["catalog.source_courses[0].pacing"] == (
        "'self' is not one of its values; write one of 'self_paced' or 'instructor_paced'"
    )


def test_unknown_membership_type_lists_the_choices() -> None:
    found = problems(with_change("contracts.0.membership_type", "sso"))
    assert "'managed', 'code' or 'auto'" in found["catalog.contracts[0].membership_type"]


@pytest.mark.parametrize("seats", [0, -3])
def test_zero_or_negative_seats_are_refused(seats: int) -> None:
    found = problems(with_change("contracts.0.max_learners", seats))
    assert "greater than 0" in found["catalog.contracts[0].max_learners"]


def test_negative_price_is_refused() -> None:
    found = problems(with_change("contracts.0.price", "-1"))
    assert "catalog.contracts[0].price" in found


def test_contract_end_before_start() -> None:
    raw = with_change("contracts.0.start", "2026-05-01")
    raw["contracts"][0]["end"] = "2026-04-01"
    expected = "2026-04-01 is before start 2026-05-01; contracts end after they start"
    assert problems(raw) == {"catalog.contracts[0].end": expected}


@pytest.mark.parametrize("title", ["Intro\nrm -rf /", "tab\there", "  padded", ""])
def test_titles_must_be_one_clean_line(title: str) -> None:
    found = problems(with_change("source_courses.0.title", title))
    assert "catalog.source_courses[0].title" in found


def test_shell_metacharacters_in_names_are_plain_text() -> None:
    # Commands are argv lists, so `;`, `$()` and quotes reach MITx Online verbatim.
    catalog = load_catalog(with_change("contracts.0.name", "Acme; $(reboot) 'Contract'"))
    assert catalog.contracts[0].name == "Acme; $(reboot) 'Contract'"


def test_same_course_key_declared_twice_points_at_both() -> None:
    raw = copy.deepcopy(VALID)
    twin = dict(raw["source_courses"][0], course_key="course-v1:uai_source+A.0001x+source")
    raw["source_courses"].append(twin)
    found = problems(raw)
    assert set(found) == {"catalog.source_courses[0].course_key", "catalog.source_courses[1].course_key"}
    assert "declared more than once" in found["catalog.source_courses[1].course_key"]


def test_same_org_key_declared_twice() -> None:
    raw = copy.deepcopy(VALID)
    raw["organizations"].append({"org_key": "UCODE", "name": "Other"})
    assert "catalog.organizations[1].org_key" in problems(raw)


def test_contract_of_an_undeclared_organization() -> None:
    found = problems(with_change("contracts.0.organization", "NOPE"))
    assert "add it under catalog.organizations" in found["catalog.contracts[0].organization"]


def test_contract_course_must_be_a_declared_source_course() -> None:
    found = problems(with_change("contracts.0.courses", ["course-v1:UAI_SOURCE+B.0002x"]))
    assert "not a declared source course" in found["catalog.contracts[0].courses[0]"]


def test_contract_course_with_a_run_part_is_refused() -> None:
    found = problems(with_change("contracts.0.courses", ["course-v1:UAI_SOURCE+A.0001x+SOURCE"]))
    assert "course-v1:ORG+NUMBER" in found["catalog.contracts[0].courses[0]"]


def test_unknown_field_and_section_are_named() -> None:
    raw = with_change("contracts.0.seats", 15)
    raw["teams"] = []
    found = problems(raw)
    assert "unknown field" in found["catalog.contracts[0].seats"]
    assert "unknown section" in found["catalog.teams"]


def test_every_problem_is_reported_at_once() -> None:
    raw = with_change("contracts.0.max_learners", 0)
    raw["source_courses"][0]["pacing"] = "fast"
    raw["source_courses"][0]["end"] = "2020-01-01T00:00:00Z"
    raw["organizations"][0]["org_key"] = "bad key"
    found = problems(raw)
    assert {
        "catalog.contracts[0].max_learners",
        "catalog.source_courses[0].pacing",
        "catalog.source_courses[0].end",
        "catalog.organizations[0].org_key",
    } <= set(found)


def test_contract_may_use_a_source_course_managed_elsewhere() -> None:
    raw = copy.deepcopy(VALID)
    raw["source_courses"] = []
    raw["existing_source_courses"] = ["course-v1:UAI_SOURCE+A.0001x"]
    catalog = load_catalog(raw)
    assert catalog.existing_source_courses == ["course-v1:UAI_SOURCE+A.0001x"]
    raw["existing_source_courses"] = ["course-v1:UAI_SOURCE+A.0001x+SOURCE"]
    assert "catalog.existing_source_courses[0]" in problems(raw)
