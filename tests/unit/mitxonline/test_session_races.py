"""Command sessions (provider/mitxonline/session.py) under the orderings a real process
makes rare: an in-memory process whose output the test hands out line by line, and
events, never sleeps, to put each thread where the race needs it."""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from provider.mitxonline import session as sessions
from provider.mitxonline.remote import session as runner
from provider.mitxonline.session import Session, SessionPool

PREFIX = ("manage.py",)
WAIT_S = 10.0  # a bound on each wait, so a regression fails instead of hanging


class Lines:
    """A process's stdout or stderr: lines handed out as the test puts them, then EOF
    (`end`). Like a real file, reading after `close` raises ValueError."""

    def __init__(self) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.closed = False
        self.closed_by: list[threading.Thread] = []

    def put(self, line: str) -> None:
        self._lines.put(line)

    def end(self) -> None:
        self._lines.put(None)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        line = self._lines.get(timeout=WAIT_S)
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if line is None:
            raise StopIteration
        return line

    def close(self) -> None:
        self.closed = True
        self.closed_by.append(threading.current_thread())

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Requests:
    """The process's stdin: each request is answered on stdout with exit 0, or refused
    with BrokenPipeError once the process has ended."""

    def __init__(self, process: FakeProcess) -> None:
        self.process = process
        self.written: list[dict[str, Any]] = []

    def write(self, text: str) -> int:
        if self.process.returncode is not None:
            raise BrokenPipeError(32, "Broken pipe")
        request = json.loads(text)
        self.written.append(request)
        self.process.answer({"id": request["id"], "exit": 0, "stdout": "", "stderr": ""})
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeProcess:
    """A `shell` running the runner: ready at once; `end` is the process ending by
    itself (its pipes reach EOF); `kill` ends it the same way."""

    def __init__(self, argv: list[str]) -> None:
        found = re.search(r"serve\('([0-9a-f]+)'\)", argv[-1])
        assert found, argv[-1]
        self.session = found.group(1)
        self.returncode: int | None = None
        self.stdout = Lines()
        self.stderr = Lines()
        self.stdin = Requests(self)
        self.answer({"ready": True, "pid": 1})

    def answer(self, frame: dict[str, Any]) -> None:
        self.stdout.put(f"{runner.FRAME} {self.session} {json.dumps(frame)}\n")

    def end(self, code: int) -> None:
        self.returncode = code
        self.stdout.end()
        self.stderr.end()

    def poll(self) -> int | None:
        return self.returncode

    def kill(self) -> None:
        self.end(-9)

    def wait(self, timeout: float | None = None) -> int:
        assert self.returncode is not None, "waited for a process that was not ended"
        return self.returncode


class Processes:
    """The `popen` of the tests: every process it started, in order."""

    def __init__(self) -> None:
        self.started: list[FakeProcess] = []

    def __call__(self, argv: list[str], **options: object) -> FakeProcess:
        process = FakeProcess(argv)
        self.started.append(process)
        return process


@pytest.fixture
def popen() -> Iterator[Processes]:
    """The tests' `popen`. At the end every process still running ends (EOF on its
    pipes), so no reader thread outlives its test: a reader left waiting would fail, on
    its own timer, in whichever test runs then."""
    processes = Processes()
    yield processes
    for process in processes.started:
        if process.returncode is None:
            process.end(0)


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException | None]:
    """Exceptions that escape a thread (what Python would print as a traceback)."""
    caught: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: caught.append(args.exc_value))
    return caught


def test_a_killed_sessions_streams_are_closed_by_their_readers_only(
    popen: Processes, thread_errors: list[BaseException | None]
) -> None:
    """A reader between two lines when another thread closed its stream raised
    ValueError in that thread: an intermittent traceback on the provider's stderr."""
    session = Session(PREFIX, timeout=WAIT_S, popen=popen)  # type: ignore[arg-type]
    [process] = popen.started
    process.stderr.put("Django's last words\n")
    session.kill()
    # kill() returns once the readers took the output to its end.
    assert not any(reader.is_alive() for reader in session._readers)
    assert session.stderr_tail() == "Django's last words\n"
    assert process.stdout.closed_by == [session._readers[0]]
    assert process.stderr.closed_by == [session._readers[1]]
    assert thread_errors == []


def test_the_report_of_a_session_that_died_mid_command_has_its_stderr_to_the_end(popen: Processes) -> None:
    """The stderr reader may still be on the session's last lines when the frame reader
    sees EOF; the failed command's report waits for them to be read."""
    pool = SessionPool(PREFIX, 1, popen=popen)  # type: ignore[arg-type]
    assert pool(["manage.py", "b2b_list"], timeout=WAIT_S, stdin=None).exit_code == 0
    [process] = popen.started
    busy, release = threading.Event(), threading.Event()

    class HoldFirstLine(logging.Handler):
        """Keeps the stderr reader on its first line until the process was waited for."""

        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().endswith("stderr: first"):
                busy.set()
                release.wait(WAIT_S)

    def die(text: str) -> int:
        process.stderr.put("Traceback: the session's last words\n")
        process.end(-11)  # no frame: stdout reaches EOF
        return len(text)

    def wait(timeout: float | None = None) -> int:
        release.set()
        return FakeProcess.wait(process, timeout)

    holder = HoldFirstLine()
    level = sessions._log.level
    sessions._log.addHandler(holder)
    sessions._log.setLevel(logging.DEBUG)
    try:
        process.stderr.put("first\n")
        assert busy.wait(WAIT_S)
        process.stdin.write = die  # type: ignore[method-assign]
        process.wait = wait  # type: ignore[method-assign]
        done = pool(["manage.py", "b2b_contract", "import", "x.json"], timeout=WAIT_S, stdin=None)
    finally:
        sessions._log.removeHandler(holder)
        sessions._log.setLevel(level)
        release.set()
    assert done.exit_code == -1
    assert "may have run" in done.stderr
    assert "first\nTraceback: the session's last words\n" in done.stderr


def test_a_session_that_ended_while_idle_is_replaced_before_the_command_is_sent(popen: Processes) -> None:
    """Nothing of a command was in it: the command runs in a new session instead of
    failing as "maybe applied"."""
    pool = SessionPool(PREFIX, 1, popen=popen)  # type: ignore[arg-type]
    assert pool(["manage.py", "b2b_list"], timeout=WAIT_S, stdin=None).exit_code == 0
    popen.started[0].end(137)  # the exec stream dropped between two commands
    done = pool(["manage.py", "b2b_contract", "import", "x.json"], timeout=WAIT_S, stdin=None)
    assert done.exit_code == 0
    assert pool.started == 2
    first, second = popen.started
    assert [r["argv"] for r in first.stdin.written] == [["b2b_list"]]
    assert [r["argv"] for r in second.stdin.written] == [["b2b_contract", "import", "x.json"]]
