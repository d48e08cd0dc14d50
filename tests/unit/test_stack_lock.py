"""`provider/stack_lock.py`: reading a stack's locks and telling whether their runs live
(the refusal of `courseware unlock`; the PostgreSQL path is in tests/e2e/team)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from provider.errors import ConfigurationError, StackInUse
from provider.stack_lock import (
    StackLock,
    held_by_live_runs,
    leftovers_of_killed_runs,
    lock_prefix,
    processes_of_run,
    read_locks,
)

BACKEND = "file:///nowhere/" + uuid.uuid4().hex


def _write_lock(backend: Path, stack: str, pid: int, hostname: str) -> None:
    directory = backend / lock_prefix("courseware", stack)
    directory.mkdir(parents=True)
    content = {"pid": pid, "username": "alice", "hostname": hostname, "timestamp": "2026-12-04T15:00:00Z"}
    (directory / "8c0e.json").write_text(json.dumps(content))


def test_reads_the_locks_of_a_file_backend(tmp_path: Path) -> None:
    _write_lock(tmp_path, "production", 4242, "laptop")
    [lock] = read_locks(f"file://{tmp_path}", "courseware", "production")
    assert (lock.pid, lock.username, lock.hostname) == (4242, "alice", "laptop")
    assert read_locks(f"file://{tmp_path}", "courseware", "staging") == []


def test_an_unsupported_backend_is_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigurationError, match="file:// and postgres://"):
        read_locks("s3://bucket", "courseware", "production")


def test_a_live_session_of_the_lock_holder_blocks_and_a_finished_one_does_not() -> None:
    # A shell leading its own session stands for a CLI the test harness started; its
    # child stands for the plugins a killed CLI leaves running in that session.
    leader = subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True)
    lock = StackLock("k", leader.pid, "alice", socket.gethostname(), "t")
    try:
        deadline = time.monotonic() + 30
        # Until the forked child has become `sleep` (before its exec it is still `sh`).
        while ": sleep 60" not in "\n".join(processes_of_run(leader.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(StackInUse, match=r"still alive(.|\n)*: sleep 60"):
            held_by_live_runs([lock], BACKEND)
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
    deadline = time.monotonic() + 30
    while processes_of_run(leader.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    held_by_live_runs([lock], BACKEND)


def test_a_lock_of_another_machine_needs_that_machine_checked() -> None:
    lock = StackLock("k", os.getpid(), "bob", "ci-runner-7", "t")
    with pytest.raises(StackInUse, match="--checked-host ci-runner-7"):
        held_by_live_runs([lock], BACKEND)
    held_by_live_runs([lock], BACKEND, checked_hosts=("ci-runner-7",))


def test_plugins_of_a_killed_run_of_the_backend_block_whatever_their_session() -> None:
    # Stands for a provider whose CLI was killed: its command line names pulumi, its
    # environment the backend, and no `pulumi` CLI is among its ancestors.
    plugin = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "pulumi-resource-stand-in"],
        env={**os.environ, "PULUMI_BACKEND_URL": BACKEND},
    )
    lock = StackLock("k", 0, "alice", socket.gethostname(), "t")
    try:
        deadline = time.monotonic() + 30
        while not leftovers_of_killed_runs(BACKEND) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [line.split(":")[0] for line in leftovers_of_killed_runs(BACKEND)] == [str(plugin.pid)]
        assert leftovers_of_killed_runs(BACKEND + "-other") == []
        with pytest.raises(StackInUse, match="plugins of a killed `pulumi` run"):
            held_by_live_runs([lock], BACKEND)
    finally:
        plugin.kill()
        plugin.wait()
    held_by_live_runs([lock], BACKEND)
