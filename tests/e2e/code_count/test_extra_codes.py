"""The number of enrollment codes is part of the declaration (issue 14, item 3).

Seats raised by hand, `b2b_codes validate` run, seats put back: the contract holds
twice the codes its stack declares. `courseware drift` and `preview --refresh
--expect-no-changes` report it; `up` stops before any write, says what to do, and loses
no code; once the seats are declared, `up` converges. Codes deleted by hand are made
again by `up`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, commands_since, courseware, sandbox_codes
from tests.sandbox.helpers import Sandbox

CODES = "pulumi-python:dynamic/mitxonline:EnrollmentCodes"


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def by_hand(sandbox: Sandbox, *argv: str) -> None:
    done = sandbox.manage(*argv)
    assert done.returncode == 0, done.stdout + done.stderr


def count_drift(project: PulumiProject) -> list[dict[str, object]]:
    report = courseware(project, "drift", "--stack", "e2e", "--json")
    assert report.exit_code == 2, report
    return [field for r in json.loads(report.stdout) if r["type"] == CODES for field in r["fields"]]


def test_extra_codes_are_reported_and_never_deleted(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = CodeContract(courses=1, seats=5)
    project.set_config("catalog", declared.catalog())
    project.up()
    contract_id = project.outputs()[f"contract:{declared.label}"]["contract_id"]

    by_hand(sandbox, "b2b_contract", "modify", str(contract_id), "--max-learners", "10")
    by_hand(sandbox, "b2b_codes", "validate", "--contract", str(contract_id))
    by_hand(sandbox, "b2b_contract", "modify", str(contract_id), "--max-learners", "5")
    codes = sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id))
    assert len(codes) == 10

    assert count_drift(project) == [{"field": "count", "declared": 5, "live": 10}]
    # Preview refuses what `up` would (issue 28): the refreshed count is more than the
    # declaration keeps, so the codes' check names it, before any command.
    gate = project.preview("--refresh", "--expect-no-changes", expect=None)
    assert gate.exit_code != 0 and "10 enrollment codes" in gate.stdout, gate

    start = len(sandbox.log())
    refused = project.up("--refresh", expect=None)
    assert refused.exit_code != 0, refused
    assert "b2b_codes validate" not in commands_since(sandbox, start)
    assert "10 enrollment codes" in refused.stdout and "max_learners: 10" in refused.stdout, refused
    assert sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id)) == codes

    # The organization did get ten seats: declaring them converges, keeping every code.
    project.set_config("catalog", declared.catalog(max_learners=10))
    project.up("--refresh")
    assert sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id)) == codes
    project.preview("--refresh", "--expect-no-changes")

    # Codes deleted by hand are missing codes: reported, then made again by `up`.
    by_hand(sandbox, "b2b_codes", "expire", "--contract", str(contract_id), "--expire")
    assert count_drift(project) == [{"field": "count", "declared": 10, "live": 0}]
    project.up("--refresh")
    assert len(sandbox_codes(sandbox, contract_id)) == 10
    project.preview("--refresh", "--expect-no-changes")
