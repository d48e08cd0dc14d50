"""CI tooling through the real CLI (issue 7): the policy pack, the plan summary, drift."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import REPO, STACKS, PulumiProject, Result
from tests.sandbox.helpers import Sandbox

SOURCE_KEY = "course-v1:UAI_SOURCE+A.0001x+SOURCE"


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory, module_sandbox: Sandbox) -> PulumiProject:
    """The sandbox stack, applied once for the module."""
    project = PulumiProject(
        tmp_path_factory.mktemp("ci"), STACKS, stack="sandbox", stack_file=STACKS / "Pulumi.sandbox.yaml"
    )
    project.use_sandbox(module_sandbox.info)
    project.up()
    return project


def courseware(project: PulumiProject, *args: str, stdin: str | None = None) -> Result:
    argv = ["courseware", *args]
    done = subprocess.run(
        argv, cwd=project.root, env=project.env, capture_output=True, text=True, input=stdin, timeout=600
    )
    return Result(argv, done.returncode, done.stdout, done.stderr)


def catalog(project: PulumiProject) -> dict[str, Any]:
    return copy.deepcopy(project.config_value("catalog"))


def studio_patch(sandbox: Sandbox, key: str, body: dict[str, Any]) -> None:
    with sandbox.studio() as studio:
        answer = studio.patch(f"/api/v1/course_runs/{key}/", json=body)
    assert answer.status_code == 200, answer.text


def test_drift_is_found_named_and_cleared(applied: PulumiProject, module_sandbox: Sandbox) -> None:
    in_sync = courseware(applied, "drift", "--stack", "sandbox")
    assert in_sync.exit_code == 0, in_sync
    assert "No drift" in in_sync.stdout

    # Someone renames the source run in Studio.
    studio_patch(module_sandbox, SOURCE_KEY, {"title": "Renamed by hand"})
    drifted = courseware(applied, "drift", "--stack", "sandbox", "--json")
    assert drifted.exit_code == 2, drifted
    report = json.loads(drifted.stdout)
    edx = [r for r in report if r["type"] == "pulumi-python:dynamic/edx:CourseRun"]
    assert edx == [
        {
            "urn": edx[0]["urn"],
            "type": "pulumi-python:dynamic/edx:CourseRun",
            "name": SOURCE_KEY,
            "status": "drifted",
            "fields": [{"field": "title", "declared": "Intro to Courses", "live": "Renamed by hand"}],
        }
    ]

    # The next up (refreshing first, as the drift job's fix does) restores the declaration.
    applied.up("--refresh")
    again = courseware(applied, "drift", "--stack", "sandbox")
    assert again.exit_code == 0, again


def test_plan_summary_lists_changed_title_and_seats(applied: PulumiProject) -> None:
    declared = catalog(applied)
    try:
        changed = copy.deepcopy(declared)
        changed["source_courses"][0]["title"] = "Intro to Courses, 2nd edition"
        changed["contracts"][1]["max_learners"] = 20
        applied.set_config("catalog", changed)
        preview = applied.run("preview", "--json")
        summary = courseware(applied, "plan-summary", stdin=preview.stdout)
        assert summary.exit_code == 0, summary
        text = summary.stdout
        assert "| title | `Intro to Courses` | `Intro to Courses, 2nd edition` |" in text
        assert "| max_learners | `15` | `20` |" in text
        assert "Warning" not in text, text  # in-place updates only: nothing replaced or deleted
        assert "__provider" not in text
        # The contract keeps its id through a seat change: the codes' row shows the seats
        # only, not "contract_id `19` → (known after apply)" (issue 24).
        assert "contract_id" not in text and "known after apply" not in text, text
    finally:
        applied.set_config("catalog", declared)


def test_policy_pack_stops_a_code_contract_without_seats(applied: PulumiProject, module_sandbox: Sandbox) -> None:
    declared = catalog(applied)
    try:
        seatless = copy.deepcopy(declared)
        seatless["contracts"][1].pop("max_learners")
        applied.set_config("catalog", seatless)
        before = len(module_sandbox.log())
        result = applied.run("preview", "--policy-pack", str(REPO / "policies"), expect=None)
        assert result.exit_code != 0, result
        assert "code-contract-seat-limit" in result.stdout
        assert "University of Enrollment Codes Contract" in result.stdout
        assert [e for e in module_sandbox.log()[before:] if e["kind"] == "command"] == []
        # The declared stack passes the mandatory policies.
        applied.set_config("catalog", declared)
        clean = applied.run("preview", "--policy-pack", str(REPO / "policies"), expect=None)
        assert clean.exit_code == 0, clean
    finally:
        applied.set_config("catalog", declared)


def test_plan_summary_refuses_input_that_is_not_a_preview(applied: PulumiProject) -> None:
    result = courseware(applied, "plan-summary", stdin="not json")
    assert result.exit_code == 1
    assert "pulumi preview --json" in result.stderr


def test_drift_reports_errors_with_exit_1(tmp_path: Path, applied: PulumiProject) -> None:
    result = courseware(applied, "drift", "--stack", "no-such-stack")
    assert result.exit_code == 1
    assert "no-such-stack" in result.stderr
