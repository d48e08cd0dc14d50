"""The stack file's programs: each bad declaration refused with its key and the fix (issue 26)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provider import properties
from provider.catalog import load_catalog
from provider.errors import DeclarationError


def _source(number: str, **mitxonline: Any) -> dict[str, Any]:
    return {
        "course_key": f"course-v1:UAI_SOURCE+{number}+SOURCE",
        "title": f"Course {number}",
        "start": "2026-01-05T00:00:00Z",
        "end": "2026-12-20T00:00:00Z",
        **({"mitxonline": mitxonline} if mitxonline else {}),
    }


A, B, C = "course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI_SOURCE+A.0002x", "course-v1:UAI_SOURCE+A.0003x"
PROGRAM = "program-v1:UAI+AI"

VALID: dict[str, Any] = {
    "source_courses": [_source("A.0001x"), _source("A.0002x")],
    "existing_source_courses": [C],
    "programs": [
        {
            "readable_id": PROGRAM,
            "title": "AI Foundations",
            "b2b_only": True,
            "requirements": {"required": [B, A], "elective": [C]},
        }
    ],
    "organizations": [{"org_key": "UCODE", "name": "University of Codes"}],
    "contracts": [
        {
            "organization": "UCODE",
            "name": "Codes",
            "membership_type": "code",
            "max_learners": 10,
            "programs": [PROGRAM],
        }
    ],
}


def problems(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DeclarationError) as caught:
        load_catalog(raw)
    return {p.path: p.message for p in caught.value.problems}


def changed(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(VALID)
    change(raw)
    return raw


def test_a_program_parses_with_its_requirements_in_order() -> None:
    catalog = load_catalog(VALID)
    [program] = catalog.programs
    assert program.live is True and program.b2b_only is True
    assert program.requirements.required == [B, A]
    assert catalog.contracts[0].programs == [PROGRAM]
    assert catalog.contracts[0].remove_program_runs is False
    props = properties.program(program.model_dump(mode="json"))
    assert props["required"] == [B, A] and props["elective"] == [C]


def test_an_unknown_course_is_refused_with_where_to_declare_it() -> None:
    raw = changed(lambda r: r["programs"][0]["requirements"]["required"].append("course-v1:UAI_SOURCE+Z.9x"))
    found = problems(raw)
    message = found["catalog.programs[0].requirements.required[2]"]
    assert "'course-v1:UAI_SOURCE+Z.9x' is not a declared source course" in message
    assert "catalog.source_courses" in message and "existing_source_courses" in message


def test_a_course_with_no_source_run_is_refused() -> None:
    raw = changed(lambda r: r["source_courses"][1].update(mitxonline={"is_source_run": False}))
    found = problems(raw)
    message = found["catalog.programs[0].requirements.required[0]"]
    assert f"{B!r} has no source run" in message and "is_source_run: true" in message


def test_a_duplicate_readable_id_is_refused_at_both_entries() -> None:
    raw = changed(lambda r: r["programs"].append({**r["programs"][0], "title": "Again"}))
    found = problems(raw)
    assert (
        "declared more than once (also at catalog.programs[1].readable_id)" in found["catalog.programs[0].readable_id"]
    )
    assert "keep one of these entries" in found["catalog.programs[1].readable_id"]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("course-v1:UAI+AI", "is not a program id; write program-v1:ORG+NAME, for example program-v1:UAI+AI"),
        ("program-v1:", "has an empty part after 'program-v1:'"),
        ("program-v1:UAI+A I", "contains ' '; use only ASCII letters"),
    ],
)
def test_a_bad_program_key_is_refused_with_the_form_to_write(key: str, said: str) -> None:
    raw = changed(lambda r: r["programs"][0].update(readable_id=key))
    found = problems(raw)
    assert said in found["catalog.programs[0].readable_id"]


def test_a_program_listed_twice_in_one_contract_is_refused() -> None:
    raw = changed(lambda r: r["contracts"][0]["programs"].append(PROGRAM))
    found = problems(raw)
    assert (
        "declared more than once (also at catalog.contracts[0].programs[0])"
        in found["catalog.contracts[0].programs[1]"]
    )


def test_a_contract_program_that_is_not_declared_is_refused() -> None:
    raw = changed(lambda r: r["contracts"][0]["programs"].append("program-v1:UAI+ZZ"))
    found = problems(raw)
    assert "add it under catalog.programs (readable_id: program-v1:UAI+ZZ)" in found["catalog.contracts[0].programs[1]"]


def test_a_course_both_required_and_elective_is_refused() -> None:
    raw = changed(lambda r: r["programs"][0]["requirements"]["elective"].append(A))
    found = problems(raw)
    assert "declared more than once" in found["catalog.programs[0].requirements.elective[1]"]


def test_a_contract_with_programs_only_gets_courseware_and_codes() -> None:
    [contract] = load_catalog(VALID).contracts
    entry = contract.model_dump(mode="json")
    assert properties.gets_enrollment_codes(entry)
    props = properties.contract_courseware(entry, 7, True, [], {PROGRAM: VALID["programs"][0]})
    assert props["programs"] == [PROGRAM]
    assert props["program_courses"] == {PROGRAM: [B, A, C]}
    assert "courses" in props and props["courses"] == []
