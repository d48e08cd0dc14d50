"""``sync_courserun`` (docs/platforms/mitxonline.md §3, §10): pull title, dates and pacing from edX."""

from __future__ import annotations

import argparse

from sandbox.context import CommandContext
from sandbox.mitxonline import api, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.console import Output
from sandbox.mitxonline.models import CourseRun


def configure(parser: CommandParser) -> None:
    # Required, as in MITx Online: without --run or --all argparse exits 2 (docs/platforms/mitxonline.md §3).
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--run", help="courseware_id of one run (source runs cannot be synced)")
    # type=bool: a value is required and any non-empty string, "False" included, is true (docs/platforms/mitxonline.md
    # §3).
    target.add_argument("--all", type=bool)


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    if args.run:
        run = repo.run_by_courseware_id(ctx.db, args.run, usable_only=True)
        if run is None:
            raise CommandError(f"Could not find run with courseware_id={args.run}")
        runs = [run]
    elif args.all:
        # Live runs, B2B included, not expired, not "fake-" (docs/platforms/mitxonline.md §10), through
        # CourseRun.objects.
        stamp = repo.now_iso()
        runs = repo.fetch(
            CourseRun,
            ctx.db,
            f"r.live = 1 AND {repo.USABLE_RUN} AND (r.expiration_date IS NULL OR r.expiration_date > ?) "
            "AND r.run_tag NOT LIKE 'fake-%'",
            [stamp],
        )
    else:
        # `--all ""` (type=bool gives False) or `--run ""`: nothing to sync.
        runs = []
    updated, failures = api.sync_runs(ctx, runs)
    out.out(f"Sync complete: {updated} updated, {failures} failures")
    return 0


COMMANDS = (Command("sync_courserun", configure, handle, app="courses"),)
