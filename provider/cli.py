"""The `courseware` command: CI reports on top of the Pulumi CLI.

courseware plan-summary [FILE]          markdown for a pull-request comment, from
                                        `pulumi preview --json` (FILE or stdin)
courseware drift [--stack S] [--json]   refresh in preview mode, with the stack file's
                                        settings, and report drift; exit 0 in sync,
                                        2 drift found, 1 error
courseware summary [--stack S]          what the stack's last apply left: source
                                        courses, contracts, contract runs, codes
courseware adopt [--stack S] SELECTION  write the catalog of what exists into the stack
                                        file, to take it over (docs/adopting.md)
courseware codes CONTRACT [--csv FILE]  a contract's enrollment codes as CSV, as MITx
                                        Online holds them; exit 1 when codes of the
                                        state are gone
courseware unlock [--stack S]           after a killed `pulumi up`: remove the stack's lock
                                        and pending creates, refusing while its run lives
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
import yaml

from provider import adopt as adoption
from provider import reports, stack_lock
from provider.code_sheet import code_sheet, live_sheet
from provider.errors import NoCodes, ProviderError
from provider.mitxonline.enrollment_codes import shown_code
from provider.platforms import Platforms

EXIT_IN_SYNC = 0
EXIT_ERROR = 1
EXIT_DRIFT = 2  # Terraform's -detailed-exitcode convention


def _read_digest(stream: IO[str]) -> dict[str, Any]:
    text = stream.read()
    try:
        digest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"the input is not the JSON of `pulumi preview --json` ({exc.msg} at line {exc.lineno})"
        ) from None
    if not isinstance(digest, dict) or "steps" not in digest:
        raise click.ClickException("the input has no `steps`: pass the output of `pulumi preview --json`")
    return digest


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value


class _Commands(click.Group):
    """The `courseware` command group, and its one error boundary.

    Every `ProviderError` a subcommand raises is shown through `ProviderError.render()`:
    the message, what the step had already written and the next step, without a
    traceback. Catching here rather than in each command means a new command, or a new
    call inside one, cannot show the message without what to do about it (issue 30).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProviderError as error:
            raise click.ClickException(error.render()) from None


@click.group(cls=_Commands)
def main() -> None:
    """Courseware as code: reports for CI."""


@main.command("plan-summary")
@click.argument("preview_json", type=click.File("r"), default="-")
def plan_summary(preview_json: IO[str]) -> None:
    """Summarise `pulumi preview --json` (a file, or - for stdin) as markdown.

    A preview that failed lists only the steps it reached, so its summary would be wrong
    (it could say "1 to delete" where the full plan deletes ten): it is reported as a
    failure, with the preview's errors, and the command exits 1.
    """
    digest = _read_digest(preview_json)
    errors = reports.digest_errors(digest)
    if errors:
        click.echo(reports.failed_plan_markdown(errors))
        raise click.ClickException(
            f"the preview failed ({len(errors)} error(s)), so it shows only part of the plan: "
            + reports.first_line(errors[0])
        )
    changes = reports.plan_changes(digest)
    click.echo(
        reports.plan_markdown(
            changes, reports.learner_losses(digest), reports.adoptions(digest), grouping=reports.grouping_counts(digest)
        )
    )


