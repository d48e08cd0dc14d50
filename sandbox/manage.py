"""`courseware-sandbox manage`: one emulated `manage.py` invocation.

It needs only the store, so it works while the server is stopped (except commands that
call edX over HTTP). The start-up delay simulates Django's ~20 s boot (docs/platforms/mitxonline.md
§2), once per process: a command session (`sandbox.session`) pays it once for all
its commands. Every process start is logged (`kind: process`); command fault rules are
applied around the command.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
import traceback
from pathlib import Path

from sandbox import faults, log, session
from sandbox.context import AppContext, CommandContext
from sandbox.mitxonline import commands, console
from sandbox.settings import load_context
from sandbox.state import prepare_state


def run_manage(state_dir: Path, argv: list[str]) -> int:
    """Run one command; returns the process exit status (0-255). The log's entry of the
    process gets that status when it ends, or 130 when SIGINT stops it (a command
    session's process, the only long-lived one, should end by end-of-input instead)."""
    started = time.monotonic()
    db = prepare_state(state_dir)
    base = load_context(db, state_dir)
    entry = log.record_process(db, argv=argv)
    code = 1
    try:
        code = _run_process(db, state_dir, base, argv, started)
    except KeyboardInterrupt:
        code = 130
        raise
    finally:
        log.record_process_end(db, entry, exit_code=code, duration_ms=(time.monotonic() - started) * 1000)
    return code


def _run_process(db: sqlite3.Connection, state_dir: Path, base: AppContext, argv: list[str], started: float) -> int:
    time.sleep(base.settings.command_delay)
    rule = faults.fire_command(db, argv)
    if rule and rule.latency:
        time.sleep(rule.latency)
    if rule and rule.drop_connection and not rule.applied_then_error:
        os.kill(os.getpid(), signal.SIGKILL)
    if rule and rule.fail:
        sys.stderr.write((rule.body or f"CommandError: sandbox fault {rule.id}: {argv[0]} failed") + "\n")
        code = 1
    else:
        ctx = CommandContext(
            db=db,
            state_dir=state_dir,
            urls=base.urls,
            settings=base.settings,
            stdout=sys.stdout,
            stderr=sys.stderr,
            # The live environment, not a copy: rich reads `COLUMNS` when a command draws
            # its table, so code run by `shell -c` that sets it first is obeyed (docs/platforms/mitxonline.md §6).
            env=os.environ,
            log=console.process_log(sys.stderr),
        )
        code = _run(argv, ctx)
        if rule and rule.applied_then_error:
            if rule.drop_connection:
                os.kill(os.getpid(), signal.SIGKILL)
            sys.stdout.flush()
            sys.stderr.write((rule.body or f"CommandError: sandbox fault {rule.id}: failed after running") + "\n")
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    code %= 256  # `exit(-1)` is 255 to the shell (docs/platforms/mitxonline.md §3)
    if session.SESSION_VARIABLE not in os.environ:
        # A session's commands were logged one by one (`sandbox.session`); its process
        # start is the entry above.
        log.record_command(
            db,
            argv=argv,
            exit_code=code,
            duration_ms=(time.monotonic() - started) * 1000,
            fault_id=rule.id if rule else None,
        )
    return code


def _run(argv: list[str], ctx: CommandContext) -> int:
    """An uncaught exception is a traceback and exit 1, as with a real `manage.py`."""
    try:
        return commands.run(argv, ctx)
    except SystemExit as exc:  # argparse errors (exit 2) and explicit exits
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        ctx.stderr.write(f"{exc.code}\n")
        return 1
    except Exception:
        traceback.print_exc(file=ctx.stderr)
        return 1
