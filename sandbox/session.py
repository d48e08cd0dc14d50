"""Commands run inside the provider's command session (`manage shell` serving requests).

The provider can start `manage.py shell --no-imports -c <runner>` once and send it many
commands, each run through `call_command` (provider/mitxonline/remote/session.py). The
runner sets `COURSEWARE_SESSION=<id>` in its process. A command it calls is, to this
log and to the fault rules, a command of its own: logged with its argv, exit status,
time and the session id, and matched by `fault add --command`, as `manage` does for a
process. What such a command calls in turn (`shell -c` code calling `b2b_list`) stays
part of it. The start-up delay is the process's, paid once (`manage.run_manage`).

Fault rules inside a session: `--latency` sleeps first (a hung command); `--fail`
prints the body and leaves with `sys.exit(1)`; `--applied-then-error` does the work
first; `--drop-connection` ends the whole process with SIGKILL, before the work or (with
`--applied-then-error`) after it: a session killed mid-command, or a dropped stream.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sandbox import faults, log
from sandbox.context import CommandContext
from sandbox.mitxonline.commands.base import CommandError

SESSION_VARIABLE = "COURSEWARE_SESSION"

_depth = 0  # commands of one process run one at a time


def session_of(ctx: CommandContext) -> str | None:
    """The id of the session this process serves, or None."""
    return ctx.env.get(SESSION_VARIABLE) or None


@contextmanager
def _nested() -> Iterator[int]:
    global _depth
    _depth += 1
    try:
        yield _depth
    finally:
        _depth -= 1


def call_in_session(ctx: CommandContext, argv: list[str], run: Callable[[], None]) -> None:
    """`run()` the command `argv`; when it is a command of a session (not one called by
    another command), with the session's fault rules and its own line in the log."""
    session = session_of(ctx)
    with _nested() as depth:
        if session is None or depth > 1:
            run()
            return
        started = time.monotonic()
        rule = faults.fire_command(ctx.db, argv)
        code = 1
        try:
            if rule and rule.latency:
                time.sleep(rule.latency)
            if rule and rule.drop_connection and not rule.applied_then_error:
                _die(ctx, argv, session, started, rule.id)
            if rule and rule.fail:
                # The command's own stderr: the runner captures `sys.stderr` around it.
                sys.stderr.write((rule.body or f"CommandError: sandbox fault {rule.id}: {argv[0]} failed") + "\n")
                sys.exit(1)
            run()
            if rule and rule.applied_then_error:
                if rule.drop_connection:
                    _die(ctx, argv, session, started, rule.id)
                sys.stderr.write((rule.body or f"CommandError: sandbox fault {rule.id}: failed after running") + "\n")
                sys.exit(1)
            code = 0
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else 0 if leaving.code is None else 1
            raise
        except CommandError as error:
            code = 2 if str(error).startswith("Error: ") else 1
            raise
        finally:
            log.record_command(
                ctx.db,
                argv=argv,
                exit_code=code,
                duration_ms=(time.monotonic() - started) * 1000,
                fault_id=rule.id if rule else None,
                session=session,
            )


def _die(ctx: CommandContext, argv: list[str], session: str, started: float, fault_id: int) -> None:
    """The process ends at once, as a killed `kubectl exec` would; the log says so first."""
    duration_ms = (time.monotonic() - started) * 1000
    log.record_command(ctx.db, argv=argv, exit_code=-9, duration_ms=duration_ms, fault_id=fault_id, session=session)
    os.kill(os.getpid(), signal.SIGKILL)
