"""``b2b_courseware add|remove`` (docs/platforms/mitxonline.md §3, §4, §9).

Quirks kept on purpose:
- flags must precede the positionals; after them they are ``unrecognized arguments``
  (exit 2), except ``--also`` (docs/platforms/mitxonline.md §9);
- the edX clone is queued, not run: the worker performs it after the clone delay (docs/platforms/mitxonline.md §9);
- on a contract outside ``active_objects`` the ``contract.save()`` that ends
  ``create_contract_run`` fails after the runs, products and clones were made, before
  any line about them is printed, and ``--make-codes`` never runs (docs/platforms/mitxonline.md §4);
- per-item problems exit 0 (docs/platforms/mitxonline.md §9).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from sandbox.context import CommandContext
from sandbox.mitxonline import api, codes, keys, openedx, programs, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.commands.options import LANGUAGES
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import Contract, Course, CourseRun, Program, now


def _also_only(top: CommandParser) -> type[argparse.Action]:
    """A trailing-arguments action that accepts only ``--also X`` and rejects any other flag
    through the top-level parser, as argparse does for MITx Online's command (docs/platforms/mitxonline.md §9)."""

    class AlsoOnly(argparse.Action):
        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: str | Sequence[Any] | None,
            option_string: str | None = None,
        ) -> None:
            tokens = list(values or [])
            also: list[str] = []
            unrecognized: list[str] = []
            while tokens:
                token = tokens.pop(0)
                if token == "--also" and tokens:
                    also.append(tokens.pop(0))
                else:
                    unrecognized.append(token)
            if unrecognized:
                top.error(f"unrecognized arguments: {' '.join(unrecognized)}")
            setattr(namespace, self.dest, also)

    return AlsoOnly


