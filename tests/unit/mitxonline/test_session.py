"""Command sessions (provider/mitxonline/session.py) against a real process that runs the
real runner with fake commands (fake_manage.py): one start for many commands, and a
session that dies, hangs or answers garbage is killed, reported like a process, and
replaced by a new one for the next command."""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider.errors import CommandFailed, CommandTimedOut
from provider.mitxonline.session import SessionPool
from provider.mitxonline.transport import ManageCommand

PREFIX = (sys.executable, str(Path(__file__).with_name("fake_manage.py")))


@pytest.fixture
def pool() -> Iterator[SessionPool]:
    sessions = SessionPool(PREFIX, 1)
    yield sessions
    sessions.close()


def manage(pool: SessionPool, timeout: float = 20.0) -> ManageCommand:
    return ManageCommand(PREFIX, timeout, pool)


def test_many_commands_share_one_process_and_keep_their_own_outcome(pool: SessionPool) -> None:
    runs = manage(pool)
    first = runs.run("echo", "a", "b")
    assert (first.exit_code, first.stdout) == (0, "printed a b\nwritten a b\n")
    with pytest.raises(CommandFailed) as caught:
        runs.run("exit", "3")
    assert caught.value.exit_code == 3
    assert runs.run("stray").exit_code == 0  # a write to fd 1 is not a frame, and is no output
    assert runs.run("echo", "c").stdout == "printed c\nwritten c\n"
    assert pool.started == 1


@pytest.mark.parametrize("failure", ["die", "garble"])
def test_a_session_that_dies_or_answers_garbage_is_a_failed_command_then_replaced(
    pool: SessionPool, failure: str
) -> None:
    runs = manage(pool)
    runs.run("echo", "x")
    with pytest.raises(CommandFailed) as caught:
        runs.run(failure)
    assert type(caught.value) is CommandFailed  # transient: the recovery path re-reads
    assert "may have run" in caught.value.stderr
    assert runs.run("echo", "after").exit_code == 0
    assert pool.started == 2


def test_a_hung_session_is_killed_at_the_timeout_and_replaced() -> None:
    """Killed, not only released: a hung `manage.py shell` left running would hold its
    Django process (and, through `kubectl exec`, a pod's resources) until the provider
    ends, and a slow command inside it could still write."""
    processes: list[subprocess.Popen[str]] = []

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[str]:
        processes.append(subprocess.Popen(*args, **kwargs))
        return processes[-1]

    pool = SessionPool(PREFIX, 1, popen=popen)
    try:
        runs = manage(pool, timeout=3.0)
        runs.run("echo", "x")
        with pytest.raises(CommandTimedOut):
            runs.run("hang")
        # Ended by the time the timeout is reported: no wait here.
        assert processes[0].poll() is not None
        assert runs.run("echo", "after").exit_code == 0
        assert pool.started == 2 and len(processes) == 2
        assert processes[1].poll() is None
    finally:
        pool.close()


def test_a_prefix_that_does_not_start_a_session_is_a_failed_command() -> None:
    pool = SessionPool((sys.executable, "-c", "import sys; sys.exit('no manage.py here')"), 1)
    runs = ManageCommand(pool.prefix, 10.0, pool)
    with pytest.raises(CommandFailed) as caught:
        runs.run("echo", "x")
    assert "no manage.py here" in caught.value.stderr and "did not start" in caught.value.stderr


def test_concurrent_commands_use_at_most_the_pool_size() -> None:
    sessions = SessionPool(PREFIX, 2)
    try:
        runs = manage(sessions)
        with concurrent.futures.ThreadPoolExecutor(4) as threads:
            done = list(threads.map(lambda n: runs.run("echo", str(n)).stdout, range(8)))
        assert done == [f"printed {n}\nwritten {n}\n" for n in range(8)]
        assert 1 <= sessions.started <= 2
    finally:
        sessions.close()


def test_closing_the_pool_ends_its_sessions(pool: SessionPool) -> None:
    manage(pool).run("echo", "x")
    [session] = pool._idle
    pool.close()
    assert session.process.poll() is not None