@main.command()
@click.option("--stack", "-s", help="The stack to check (default: the selected stack).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def drift(stack: str | None, as_json: bool) -> None:
    """Compare the live platforms with the stack's state, field by field.

    Runs `pulumi refresh --preview-only --run-program --json`, which reads every resource
    and writes nothing. `--run-program` makes the reads use the stack file's settings of
    today; without it they would use those the last `up` saved in state, and a rotated
    key or a moved URL would go unnoticed (issue 25). Exits 0 when in sync, 2 when drift
    is found, 1 on error.
    """
    argv = ["pulumi", "refresh", "--preview-only", "--run-program", "--json", "--non-interactive"]
    if stack:
        argv += ["--stack", stack]
    # Streaming mode prints one engine event per line; only its per-resource events carry
    # the refreshed values (see reports.drift_changes).
    env = {**os.environ, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"}
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, env=env)
    events = list(_json_lines(done.stdout))
    errors = reports.event_errors(events)
    if done.returncode != 0 or not events:
        details = "\n".join(errors) or done.stderr.strip() or done.stdout.strip() or "no output"
        # stdout is what CI keeps (the drift job writes it to drift.md): one line that
        # says the check did not run to its end and why; the details go to stderr.
        line = f"Drift check failed: `pulumi refresh` exited {done.returncode}: {reports.first_line(details)}"
        click.echo(json.dumps({"error": line}) if as_json else line)
        click.echo(f"`{' '.join(argv)}` failed (exit {done.returncode}):", err=True)
        click.echo(details, err=True)
        sys.exit(EXIT_ERROR)
    changes = reports.drift_changes(events)
    if as_json:
        click.echo(json.dumps(reports.drift_json(changes), indent=2, default=str))
    else:
        click.echo(reports.drift_markdown(changes), nl=False)
    sys.exit(EXIT_DRIFT if changes else EXIT_IN_SYNC)


def _pulumi_text(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise click.ClickException(f"`{' '.join(argv)}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout.strip()


def _pulumi_json(argv: list[str]) -> Any:
    return json.loads(_pulumi_text(argv) or "null")


@main.command()
@click.option("--stack", "-s", help="The stack to summarise (default: the selected stack).")
def summary(stack: str | None) -> None:
    """Print what the stack's outputs say exists, without secrets."""
    argv = ["pulumi", "stack", "output", "--json", "--non-interactive"] + (["--stack", stack] if stack else [])
    outputs = _pulumi_json(argv) or {}
    click.echo(reports.summary_text(outputs))


@main.command()
@click.option("--stack", "-s", help="The stack whose file gets the catalog (default: the selected stack).")
@click.option("--org", "organizations", multiple=True, metavar="KEY", help="An organization and its contracts.")
@click.option("--contract", "contracts", multiple=True, metavar="SLUG_OR_ID", help="A contract and its organization.")
@click.option("--source-course", "source_courses", multiple=True, metavar="COURSE_KEY", help="An edX source run.")
@click.option("--all", "everything", is_flag=True, help="Every organization, contract and source run.")
@click.option("--dry-run", is_flag=True, help="Print the catalog instead of writing it.")
def adopt(
    stack: str | None,
    organizations: tuple[str, ...],
    contracts: tuple[str, ...],
    source_courses: tuple[str, ...],
    everything: bool,
    dry_run: bool,
) -> None:
    """Write the catalog of what exists into the stack file, every entry `adopt: true`.

    Reads MITx Online (REST and read-only commands) and edX Studio with the stack's
    platform settings; writes nothing to either. Replaces the stack file's
    `courseware:catalog` and keeps every other key. Then `pulumi up` adopts what the
    catalog declares, and `pulumi preview --expect-no-changes` proves it.
    """
    selection = adoption.Selection(organizations, contracts, source_courses, everything)
    location = adoption.locate_stack(stack, Path.cwd())
    settings = adoption.stack_settings(location)
    clients = Platforms(settings)
    # A relative path in `manageCommand` is relative to the program directory, where
    # the provider runs it (docs/decisions.md §4). Closed after, so a command session
    # ends through its stdin.
    try:
        with contextlib.chdir(location.program_dir):
            live = adoption.read_live(clients.mitxonline(), clients.edx(), selection)
    finally:
        clients.close()
    result = adoption.build_catalog(live)
    header = [
        f"Written by `courseware adopt` on {dt.date.today().isoformat()} from {settings.require_mitxonline().url}",
        "and edX Studio: it declares what existed then; `adopt: true` takes each object over.",
    ]
    if dry_run:
        click.echo(adoption.render_catalog(result, header), nl=False)
        click.echo(result.report(None), err=True, nl=False)
        return
    adoption.write_catalog(location.stack_file, result, header)
    click.echo(result.report(str(location.stack_file)), nl=False)


@main.command()
@click.argument("contract")
@click.option("--stack", "-s", help="The stack that declares the contract (default: the selected stack).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True), help="Write the CSV here.")
def codes(contract: str, stack: str | None, csv_file: str | None) -> None:
    """The enrollment codes of CONTRACT (`org/name`, slug or id) as CSV: code, course run,
    attach link. Printed to stdout unless --csv names a file (the runbook's codes-<id>.csv).

    The stack names the contract; the codes are those MITx Online holds now (one read
    command, with the stack file's settings). When they differ from the state's, it says
    so on stderr; when codes of the state are gone, it exits 1 after writing the sheet.
    """
    argv = ["pulumi", "stack", "output", "--show-secrets", "--json", "--non-interactive"]
    outputs = _pulumi_json(argv + (["--stack", stack] if stack else [])) or {}
    saved = code_sheet(outputs, contract)
    if saved.contract_id is None:
        raise NoCodes(f"contract {saved.label} has no contract id in the state: run `pulumi up` first")
    sheet, comparison = live_sheet(saved, _live_codes(stack, saved.contract_id))
    if csv_file is None:
        click.echo(sheet.csv(), nl=False)
    else:
        sheet.write(Path(csv_file))
        click.echo(f"Wrote {len(sheet.rows)} codes of contract {sheet.label} to {csv_file}", err=True)
    if comparison.differs:
        click.echo(f"Warning: {comparison.report()}", err=True)
    if comparison.missing:
        sys.exit(EXIT_ERROR)


def _live_codes(stack: str | None, contract_id: int) -> list[dict[str, str]]:
    """The codes of contract `contract_id` as MITx Online holds them, read with the stack
    file's settings; the client is closed after, so a command session ends through stdin."""
    location = adoption.locate_stack(stack, Path.cwd())
    clients = Platforms(adoption.stack_settings(location))
    try:
        # A relative `manageCommand` is relative to the program directory (docs/decisions.md §4).
        with contextlib.chdir(location.program_dir):
            return [shown_code(row) for row in clients.mitxonline().contract_codes(contract_id)]
    finally:
        clients.close()


def _project_name(cwd: Path) -> str:
    project = next((d / "Pulumi.yaml" for d in (cwd, *cwd.parents) if (d / "Pulumi.yaml").exists()), None)
    if project is None:
        raise click.ClickException(f"no Pulumi.yaml in {cwd} or above: run this in the project")
    return str((yaml.safe_load(project.read_text()) or {})["name"])


def _pulumi_step(argv: list[str]) -> None:
    click.echo(f"$ {' '.join(argv)}", err=True)
    _pulumi_text(argv)


@main.command()
@click.option("--stack", "-s", help="The stack to unlock (default: the selected stack).")
@click.option(
    "--checked-host",
    "checked_hosts",
    multiple=True,
    metavar="HOST",
    help="A machine where you checked that no `pulumi` process of the stack runs (for its locks).",
)
def unlock(stack: str | None, checked_hosts: tuple[str, ...]) -> None:
    """The recovery after a `pulumi up` that was killed (SIGKILL, a lost CI runner).

    Reads the stack's locks from the backend (PULUMI_BACKEND_URL) and refuses while the run
    that wrote one is alive on this machine, or ran on another machine not named with
    --checked-host. Then `pulumi cancel` removes the locks and `pulumi refresh
    --clear-pending-creates` drops the creates the killed run left unfinished; the next
    `pulumi up` adopts whatever they made (docs/reliability.md, docs/team.md).
    """
    backend_url = os.environ.get("PULUMI_BACKEND_URL") or _pulumi_json(["pulumi", "whoami", "--json"])["url"]
    name = stack or _pulumi_text(["pulumi", "stack", "--show-name", "--non-interactive"])
    locks = stack_lock.read_locks(backend_url, _project_name(Path.cwd()), name)
    stack_lock.held_by_live_runs(locks, backend_url, checked_hosts)
    if not locks:
        click.echo(f"Stack {name} is not locked: nothing to do.")
        return
    for lock in locks:
        click.echo(f"Removing the lock of a finished run: {lock}", err=True)
    _pulumi_step(["pulumi", "cancel", "--yes", "--non-interactive", "--stack", name])
    refresh = [
        *("pulumi", "refresh", "--yes", "--skip-preview", "--run-program"),
        *("--clear-pending-creates", "--non-interactive"),
    ]
    _pulumi_step([*refresh, "--stack", name])
    click.echo(f"Stack {name} is unlocked. Next: pulumi up --stack {name}")
