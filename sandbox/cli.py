"""`courseware-sandbox`: start, stop, manage, log, fault, status and edX admin commands.

The contract of `start`, `stop`, `manage`, `log` and `fault` is documented in
docs/sandbox.md; tests and the product rely on it exactly.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from sandbox import faults
from sandbox import log as request_log
from sandbox.edx import admin
from sandbox.faults import APPS
from sandbox.http import without_httpx_command_line
from sandbox.manage import run_manage
from sandbox.settings import load_context, load_settings, set_value
from sandbox.state import CredentialsMismatch, prepare_state

StateDir = click.option(
    "--state-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding the sandbox's SQLite store, pid file and server log.",
)


# _lifecycle_imported_late: `start`, `stop` and `status` import sandbox.lifecycle, and with
# it the server and httpx (about 0.15 s of CPU), inside the command. The provider starts
# one `manage` process for each of its own processes that writes to MITx Online, and the
# test suite thousands; they need none of it (docs/ci.md, "Where the time goes").


def _emit(value: Any) -> None:
    click.echo(json.dumps(value))


def _manage_command(state_dir: Path) -> list[str]:
    """An argv list that runs `manage` for this state directory."""
    script = Path(sys.executable).parent / "courseware-sandbox"
    found = str(script) if script.exists() else shutil.which("courseware-sandbox")
    prefix = [found] if found else [sys.executable, "-m", "sandbox.cli"]
    return [*prefix, "manage", "--state-dir", str(state_dir)]


def _connection_info(state_dir: Path) -> dict[str, Any]:
    ctx = load_context(prepare_state(state_dir), state_dir)
    credentials = ctx.settings.credentials
    return {
        "edx_lms_url": ctx.urls.edx_lms_url,
        "edx_studio_url": ctx.urls.edx_studio_url,
        "mitxonline_url": ctx.urls.mitxonline_url,
        "edx_client_id": credentials.edx_client_id,
        "edx_client_secret": credentials.edx_client_secret,
        "mitxonline_api_key": credentials.mitxonline_api_key,
        "manage_command": _manage_command(state_dir),
    }


@click.group()
def main() -> None:
    """A local stand-in for edX (LMS, Studio) and MITx Online."""
    without_httpx_command_line()


@main.command()
@StateDir
@click.option("--port-base", type=click.IntRange(1, 65533), help="LMS on N, Studio on N+1, MITx Online on N+2.")
@click.option("--command-delay", type=click.FloatRange(min=0), help="Seconds each `manage` command sleeps first.")
@click.option("--clone-delay", type=click.FloatRange(min=0), help="Seconds before an asynchronous edX clone runs.")
@click.option(
    "--celery-concurrency",
    type=click.IntRange(min=1),
    help="Clone tasks MITx Online's Celery worker runs at once (default 4; 1 runs them one by one).",
)
@click.option("--edx-client-id", help="Use this OAuth client id instead of a generated one (new state only).")
@click.option("--edx-client-secret", help="Use this OAuth client secret instead of a generated one (new state only).")
@click.option("--mitxonline-api-key", help="Use this API key instead of a generated one (new state only).")
def start(
    state_dir: Path,
    port_base: int | None,
    command_delay: float | None,
    clone_delay: float | None,
    celery_concurrency: int | None,
    edx_client_id: str | None,
    edx_client_secret: str | None,
    mitxonline_api_key: str | None,
) -> None:
    """Start the server in the background (once) and print its connection line."""
    from sandbox import lifecycle  # see _lifecycle_imported_late

    state_dir = state_dir.resolve()
    seed = {
        "edx_client_id": edx_client_id or "",
        "edx_client_secret": edx_client_secret or "",
        "mitxonline_api_key": mitxonline_api_key or "",
    }
    with lifecycle.state_lock(state_dir):
        try:
            db = prepare_state(state_dir, seed)
        except CredentialsMismatch as exc:
            raise click.ClickException(str(exc)) from None
        if command_delay is not None:
            set_value(db, "command_delay", str(command_delay))
        if clone_delay is not None:
            set_value(db, "clone_delay", str(clone_delay))
        if celery_concurrency is not None:
            set_value(db, "celery_concurrency", str(celery_concurrency))
        try:
            lifecycle.start(state_dir, port_base)
        except lifecycle.StartError as exc:
            raise click.ClickException(str(exc)) from None
    _emit(_connection_info(state_dir))


@main.command()
@StateDir
def stop(state_dir: Path) -> None:
    """Stop the server of this state directory (the state stays)."""
    from sandbox import lifecycle  # see _lifecycle_imported_late

    state_dir = state_dir.resolve()
    with lifecycle.state_lock(state_dir):
        stopped = lifecycle.stop(state_dir)
    _emit({"stopped": stopped})


@main.command()
@StateDir
def status(state_dir: Path) -> None:
    """Whether the server runs, its connection line and the LMS service-worker credentials."""
    from sandbox import lifecycle  # see _lifecycle_imported_late

    state_dir = state_dir.resolve()
    pid = lifecycle.running_pid(state_dir)
    credentials = load_settings(prepare_state(state_dir)).credentials
    _emit(
        {
            "running": pid is not None,
            "pid": pid,
            **_connection_info(state_dir),
            # MITx Online reads the LMS as this user with this Bearer token (docs/platforms/edx.md §5).
            "edx_service_username": credentials.edx_service_username,
            "edx_service_token": credentials.edx_service_token,
        }
    )


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@StateDir
@click.argument("argv", nargs=-1, required=True, type=click.UNPROCESSED)
def manage(state_dir: Path, argv: tuple[str, ...]) -> None:
    """Run an emulated MITx Online management command: COMMAND [ARGS...]."""
    sys.exit(run_manage(state_dir.resolve(), list(argv)))


@main.command("log")
@StateDir
def show_log(state_dir: Path) -> None:
    """Print one JSON line per HTTP request and per command."""
    db = prepare_state(state_dir.resolve())
    for entry in request_log.entries(db):
        _emit(entry)


@main.group()
def fault() -> None:
    """Add, list and clear fault rules."""


@fault.command("add")
@StateDir
@click.option("--app", type=click.Choice(APPS), help="Only requests to this port.")
@click.option("--method", help="HTTP method to match (any when omitted).")
@click.option("--path", help="Glob matched against the whole request path, e.g. '/api/v1/course_runs/*'.")
@click.option("--path-regex", help="Regular expression matched against the whole path instead of a glob.")
@click.option("--command", "command_name", help="Command to match: its leading words, e.g. 'b2b_contract create'.")
@click.option("--status", type=click.IntRange(100, 599), help="Answer with this status instead of handling.")
@click.option("--retry-after", help="Retry-After header value sent with --status.")
@click.option("--body", help="Body of the fault answer, or the stderr text of a failed command.")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, help="Seconds to wait before going on.")
@click.option(
    "--drop",
    is_flag=True,
    help="Close the connection without an answer; a command's process is killed (SIGKILL), before "
    "the work or, with --applied-then-error, after it.",
)
@click.option("--fail", is_flag=True, help="Command: exit 1 without running it.")
@click.option(
    "--applied-then-error",
    is_flag=True,
    help="Do the work, then answer --status (default 500) or --drop; a command exits 1.",
)
@click.option("--times", type=click.IntRange(min=1), default=1, show_default=True, help="How many times it fires.")
def fault_add(
    state_dir: Path,
    app: str | None,
    method: str | None,
    path: str | None,
    path_regex: str | None,
    command_name: str | None,
    status: int | None,
    retry_after: str | None,
    body: str | None,
    latency: float,
    drop: bool,
    fail: bool,
    applied_then_error: bool,
    times: int,
) -> None:
    """Add a rule and print it as JSON."""
    is_http = path is not None or path_regex is not None
    if is_http == (command_name is not None) or (path is not None and path_regex is not None):
        raise click.UsageError("give exactly one of --path, --path-regex or --command")
    if is_http and fail:
        raise click.UsageError("--fail is for commands; use --status or --drop for HTTP")
    if not is_http and (status or retry_after or app or method):
        raise click.UsageError("--status, --retry-after, --app and --method are for HTTP rules")
    if not (status or latency or drop or fail or applied_then_error):
        raise click.UsageError("give an effect: --status, --latency, --drop, --fail or --applied-then-error")
    rule = faults.add_rule(
        prepare_state(state_dir.resolve()),
        app=app,
        method=method.upper() if method else None,
        path=path_regex or path,
        path_is_regex=int(path_regex is not None),
        command=command_name,
        status=status,
        retry_after=retry_after,
        body=body,
        latency=latency,
        drop_connection=int(drop),
        fail=int(fail),
        applied_then_error=int(applied_then_error),
        remaining=times,
    )
    _emit(rule.to_json())


@fault.command("list")
@StateDir
def fault_list(state_dir: Path) -> None:
    """Print every rule (spent ones included) as JSON lines."""
    for rule in faults.list_rules(prepare_state(state_dir.resolve())):
        _emit(rule.to_json())


@fault.command("clear")
@StateDir
def fault_clear(state_dir: Path) -> None:
    """Remove every rule."""
    _emit({"cleared": faults.clear_rules(prepare_state(state_dir.resolve()))})


main.add_command(admin.edx)


if __name__ == "__main__":
    main()
