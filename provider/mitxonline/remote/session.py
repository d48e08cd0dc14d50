"""The command session: one `manage.py shell` that runs many management commands.

Every `manage.py` process pays Django's start-up, about 20 s on a real deployment
(docs/platforms/mitxonline.md §2), while the commands themselves take milliseconds. The
provider starts `<manageCommand> shell --no-imports -c <this module>` once and sends it
one request per command, a JSON line on stdin (`{"id", "argv", "stdin"}`); `serve` runs
each through Django's `call_command` and answers with one frame on stdout:

    courseware-session <session id> {"id", "exit", "stdout", "stderr", "elapsed"}

`exit` is what the same command as its own process would exit with: 0, 1 for a
`CommandError` (2 for an argument error, which `call_command` raises as `CommandError(
"Error: ...")`), the code of a `sys.exit`, 1 with the traceback for any other exception.
`stdout` and `stderr` are what the command wrote, through `stdout=`/`stderr=` and
straight to `sys.stdout`/`sys.stderr` (rich prints there), and the records of logging
handlers that write to the process's own stdout or stderr: MITx Online's structlog
goes through a `logging.StreamHandler` made at start-up, which holds the process's
stderr itself, so redirecting `sys.stderr` alone would leave its records in the
session's stream instead of the command's. The command reads the
request's `stdin` as `sys.stdin`. Django's database connections are closed after each
command, as a new process would have them.

The frames go out on a private copy of the process's stdout; file descriptor 1 itself
is pointed at stderr, so nothing a command writes around `sys.stdout` can land among
them. A line without the marker is never a frame. Only this channel, stdin and stdout
are used: it works through `kubectl exec -i` (no port, no file on the pod).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

FRAME = "courseware-session"
# Set for the session's process, so a deployment's logs (and the sandbox's) can tell
# which session a command ran in.
SESSION_VARIABLE = "COURSEWARE_SESSION"


def run_request(
    call_command: Callable[..., Any], command_error: type[BaseException], request: dict[str, Any]
) -> dict[str, Any]:
    """Run one request; its result, as the standalone command would have ended."""
    out, err = io.StringIO(), io.StringIO()
    name, *args = [str(word) for word in request["argv"]]
    started = time.monotonic()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(request.get("stdin") or "")
    # The process's own streams, before this command's redirections replace them.
    own = {id(sys.stdout): out, id(sys.__stdout__): out, id(sys.stderr): err, id(sys.__stderr__): err}
    try:
        with (
            _log_handlers_writing_to(own),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            status = _call(call_command, command_error, name, args, out, err)
    finally:
        sys.stdin = saved_stdin
    return {
        "id": request["id"],
        "exit": status,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "elapsed": round(time.monotonic() - started, 6),
    }


def _stream_handlers() -> Iterator[logging.StreamHandler[Any]]:
    """Every stream handler with a stream of its own attached to a logger (the root
    logger included), once."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        logger for logger in list(logging.Logger.manager.loggerDict.values()) if isinstance(logger, logging.Logger)
    ]
    seen: set[int] = set()
    for logger in loggers:
        for handler in list(logger.handlers):
            # A handler whose stream is a property (logging's last resort) reads
            # `sys.stderr` when it writes: the redirection reaches it already.
            fixed = not isinstance(getattr(type(handler), "stream", None), property)
            if isinstance(handler, logging.StreamHandler) and fixed and id(handler) not in seen:
                seen.add(id(handler))
                yield handler


@contextlib.contextmanager
def _log_handlers_writing_to(streams: dict[int, io.StringIO]) -> Iterator[None]:
    """Point each handler whose stream is one of `streams` (keyed by the id of the
    process's stream) at its replacement while the command runs, then back."""
    moved: list[tuple[logging.StreamHandler[Any], Any]] = []
    for handler in _stream_handlers():
        target = streams.get(id(handler.stream))
        if target is not None:
            moved.append((handler, handler.stream))
            handler.setStream(target)
    try:
        yield
    finally:
        for handler, stream in reversed(moved):
            handler.setStream(stream)


def _call(
    call_command: Callable[..., Any],
    command_error: type[BaseException],
    name: str,
    args: list[str],
    out: TextIO,
    err: TextIO,
) -> int:
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as leaving:
        if leaving.code is None:
            return 0
        if isinstance(leaving.code, int):
            return leaving.code
        err.write(f"{leaving.code}\n")
        return 1
    except Exception as error:
        if not isinstance(error, command_error):
            err.write(traceback.format_exc())
            return 1
        message = str(error)
        if message.startswith("Error: "):
            # What argparse prints for the same mistake on the command line (exit 2).
            err.write(f"manage.py {name}: error: {message.removeprefix('Error: ')}\n")
            return 2
        err.write(f"CommandError: {message}\n")
        code = getattr(error, "returncode", 1)
        return code if isinstance(code, int) and code else 1
    return 0


def serve_streams(
    requests: Iterable[str],
    frames: TextIO,
    session: str,
    call_command: Callable[..., Any],
    command_error: type[BaseException],
    after_each: Callable[[], None],
) -> None:
    """Answer each request line with one frame until `requests` ends; a line that is not
    a request gets an error frame (`id` null), so the provider restarts the session."""
    write = _framer(frames, session)
    write({"ready": True, "pid": os.getpid()})
    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("argv"), list) or not request["argv"]:
                raise ValueError("a request is an object with a non-empty argv")
        except ValueError as error:
            write({"id": None, "error": f"bad request: {error}"})
            continue
        try:
            result = run_request(call_command, command_error, request)
        finally:
            after_each()
        write(result)


def _framer(frames: TextIO, session: str) -> Callable[[dict[str, Any]], None]:
    def write(value: dict[str, Any]) -> None:
        frames.write(f"{FRAME} {session} {json.dumps(value)}\n")
        frames.flush()

    return write


def close_connections() -> None:
    """Django's database connections closed, as they are at the end of a process."""
    from django.db import connections

    connections.close_all()


def serve(session: str) -> None:
    """The session's main loop on this process's stdin and stdout (see the module)."""
    from django.core.management import CommandError, call_command

    os.environ[SESSION_VARIABLE] = session
    sys.stdout.flush()
    frames = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    # Kept before any command runs: each command gets its request's text as `sys.stdin`.
    requests = sys.stdin
    with frames:
        serve_streams(requests, frames, session, call_command, CommandError, close_connections)
