"""Failures and interruptions through the real Pulumi CLI (issue 8, items 1 and 2).

The provider-level matrix (`test_write_steps.py`) covers every write step; these cases
prove what only the engine shows: the message of a failed `pulumi up`, and that the
next `pulumi up` converges, after a hard failure, after SIGINT and after SIGKILL of the
CLI, with no duplicate contract (a `-2` slug) and no duplicate or lost run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject, Result, stop_session
from tests.faults.conftest import commands_of, contract, source_course
from tests.sandbox.helpers import Sandbox

SOURCE = "course-v1:UAI_SOURCE+F.0001x+SOURCE"
COURSE = "course-v1:UAI_SOURCE+F.0001x"


def _project(tmp_path: Path, sandbox: Sandbox, org: str) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="faults")
    project.use_sandbox(sandbox.info)
    project.set_config(
        "catalog",
        {
            # Every test of this module declares the same source course: the first up
            # creates it, later stacks adopt it as it is (it matches).
            "source_courses": [source_course(SOURCE)],
            "organizations": [{"org_key": org, "name": f"Org {org}"}],
            "contracts": [contract(org, f"{org} Contract", [COURSE], protect=False)],
        },
    )
    return project


def _contracts(sandbox: Sandbox, org: str) -> list[dict[str, Any]]:
    """Every contract of `org`, from the platform's own listing."""
    done = subprocess.run(
        [*sandbox.info["manage_command"], "b2b_list", "contracts"],
        capture_output=True,
        text=True,
        check=True,
        # Wide, so no cell is cut (docs/platforms/mitxonline.md §6).
        env={**os.environ, "COLUMNS": "1000"},
    )
    return [{"line": line} for line in done.stdout.splitlines() if f"Org {org} " in line]


def _assert_converged(project: PulumiProject, sandbox: Sandbox, org: str) -> None:
    project.preview("--expect-no-changes")
    outputs = project.outputs(show_secrets=True)
    summary = outputs[f"contract:{org}/{org} Contract"]
    assert summary["slug"] == f"{org.lower()}-contract"  # not `-2`: no duplicate
    assert len(_contracts(sandbox, org)) == 1
    [run] = summary["run_keys"]
    assert run.startswith(f"course-v1:UAI_{org}+F.0001x+1T{summary['contract_id']}C")
    assert summary["code_count"] == 3 and len(outputs[f"codes:{org}/{org} Contract"]) == 3
    # One contract run, one add: nothing was made twice.
    adds = [argv for argv in commands_of(sandbox, "b2b_courseware", "add") if str(summary["contract_id"]) in argv]
    assert len({tuple(argv) for argv in adds}) == 1


def test_hard_failures_fail_up_with_a_clear_message_and_the_next_up_converges(
    tmp_path: Path, fresh_sandbox: Sandbox
) -> None:
    project = _project(tmp_path, fresh_sandbox, "HARD")
    fresh_sandbox.fault(
        "--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/",
        "--status", "503", "--body", '{"detail": "Studio is down for maintenance"}', "--times", "99",
    )  # fmt: skip
    failed = project.up(expect=None)
    assert failed.exit_code != 0, str(failed)
    text = failed.stdout + failed.stderr
    # The resource, the step and the platform's answer.
    assert f"edx:CourseRun ({SOURCE})" in text or f"edx:CourseRun::{SOURCE}" in text, text
    assert f"create {SOURCE}: POST" in text and "answered 503" in text and "Studio is down" in text, text
    fresh_sandbox.clear_faults()

    fresh_sandbox.fault(
        "--command", "b2b_courseware add", "--fail", "--times", "99", "--body", "CommandError: MITx Online is down"
    )
    failed = project.up(expect=None)
    assert failed.exit_code != 0, str(failed)
    text = failed.stdout + failed.stderr
    assert "mitxonline:ContractCourseware" in text and f"add {COURSE} to contract" in text, text
    assert "exited 1" in text and "MITx Online is down" in text, text
    fresh_sandbox.clear_faults()

    project.up()
    _assert_converged(project, fresh_sandbox, "HARD")


def _wait_for_command(sandbox: Sandbox, words: tuple[str, ...], count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(commands_of(sandbox, *words)) < count:
        assert time.monotonic() < deadline, f"{words} did not finish"
        time.sleep(0.2)


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_interrupted_up_then_the_next_up_converges(tmp_path: Path, fresh_sandbox: Sandbox, how: str) -> None:
    org = f"INT{how[3:]}"
    project = _project(tmp_path, fresh_sandbox, org)
    imports_before = len(commands_of(fresh_sandbox, "b2b_contract", "import"))
    # The contract's import takes 3 s more: the CLI is interrupted while it runs.
    rule = fresh_sandbox.fault("--command", "b2b_contract import", "--latency", "3")
    # In a session of its own: what the CLI starts can be found and stopped after it.
    process = project.popen("up", "--yes", "--skip-preview")
    try:
        fresh_sandbox.wait_until_fired(rule["id"])
        process.send_signal(signal.SIGINT if how == "SIGINT" else signal.SIGKILL)
        output, _ = process.communicate(timeout=300)
        assert process.returncode != 0, output
        # The import runs to its end whatever happened to the CLI (it is another process,
        # like a `kubectl exec` already under way): the contract exists, maybe unrecorded.
        _wait_for_command(fresh_sandbox, ("b2b_contract", "import"), imports_before + 1)
    finally:
        # After SIGKILL the provider (`python -m pulumi.dynamic`) and the language host
        # outlive the CLI, each in a process group of its own: kill its whole session.
        stop_session(process)
    # Nothing the interrupted CLI started survives: found by the stack's own directory,
    # not by the session, so a process that left the session would be seen too.
    _assert_nothing_left(project)
    fresh_sandbox.clear_faults()

    recovered = _recover(project, killed=how == "SIGKILL")
    assert recovered.exit_code == 0, str(recovered)
    # Nothing left in an unknown state: later runs do not warn about pending operations.
    assert not project.export()["deployment"].get("pending_operations")
    _assert_converged(project, fresh_sandbox, org)
    assert len(project.resources("pulumi-python:dynamic/mitxonline:Contract")) == 1
    _assert_nothing_left(project)


def _assert_nothing_left(project: PulumiProject, grace: float = 10) -> None:
    """No process started for `project` still runs (a CLI that exited normally stops its
    plugins itself; `grace` lets them finish exiting)."""
    deadline = time.monotonic() + grace
    while (left := project.processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"processes of {project.root} still running: {left}"


def _recover(project: PulumiProject, *, killed: bool) -> Result:
    """The documented recovery (docs/reliability.md, "Interrupted runs").

    After SIGINT the CLI finishes what was under way and records it: `pulumi up` again.
    After SIGKILL the file backend keeps the run's lock and its pending creates: remove
    the lock (`pulumi cancel`, once no `pulumi` process of this stack is running), drop
    the pending creates (`refresh --clear-pending-creates`: every create here looks its
    object up first, so the up finds and adopts whatever the killed run made), then up.
    """
    if killed:
        project.run("cancel", "--yes")
        project.refresh("--clear-pending-creates")
    return project.up(expect=None)
