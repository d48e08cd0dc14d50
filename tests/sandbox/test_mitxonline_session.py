"""The provider's command session run by the sandbox's `shell` (issue 15): one process
start and one start-up delay for many commands, each logged as a command with its
session, and fault rules applied per command inside the session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from provider.errors import CommandFailed, CommandRefused
from provider.mitxonline.session import SessionPool
from provider.mitxonline.transport import ManageCommand
from tests.sandbox.helpers import Sandbox, start_sandbox


@pytest.fixture
def slow_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = start_sandbox(tmp_path / "state", "--command-delay", "1")
    yield box
    box.cli("stop")


def test_one_process_start_serves_many_commands_each_logged_with_its_session(slow_sandbox: Sandbox) -> None:
    prefix = tuple(slow_sandbox.info["manage_command"])
    pool = SessionPool(prefix, 1)
    runs = ManageCommand(prefix, 60, pool)
    try:
        runs.run("b2b_list", "organizations")
        with pytest.raises(CommandRefused):
            runs.run("b2b_contract", "modify", "999", "--active")
        runs.run("b2b_list", "contracts")
    finally:
        pool.close()
    entries = [e for e in slow_sandbox.log() if e["kind"] != "http"]
    [process] = [e for e in entries if e["kind"] == "process"]
    commands = [e for e in entries if e["kind"] == "command"]
    assert [(c["argv"][:2], c["exit_code"]) for c in commands] == [
        (["b2b_list", "organizations"], 0),
        (["b2b_contract", "modify"], 1),
        (["b2b_list", "contracts"], 0),
    ]
    [session] = {c["session"] for c in commands}
    assert isinstance(session, str) and session
    assert {c["pid"] for c in commands} == {process["pid"]}
    # The one-second start-up is the process's: no command pays it.
    assert all(c["duration_ms"] < 1000 for c in commands)


def test_a_failing_command_leaves_with_sys_exit_and_the_session_goes_on(slow_sandbox: Sandbox) -> None:
    prefix = tuple(slow_sandbox.info["manage_command"])
    pool = SessionPool(prefix, 1)
    runs = ManageCommand(prefix, 60, pool)
    slow_sandbox.fault("--command", "b2b_list contracts", "--fail", "--body", "CommandError: sandbox says no")
    try:
        with pytest.raises(CommandFailed) as caught:
            runs.run("b2b_list", "contracts")
        assert (caught.value.exit_code, caught.value.stderr) == (1, "CommandError: sandbox says no\n")
        assert runs.run("b2b_list", "contracts").exit_code == 0
    finally:
        pool.close()
    assert pool.started == 1


def test_a_dropped_session_is_a_failed_command_and_the_next_one_starts_a_new_session(slow_sandbox: Sandbox) -> None:
    prefix = tuple(slow_sandbox.info["manage_command"])
    pool = SessionPool(prefix, 1)
    runs = ManageCommand(prefix, 60, pool)
    slow_sandbox.fault("--command", "b2b_list contracts", "--drop")
    try:
        with pytest.raises(CommandFailed) as caught:
            runs.run("b2b_list", "contracts")
        assert "may have run" in caught.value.stderr
        assert runs.run("b2b_list", "contracts").exit_code == 0
    finally:
        pool.close()
    assert pool.started == 2
    commands = [e for e in slow_sandbox.log() if e["kind"] == "command"]
    assert [c["exit_code"] for c in commands] == [-9, 0]
    assert len({c["session"] for c in commands}) == 2


def test_log_records_of_a_command_in_a_session_are_in_its_own_stderr(slow_sandbox: Sandbox) -> None:
    """MITx Online's structlog records go through a handler made on the process's stderr
    at start-up (`sandbox.mitxonline.console.process_log`); in a session each command's
    records are in that command's stderr, as they would be in its own process."""
    prefix = tuple(slow_sandbox.info["manage_command"])
    pool = SessionPool(prefix, 1)
    runs = ManageCommand(prefix, 60, pool)
    try:
        stderrs = [
            runs.run("b2b_contract", "create", org, "Some Contract", "managed", "--create", "--org-key", org).stderr
            for org in ("FIRSTORG", "SECONDORG")
        ]
    finally:
        pool.close()
    assert pool.started == 1
    records = [[json.loads(line) for line in stderr.splitlines() if line.startswith("{")] for stderr in stderrs]
    assert [[(r["event"], r["logger"]) for r in found] for found in records] == [
        [("Got organization None", "b2b.management.commands.b2b_contract")],
    ] * 2
