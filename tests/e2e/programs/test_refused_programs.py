"""Bad program declarations are refused by `pulumi preview` before any platform call,
each with the stack-file key and the fix (issue 26): an unknown course, a course with no
source run, a duplicate readable_id, a bad `program-v1:` key, a program listed twice in
one contract."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import REPO, STACKS, PulumiProject
from tests.sandbox.helpers import Sandbox

A, B = "course-v1:UAI_SOURCE+RPA.1x", "course-v1:UAI_SOURCE+RPB.1x"
PROGRAM = "program-v1:UAI+REFUSED"


def _source(course: str, **mitxonline: Any) -> dict[str, Any]:
    return {
        "course_key": f"{course}+SOURCE",
        "title": "Refused program course",
        "start": "2026-01-05T00:00:00Z",
        "end": "2030-12-31T00:00:00Z",
        **({"mitxonline": mitxonline} if mitxonline else {}),
    }


VALID: dict[str, Any] = {
    "source_courses": [_source(A), _source(B)],
    "programs": [{"readable_id": PROGRAM, "title": "Refused", "requirements": {"required": [A], "elective": [B]}}],
    "organizations": [{"org_key": "REFUSEDP", "name": "Refused Programs"}],
    "contracts": [
        {
            "organization": "REFUSEDP",
            "name": "Refused",
            "membership_type": "code",
            "max_learners": 1,
            "programs": [PROGRAM],
        }
    ],
}

Change = Callable[[dict[str, Any]], None]
CASES: list[tuple[str, Change, str, str]] = [
    (
        "unknown course",
        lambda c: c["programs"][0]["requirements"]["required"].append("course-v1:UAI_SOURCE+NOPE.1x"),
        "catalog.programs[0].requirements.required[1]",
        "is not a declared source course; declare its source run under catalog.source_courses",
    ),
    (
        "course with no source run",
        lambda c: c["source_courses"][1].update(mitxonline={"is_source_run": False}),
        "catalog.programs[0].requirements.elective[0]",
        "has no source run",
    ),
    (
        "duplicate readable_id",
        lambda c: c["programs"].append({"readable_id": PROGRAM, "title": "Again"}),
        "catalog.programs[1].readable_id",
        "is declared more than once (also at catalog.programs[0].readable_id); keep one",
    ),
    (
        "bad program key",
        lambda c: c["programs"][0].update(readable_id="course-v1:UAI+REFUSED"),
        "catalog.programs[0].readable_id",
        "is not a program id; write program-v1:ORG+NAME, for example program-v1:UAI+AI",
    ),
    (
        "program twice in a contract",
        lambda c: c["contracts"][0]["programs"].append(PROGRAM),
        "catalog.contracts[0].programs[1]",
        "is declared more than once (also at catalog.contracts[0].programs[0])",
    ),
]


@pytest.mark.parametrize(("case", "change", "key", "said"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_program_declaration_is_refused_by_preview(
    tmp_path: Path, sandbox: Sandbox, case: str, change: Change, key: str, said: str
) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="refused")
    project.use_sandbox(sandbox.info)
    catalog = copy.deepcopy(VALID)
    change(catalog)
    project.set_config("catalog", catalog)
    start = len(sandbox.log())
    refused = project.preview(expect=None)
    assert refused.exit_code != 0, refused
    assert f"{key}: " in refused.stdout and said in refused.stdout, refused
    assert sandbox.log()[start:] == [], case  # refused before any platform call


def test_a_program_without_a_required_course_is_refused_by_the_policy_pack(tmp_path: Path, sandbox: Sandbox) -> None:
    """The catalog takes a program of electives only; the pack's mandatory
    `program-in-contract-has-required-source` refuses selling it to a contract."""
    project = PulumiProject(tmp_path, STACKS, stack="refused")
    project.use_sandbox(sandbox.info)
    catalog = copy.deepcopy(VALID)
    catalog["programs"][0]["requirements"] = {"required": [], "elective": [A, B]}
    project.set_config("catalog", catalog)
    refused = project.preview("--policy-pack", str(REPO / "policies"), expect=None)
    assert refused.exit_code != 0, refused
    assert "program-in-contract-has-required-source" in refused.stdout, refused
    assert f"program {PROGRAM} is in a contract but none of its required courses has a source run" in refused.stdout
