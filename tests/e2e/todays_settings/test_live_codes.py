"""`courseware codes` writes the codes MITx Online holds now (issue 25).

It used to print the codes saved in state by the last `up`, with exit 0, for a contract
whose codes had been deleted since. It now reads them (one command, with the stack
file's settings), says when the state and the platform differ, and exits 1 when codes
of the state are gone. The command sessions it and the engine start end through their
stdin: MITx Online's process exits 0, never by a signal."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, courseware, sandbox_codes
from tests.sandbox.helpers import Sandbox

# How long a session may take to see its stdin close once the run that used it ended.
SESSION_END_S = 20.0


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def sheet(printed: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(printed)))


def session_ends(sandbox: Sandbox, start: int) -> list[Any]:
    """The exit status of every command session started since log entry `start`, once
    each has ended (None for one still running after SESSION_END_S)."""
    deadline = time.monotonic() + SESSION_END_S
    while True:
        sessions = [e for e in sandbox.log()[start:] if e["kind"] == "process" and e["argv"][0] == "shell"]
        ends = [e["exit_code"] for e in sessions]
        if None not in ends or time.monotonic() > deadline:
            return ends
        time.sleep(0.2)


def test_codes_are_read_live_and_missing_ones_fail(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = CodeContract(courses=1, seats=3)
    project.set_config("catalog", declared.catalog())
    start = len(sandbox.log())
    project.up()
    # The run's command session ended by end-of-input, not by the engine's SIGINT.
    assert session_ends(sandbox, start) == [0]
    contract_id = project.outputs()[f"contract:{declared.label}"]["contract_id"]
    held = sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id))
    assert len(held) == 3

    start = len(sandbox.log())
    printed = courseware(project, "codes", declared.label, "--stack", "e2e")
    assert printed.exit_code == 0, printed
    assert sorted(row["code"] for row in sheet(printed.stdout)) == held
    assert printed.stderr == "", printed
    commands = [e for e in sandbox.log()[start:] if e["kind"] == "command"]
    assert len(commands) == 1, commands  # one read of the contract's codes
    assert session_ends(sandbox, start) == [0]

    # Someone deletes the unused codes by hand.
    expired = sandbox.manage("b2b_codes", "expire", "--contract", str(contract_id), "--expire")
    assert expired.returncode == 0, expired.stdout + expired.stderr
    assert sandbox_codes(sandbox, contract_id) == []
    gone = courseware(project, "codes", str(contract_id), "--stack", "e2e")
    assert gone.exit_code == 1, gone
    assert sheet(gone.stdout) == []  # what MITx Online holds: nothing
    assert "3 code(s) of the stack's state no longer exist in MITx Online" in gone.stderr, gone
    for code in held:
        assert code not in gone.stderr  # counts only: the codes are secrets


def test_codes_with_a_wrong_manage_command_name_the_key(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = CodeContract(courses=1, seats=2)
    project.set_config("catalog", declared.catalog())
    project.up()
    settings = project.config_value("mitxonline")
    project.set_config("mitxonline", {**settings, "manageCommand": ["/nonexistent/manage.py"]})
    failed = courseware(project, "codes", declared.label, "--stack", "e2e")
    assert failed.exit_code == 1, failed
    assert "`courseware:mitxonline` manageCommand" in failed.stderr, failed
    assert failed.stdout == ""


def test_a_refresh_without_preview_starts_one_session_that_exits_0(project: PulumiProject, sandbox: Sandbox) -> None:
    """The documented refresh (`--skip-preview`): one engine pass, one provider process,
    one command session; with its preview pass, `refresh --yes` would start two."""
    declared = CodeContract(courses=1, seats=2)
    project.set_config("catalog", declared.catalog())
    project.up()
    start = len(sandbox.log())
    project.run("refresh", "--yes", "--skip-preview", "--run-program")
    assert session_ends(sandbox, start) == [0]
