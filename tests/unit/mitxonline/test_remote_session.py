"""The session runner (provider/mitxonline/remote/session.py), in-process with a fake
`call_command`: each request's exit status as the standalone command would give it,
its output captured whichever way it is written, its own stdin."""

from __future__ import annotations

import io
import json
import sys
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
