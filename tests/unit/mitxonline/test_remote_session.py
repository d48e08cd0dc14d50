"""The session runner (provider/mitxonline/remote/session.py), in-process with a fake
`call_command`: each request's exit status as the standalone command would give it,
its output captured whichever way it is written, its own stdin."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from provider.mitxonline.remote import session


class CommandError(Exception):
    """Django's CommandError, as the runner is given it."""


def call_command(name: str, *args: str, stdout: io.StringIO, stderr: io.StringIO) -> None:
    if name == "tables":
        print("printed straight to sys.stdout")  # as rich does in b2b_list
        stdout.write("written through stdout=\n")
        sys.stderr.write("a log record\n")
    elif name == "refuse":
        raise CommandError("Contract with ID '9' does not exist.")
    elif name == "usage":
        raise CommandError("Error: unrecognized arguments: --bogus")
    elif name == "leave":
        sys.exit(int(args[0]))
    elif name == "crash":
        raise RuntimeError("boom")
    elif name == "read":
        stdout.write(sys.stdin.read().upper())


def run(*argv: str, stdin: str | None = None) -> dict[str, Any]:
    return session.run_request(call_command, CommandError, {"id": 7, "argv": list(argv), "stdin": stdin})


def test_output_printed_to_sys_stdout_and_through_stdout_is_the_commands_stdout() -> None:
    result = run("tables")
    assert (result["id"], result["exit"]) == (7, 0)
    assert result["stdout"] == "printed straight to sys.stdout\nwritten through stdout=\n"
    assert result["stderr"] == "a log record\n"
    assert result["elapsed"] >= 0


@pytest.mark.parametrize(
    ("argv", "status", "stderr"),
    [
        (("refuse",), 1, "CommandError: Contract with ID '9' does not exist.\n"),
        (("usage",), 2, "manage.py usage: error: unrecognized arguments: --bogus\n"),
        (("leave", "3"), 3, ""),
        (("leave", "0"), 0, ""),
    ],
)
def test_exit_status_is_the_standalone_commands(argv: tuple[str, ...], status: int, stderr: str) -> None:
    result = run(*argv)
    assert (result["exit"], result["stderr"]) == (status, stderr)


def test_any_other_exception_is_exit_1_with_its_traceback() -> None:
    result = run("crash")
    assert result["exit"] == 1
    assert result["stderr"].startswith("Traceback") and result["stderr"].rstrip().endswith("RuntimeError: boom")


def test_each_command_reads_its_own_stdin_and_the_sessions_is_untouched() -> None:
    before = sys.stdin
    assert run("read", stdin='{"version": 1}')["stdout"] == '{"VERSION": 1}'
    assert run("read")["stdout"] == ""
    assert sys.stdin is before


def test_serve_answers_each_request_with_one_frame_and_closes_connections_after_each() -> None:
    closed: list[int] = []
    requests = [json.dumps({"id": n, "argv": ["leave", str(n)], "stdin": None}) + "\n" for n in (1, 2)]
    frames = io.StringIO()
    session.serve_streams(
        ["\n", *requests, "not json\n"], frames, "abc", call_command, CommandError, lambda: closed.append(1)
    )
    lines = frames.getvalue().splitlines()
    assert all(line.startswith("courseware-session abc {") for line in lines)
    values = [json.loads(line.removeprefix("courseware-session abc ")) for line in lines]
    assert values[0]["ready"] is True
    assert [(v["id"], v["exit"]) for v in values[1:3]] == [(1, 1), (2, 2)]
    assert values[3]["id"] is None and "bad request" in values[3]["error"]
    assert closed == [1, 1]


# Logging handlers made at start-up hold the process's own streams (MITx Online's
# structlog goes through one `logging.StreamHandler()`, made on the real stderr).


@pytest.fixture
def start_up_handlers() -> Iterator[tuple[logging.Logger, logging.StreamHandler[Any], logging.StreamHandler[Any]]]:
    """A logger with two handlers made as Django's LOGGING makes them, before any command:
    one on the process's stderr, one on its stdout."""
    logger = logging.getLogger("tests.remote_session.b2b")
    on_stderr = logging.StreamHandler()
    on_stdout = logging.StreamHandler(sys.stdout)
    on_stdout.addFilter(lambda record: record.levelno < logging.WARNING)
    on_stderr.addFilter(lambda record: record.levelno >= logging.WARNING)
    logger.addHandler(on_stderr)
    logger.addHandler(on_stdout)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, on_stderr, on_stdout
    logger.removeHandler(on_stderr)
    logger.removeHandler(on_stdout)


def test_a_log_record_of_a_handler_on_the_process_stderr_is_the_commands_stderr(
    start_up_handlers: tuple[logging.Logger, logging.StreamHandler[Any], logging.StreamHandler[Any]],
) -> None:
    logger, on_stderr, on_stdout = start_up_handlers
    process_stderr, process_stdout = on_stderr.stream, on_stdout.stream

    def logs(name: str, *args: str, stdout: io.StringIO, stderr: io.StringIO) -> None:
        stderr.write("before\n")
        logger.warning("Created discount %s", args[0])
        logger.info("Checking codes")
        stderr.write("after\n")

    first = session.run_request(logs, CommandError, {"id": 1, "argv": ["b2b_codes", "CODE-1"], "stdin": None})
    second = session.run_request(logs, CommandError, {"id": 2, "argv": ["b2b_codes", "CODE-2"], "stdin": None})
    # In order with what the command wrote itself, and each record in its own command's result.
    assert first["stderr"] == "before\nCreated discount CODE-1\nafter\n"
    assert second["stderr"] == "before\nCreated discount CODE-2\nafter\n"
    assert first["stdout"] == second["stdout"] == "Checking codes\n"
    # Between commands the handlers write where they did.
    assert (on_stderr.stream, on_stdout.stream) == (process_stderr, process_stdout)


def test_a_handler_on_another_stream_is_left_alone(
    start_up_handlers: tuple[logging.Logger, logging.StreamHandler[Any], logging.StreamHandler[Any]],
) -> None:
    logger, on_stderr, _ = start_up_handlers
    elsewhere = io.StringIO()
    on_stderr.setStream(elsewhere)

    def logs(name: str, *args: str, stdout: io.StringIO, stderr: io.StringIO) -> None:
        logger.warning("to a file of its own")

    result = session.run_request(logs, CommandError, {"id": 1, "argv": ["x"], "stdin": None})
    assert result["stderr"] == ""
    assert elsewhere.getvalue() == "to a file of its own\n"