def configure(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
    trailing = _also_only(parser)

    add = sub.add_parser("add", streams=parser.streams)
    add.add_argument("--no-create-runs", dest="no_create_runs", action="store_true")
    add.add_argument("--allow-reruns", dest="allow_reruns", action="store_true")
    add.add_argument("--force", action="store_true")
    add.add_argument("--import", dest="import_depts", metavar="DEPARTMENTS")
    add.add_argument("--prefix")
    add.add_argument("--make-codes", dest="make_codes", action="store_true")
    add.add_argument("--no-lang", dest="no_lang", action="store_true")
    add.add_argument("--lang", choices=LANGUAGES)
    add.add_argument("--variant", action="append", default=[])

    remove = sub.add_parser("remove", streams=parser.streams)
    remove.add_argument("--remove-program-runs", dest="remove_program_runs", action="store_true")

    for subparser in (add, remove):
        subparser.add_argument("--also", dest="also_before", action="append", default=[])
        subparser.add_argument("contract")
        subparser.add_argument("courseware")
        subparser.add_argument("also", nargs=argparse.REMAINDER, action=trailing, metavar="--also COURSEWARE")


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    found = repo.contracts_by_id_or_slug(ctx.db, args.contract)
    if not found:
        raise CommandError(f"Contract with ID/slug '{args.contract}' does not exist.")
    ids = [args.courseware, *args.also_before, *args.also]
    if args.subcommand == "add":
        _add(args, ctx, out, found[0], ids)
    else:
        _remove(ctx, out, found[0], ids, remove_program_runs=args.remove_program_runs)
    return 0


def resolve_courseware(ctx: CommandContext, courseware_id: str) -> Program | Course | CourseRun | None:
    """``resolve_courseware_object_from_id``: a ``program-…`` id as a program; anything else
    as a usable run, else a course (docs/platforms/mitxonline.md §9)."""
    if courseware_id.startswith("program-"):
        return programs.program_by_readable_id(ctx.db, courseware_id)
    return repo.run_by_courseware_id(ctx.db, courseware_id, usable_only=True) or repo.course_by_readable_id(
        ctx.db, courseware_id
    )


def _parse_variant(text: str) -> api.Variant:
    parts = [*text.split(","), "", ""][:3]
    return (parts[0], parts[1], parts[2])


def _add(args: argparse.Namespace, ctx: CommandContext, out: Output, contract: Contract, ids: list[str]) -> None:
    contract_variants = tuple(v.variant for v in repo.variants_of(ctx.db, "contract", contract.id))
    if args.variant:
        wanted = tuple(_parse_variant(v) for v in args.variant)
        if any(v not in contract_variants for v in wanted):
            out.out(f"Bad variant options specified: {args.variant}")
            return
        contract_variants = wanted
    filters = api.RunFilters(contract_variants=contract_variants, no_lang=args.no_lang, only_lang=args.lang)
    managed = 0
    for courseware_id in ids:
        target = resolve_courseware(ctx, courseware_id)
        if target is None and args.import_depts is not None:
            managed += _import_and_add(args, ctx, out, contract, courseware_id, filters)
        elif isinstance(target, Program):
            managed += _add_program(args, ctx, out, contract, target, filters)
        elif isinstance(target, CourseRun):
            managed += _attach_run(args, ctx, out, contract, target)
        elif isinstance(target, Course):
            managed += _add_course(args, ctx, out, contract, target, filters)
    if args.make_codes:
        out.out(f"Queueing enrollment code check for {contract}")
        codes.ensure_enrollment_codes_exist(ctx.db, contract, out)
    out.out(f"Managed {managed} courseware items for {len(ids)} specified courseware IDs.")


def _add_program(
    args: argparse.Namespace,
    ctx: CommandContext,
    out: Output,
    contract: Contract,
    program: Program,
    filters: api.RunFilters,
) -> int:
    """The program path (docs/platforms/mitxonline.md §9, §13): ``add_program_courses``
    makes the runs, with the ``UAI_`` prefix and no ``--prefix``, then links the program.
    It counts the runs it made, not the program, in ``Managed <n> courseware items``."""
    out.out(f"'{program.readable_id}' is a program, so creating runs for all of its courses.")
    created, no_source = programs.add_program_courses(
        ctx,
        out,
        contract,
        program,
        skip_edx=args.no_create_runs,
        allow_reruns=args.allow_reruns,
        filters=filters,
    )
    if no_source > 0:
        out.out(
            f"Program '{program.readable_id}' has {no_source} courses with no source runs; cannot create contract "
            "runs for these courses."
        )
    api.save_contract(ctx.db, contract, {})
    out.out(f"Added {program.readable_id} to {contract}.")
    return created


def _attach_run(args: argparse.Namespace, ctx: CommandContext, out: Output, contract: Contract, run: CourseRun) -> int:
    if run.b2b_contract_id == contract.id:
        out.out(f"Run '{run.courseware_id}' is already owned by this contract.")
        return 0
    if run.b2b_contract_id is not None and not args.force:
        owner = repo.contract_by_id(ctx.db, run.b2b_contract_id)
        out.out(f"Run '{run.courseware_id}' is already owned by {owner}.")
        return 0
    # No product is created here; `b2b_codes validate` adds it (docs/platforms/mitxonline.md §9).
    repo.update(ctx.db, "mitx_course_run", run.id, {"b2b_contract_id": contract.id})
    return 1


def _add_course(
    args: argparse.Namespace,
    ctx: CommandContext,
    out: Output,
    contract: Contract,
    course: Course,
    filters: api.RunFilters,
    *,
    require_designated_source_run: bool = True,
) -> int:
    try:
        created = api.create_contract_run(
            ctx,
            out,
            contract,
            course,
            prefix=args.prefix,
            skip_edx=args.no_create_runs,
            allow_reruns=args.allow_reruns,
            filters=filters,
            require_designated_source_run=require_designated_source_run,
        )
    except keys.InvalidKeyError:
        out.err(f"Invalid key error for course {course}. Is the course's readable ID configured correctly?")
        return 0
    if not created:
        out.out(f"Failed to create run for course {course} for contract {contract}.")
        return 0
    for item in created:
        out.out(f"Created run {item.run} and product {item.product} for course {course} for contract {contract}.")
    return 1


def _import_and_add(
    args: argparse.Namespace,
    ctx: CommandContext,
    out: Output,
    contract: Contract,
    courseware_id: str,
    filters: api.RunFilters,
) -> int:
    """``import_and_create_contract_run`` (docs/platforms/mitxonline.md §9)."""
    out.out(f"Attempting to import {courseware_id} from edX...")
    run = repo.run_by_courseware_id(ctx.db, courseware_id, usable_only=False)
    if run is None:
        options = api.ImportOptions(
            live=True,
            create_cms_page=True,
            ingest_content_files_for_ai=True,
            departments=tuple(d for d in args.import_depts.split(",") if d),
            create_depts=True,
            is_source_run=True,
        )
        run = api.import_courserun_from_edx(ctx, out, courseware_id, options)
    if run is None:
        raise EmulatedException(
            "ValueError", f"Import and create contract run for {courseware_id} failed - could not import from edX."
        )
    course = repo.course_by_id(ctx.db, run.course_id)
    if _add_course(args, ctx, out, contract, course, filters, require_designated_source_run=False):
        out.out(f"Importing {courseware_id} succeeded: {run} created.")
        return 1
    out.out(f"Importing {courseware_id} failed. Skipping")
    return 0


def _remove(ctx: CommandContext, out: Output, contract: Contract, ids: list[str], *, remove_program_runs: bool) -> None:
    """A course (and a program with ``--remove-program-runs``) adds its contract runs to
    the end of the list being worked through, with a line saying so; the runs are then
    deactivated in list order (issue #18 point 5). A program's link is deleted when the
    program is reached (docs/platforms/mitxonline.md §9)."""
    runs: list[CourseRun] = []
    for courseware_id in ids:
        target = resolve_courseware(ctx, courseware_id)
        if target is None:
            # remove does not skip unresolved ids (docs/platforms/mitxonline.md §3, §9).
            raise EmulatedException("AttributeError", "'NoneType' object has no attribute 'is_program'")
        if isinstance(target, CourseRun):
            runs.append(target)
            continue
        if isinstance(target, Program):
            if remove_program_runs:
                # CourseRun.objects: the contract's usable runs of the program's courses.
                found = programs.program_contract_runs(ctx.db, contract, target)
                runs += found
                out.out(
                    f"{target.readable_id} is a program and --remove-program-runs set, so adding {len(found)} "
                    "course runs"
                )
            ctx.db.execute(
                "DELETE FROM mitx_contract_program WHERE contract_id = ? AND program_id = ?", (contract.id, target.id)
            )
            out.out(f"Removed program {target.readable_id} from contract {contract}.")
            continue
        # `course.courseruns` is the reverse relation: every run (docs/platforms/mitxonline.md §13).
        found = [
            r for r in repo.runs_of_course(ctx.db, target.id, usable_only=False) if r.b2b_contract_id == contract.id
        ]
        out.out(f"Added {len(found)} course runs from course {target.readable_id} to remove from contract {contract}.")
        runs += found
    for run in runs:
        _retire_from_contract(ctx, out, contract, run)


def _retire_from_contract(ctx: CommandContext, out: Output, contract: Contract, run: CourseRun) -> None:
    db = ctx.db
    stamp = now()
    changes: dict[str, object] = {}
    if run.live or run.enrollment_end is None or run.enrollment_end > stamp:
        changes.update({"live": False, "enrollment_end": stamp})
    keep_link = repo.enrollment_count(db, run.id) > 0
    if not keep_link:
        changes["b2b_contract_id"] = None
    if changes:
        repo.update(db, "mitx_course_run", run.id, changes)
    for product in repo.products_of_run(db, run.id, active_only=False):
        repo.update(db, "mitx_product", product.id, {"is_active": False})
        for code in repo.codes_of_products(db, [product.id]):
            codes.detach_code(db, code.id, product.id)
            repo.delete_code_if_orphan(db, code.id)
    updated = repo.run_by_courseware_id(db, run.courseware_id, usable_only=False)
    assert updated is not None
    try:
        # Observed: title and pacing only, no schedule (docs/platforms/mitxonline.md §3).
        openedx.put_run(ctx, updated, with_schedule=False)
    except openedx.EdxError as exc:
        out.log("error", f"Failed to update enrollment end date on edX for {run.courseware_id}: {exc}")
    if keep_link:
        out.out(f"Deactivated {run.courseware_id} but kept it linked to {contract} (has enrollments).")
    else:
        out.out(f"Deactivated and unlinked {run.courseware_id} from {contract} (no enrollments).")


COMMANDS = (Command("b2b_courseware", configure, handle),)
