"""Removing a course from a contract is a declared change that says what learners lose
(issue 14, items 1 and 10): `courseware plan-summary` names the run that is retired, how
many unused codes are deleted and that codes already sent stop working; the policy pack
flags it (advisory, mandatory by config); `up` does exactly that; declaring the course
again makes a new `2T` run with new codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, commands_since, courseware, sandbox_codes
from tests.sandbox.helpers import Sandbox


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def test_removing_a_course_is_spelled_out(project: PulumiProject, sandbox: Sandbox, tmp_path: Path) -> None:
    declared = CodeContract(courses=2, seats=3)
    project.set_config("catalog", declared.catalog())
    project.up()
    contract = project.outputs()[f"contract:{declared.label}"]
    contract_id, kept, dropped = contract["contract_id"], declared.courses[0], declared.courses[1]
    [retired] = [key for key in contract["run_keys"] if dropped.removeprefix("course-v1:UAI_SOURCE+") in key]
    assert len(sandbox_codes(sandbox, contract_id)) == 6

    project.set_config("catalog", declared.catalog(courses=[kept]))
    start = len(sandbox.log())
    preview = project.run("preview", "--json")
    summary = courseware(project, "plan-summary", stdin=preview.stdout)
    assert summary.exit_code == 0, summary
    assert (
        f"drops `{dropped}`: contract run `{retired}` is retired (no longer live, enrollment closed), its 3 unused "
        "enrollment code(s) are deleted, and codes already sent to learners for it stop working"
    ) in summary.stdout, summary.stdout

    policies = ["--policy-pack", str(REPO / "policies")]
    advisory = project.preview(*policies)
    assert "contract-course-removal" in advisory.stdout and f"drops {dropped}" in advisory.stdout, advisory
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"contract-course-removal": "mandatory"}))
    mandatory = project.preview(*policies, "--policy-pack-config", str(config), expect=None)
    assert mandatory.exit_code != 0, mandatory
    assert commands_since(sandbox, start) == []  # previews run no command

    project.up()
    left = sandbox_codes(sandbox, contract_id)
    assert len(left) == 3 and all(row["Course Run"] != retired for row in left)
    project.preview("--expect-no-changes")

    # Declared again, the course gets a new contract run (`2T`) and new codes.
    project.set_config("catalog", declared.catalog())
    project.up()
    [again] = [
        key
        for key in project.outputs()[f"contract:{declared.label}"]["run_keys"]
        if key != retired and dropped.removeprefix("course-v1:UAI_SOURCE+") in key
    ]
    assert "+2T" in again, again
    assert len(sandbox_codes(sandbox, contract_id)) == 6
