"""Each policy of the pack, called directly with passing and failing resources."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))

import pack
import rules

POLICIES = {p.name: p for p in pack.POLICIES}


def violations(policy_name: str, resource_type: str, props: dict[str, Any], *, protect: bool = False) -> list[str]:
    found: list[str] = []
    args = SimpleNamespace(resource_type=resource_type, props=props, opts=SimpleNamespace(protect=protect))
    POLICIES[policy_name].validate(args, lambda message, urn=None: found.append(message))
    return found


def stack_violations(policy_name: str, resources: list[tuple[str, dict[str, Any]]]) -> list[str]:
    found: list[str] = []
    args = SimpleNamespace(resources=[SimpleNamespace(resource_type=t, props=p) for t, p in resources])
    POLICIES[policy_name].validate(args, lambda message, urn=None: found.append(message))
    return found


def test_every_policy_has_a_name_description_and_level() -> None:
    assert set(POLICIES) == {
        "source-run-conventions",
        "code-contract-seat-limit",
        "run-dates-ordered",
        "contract-dates-ordered",
        "contract-never-replaced",
        "contract-course-removal",
        "live-course-has-published-page",
        "program-in-contract-has-required-source",
    }
    for policy in pack.POLICIES:
        assert policy.description and policy.enforcement_level is not None


def test_source_run_conventions() -> None:
    good = {"is_source_run": True, "courseware_id": "course-v1:UAI_SOURCE+A.0001x+SOURCE"}
    assert violations("source-run-conventions", rules.MITX_RUN, good) == []
    bad = {"is_source_run": True, "courseware_id": "course-v1:MITx+A.0001x+1T2026"}
    found = violations("source-run-conventions", rules.MITX_RUN, bad)
    assert len(found) == 2 and "_SOURCE" in found[0] and "run SOURCE" in found[1]
    # Not a source run, or another type: not this policy's business.
    assert violations("source-run-conventions", rules.MITX_RUN, {**bad, "is_source_run": False}) == []
    assert violations("source-run-conventions", rules.EDX_RUN, bad) == []


@pytest.mark.parametrize("seats", [None, 0])
def test_code_contract_without_seats_is_refused(seats: int | None) -> None:
    props = {"name": "UCODE Contract", "membership_type": "code", "max_learners": seats}
    [message] = violations("code-contract-seat-limit", rules.CONTRACT, props)
    assert "max_learners" in message and "UCODE Contract" in message


def test_code_contract_with_seats_and_managed_contracts_pass() -> None:
    assert violations("code-contract-seat-limit", rules.CONTRACT, {"membership_type": "code", "max_learners": 15}) == []
    assert violations("code-contract-seat-limit", rules.CONTRACT, {"membership_type": "managed"}) == []


def test_run_dates_ordered() -> None:
    good = {
        "course_key": "k",
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-06-01T00:00:00Z",
        "enrollment_start": "2025-12-01T00:00:00Z",
        "enrollment_end": "2026-05-01T00:00:00Z",
    }
    assert violations("run-dates-ordered", rules.EDX_RUN, good) == []
    late = {**good, "enrollment_end": "2026-07-01T00:00:00Z"}
    [message] = violations("run-dates-ordered", rules.EDX_RUN, late)
    assert "end (2026-06-01T00:00:00Z) is before enrollment_end" in message
    backwards = {**good, "end": "2025-01-01T00:00:00Z", "enrollment_end": None}
    assert any("before start" in m for m in violations("run-dates-ordered", rules.EDX_RUN, backwards))


def test_contract_dates_ordered() -> None:
    assert violations("contract-dates-ordered", rules.CONTRACT, {"start": "2026-01-01", "end": "2026-12-31"}) == []
    [message] = violations(
        "contract-dates-ordered", rules.CONTRACT, {"name": "C", "start": "2026-02-01", "end": "2026-01-01"}
    )
    assert "end (2026-01-01) is before start (2026-02-01)" in message


def test_contract_must_be_protected() -> None:
    props = {"name": "C", "membership_type": "managed"}
    assert violations("contract-never-replaced", rules.CONTRACT, props, protect=True) == []
    [message] = violations("contract-never-replaced", rules.CONTRACT, props, protect=False)
    assert "inactive forever" in message


def test_live_course_needs_a_live_page() -> None:
    course = (rules.MITX_COURSE, {"readable_id": "course-v1:UAI_SOURCE+A.0001x", "live": True})
    page = (rules.MITX_PAGE, {"course": "course-v1:UAI_SOURCE+A.0001x", "live": True})
    assert stack_violations("live-course-has-published-page", [course, page]) == []
    draft = (rules.MITX_PAGE, {"course": "course-v1:UAI_SOURCE+A.0001x", "live": False})
    [message] = stack_violations("live-course-has-published-page", [course, draft])
    assert "no published CMS page" in message
    hidden = (rules.MITX_COURSE, {"readable_id": "course-v1:X+Y", "live": False})
    assert stack_violations("live-course-has-published-page", [hidden]) == []


def test_removing_a_course_from_a_contract_is_flagged() -> None:
    kept = {"contract_id": 21, "courses": ["course-v1:UAI_SOURCE+A"]}
    assert violations("contract-course-removal", rules.COURSEWARE, kept) == []
    dropping = {**kept, "courses_removed": ["course-v1:UAI_SOURCE+B"]}
    [message] = violations("contract-course-removal", rules.COURSEWARE, dropping)
    assert "drops course-v1:UAI_SOURCE+B" in message and "stop working" in message
    assert POLICIES["contract-course-removal"].enforcement_level.value == "advisory"


A, B = "course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI_SOURCE+A.0002x"
AI = "program-v1:UAI+AI"


def _program_stack(required: list[str], elective: list[str], *, existing: list[str] | None = None) -> list[Any]:
    return [
        (
            rules.MITX_RUN,
            {"course": A, "is_source_run": True, "courseware_id": f"{A}+SOURCE"},
        ),
        (rules.PROGRAM, {"readable_id": AI, "required": required, "elective": elective}),
        (rules.COURSEWARE, {"contract_id": 1, "programs": [AI], "existing_courses": existing or []}),
    ]


def test_a_program_in_a_contract_needs_a_required_course_with_a_source_run() -> None:
    assert stack_violations("program-in-contract-has-required-source", _program_stack([A], [])) == []
    assert stack_violations("program-in-contract-has-required-source", _program_stack([B], [], existing=[B])) == []
    [found] = stack_violations("program-in-contract-has-required-source", _program_stack([], [A]))
    assert AI in found and "requirements.required" in found
    [found] = stack_violations("program-in-contract-has-required-source", _program_stack([B], [A]))
    assert "none of its required courses has a source run" in found


def test_a_program_no_contract_sells_is_not_checked() -> None:
    resources = _program_stack([], [A])[:2]
    assert stack_violations("program-in-contract-has-required-source", resources) == []


def test_removing_a_program_says_whether_learners_keep_its_runs() -> None:
    kept = violations("contract-course-removal", rules.COURSEWARE, {"programs_removed": [AI]})
    assert kept == [
        f"the contract unlinks program {AI}; its runs stay and learners keep them (remove_program_runs: false)"
    ]
    [retired] = violations(
        "contract-course-removal", rules.COURSEWARE, {"programs_removed": [AI], "remove_program_runs": True}
    )
    assert "runs of its courses are retired" in retired
