"""The shipped stack files, through the real CLI against a fresh sandbox (issue 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import STACKS, PulumiProject, change_summary
from tests.sandbox.helpers import Sandbox, start_sandbox

PROGRAM = STACKS  # stacks/__main__.py is the program; the harness copies the folder
SHIPPED = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS.glob("Pulumi.*.yaml"))


def shipped(tmp_path: Path, stack: str, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, PROGRAM, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
    project.use_sandbox(sandbox.info)
    return project


def test_every_workflow_and_the_sandbox_are_shipped() -> None:
    assert SHIPPED == [
        "codes-contract",
        "idp-contract",
        "program-contract",
        "sandbox",
        "single-course",
        "uai-source",
    ]


@pytest.fixture(scope="module")
def with_source_course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox holding the runbook's source course, as the workflow stacks expect: they
    name it under `existing_source_courses`, and preview looks it up (issue 28)."""
    running = start_sandbox(tmp_path_factory.mktemp("shipped-sandbox"), "--clone-delay", "0.2")
    try:
        shipped(tmp_path_factory.mktemp("uai-source"), "uai-source", running).up()
        yield running
    finally:
        running.cli("stop")


@pytest.mark.parametrize("stack", SHIPPED)
def test_shipped_stack_previews_cleanly(tmp_path: Path, stack: str, with_source_course: Sandbox) -> None:
    before = len(with_source_course.log())
    project = shipped(tmp_path, stack, with_source_course)
    summary = change_summary(project.run("preview", "--json"))
    # Everything is to be created; nothing errors, and a preview runs no command.
    assert summary.get("create", 0) >= 2, summary
    assert set(summary) <= {"create"}, summary
    assert [e for e in with_source_course.log()[before:] if e["kind"] == "command"] == []


def test_a_workflow_stack_without_its_source_course_is_refused_by_preview(
    tmp_path: Path, module_sandbox: Sandbox
) -> None:
    """Applied before `uai-source`, a workflow's contract would be made and its courseware
    would then fail on the missing course; preview says so first (issue 28)."""
    project = shipped(tmp_path, "codes-contract", module_sandbox)
    refused = project.preview(expect=None)
    assert refused.exit_code != 0, refused
    assert "course-v1:UAI_SOURCE+A.0001x does not exist in MITx Online" in refused.stdout, refused
    assert "catalog.existing_source_courses" in refused.stdout, refused


def test_sandbox_stack_applies_and_then_has_no_changes(tmp_path: Path, module_sandbox: Sandbox) -> None:
    project = shipped(tmp_path, "sandbox", module_sandbox)
    project.up()
    outputs = project.outputs()
    contracts = {k.removeprefix("contract:"): v for k, v in outputs.items() if k.startswith("contract:")}
    assert set(contracts) == {
        "IDPU/IDP University Contract",
        "UCODE/University of Enrollment Codes Contract",
        "BIGCO/BigCo Codes Contract",
    }
    for label, contract in contracts.items():
        org = label.split("/")[0]
        [run] = contract["run_keys"]
        assert run.startswith(f"course-v1:UAI_{org}+A.0001x+1T{contract['contract_id']}C")
        assert run.endswith("_en")
    assert "code_count" not in contracts["IDPU/IDP University Contract"]
    assert contracts["UCODE/University of Enrollment Codes Contract"]["code_count"] == 15
    # The secret output is encrypted in state and masked in outputs.
    assert outputs["codes:UCODE/University of Enrollment Codes Contract"] == "[secret]"

    commands = len([e for e in module_sandbox.log() if e["kind"] == "command"])
    project.preview("--expect-no-changes")
    assert len([e for e in module_sandbox.log() if e["kind"] == "command"]) == commands
