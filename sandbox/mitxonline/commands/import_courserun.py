"""``import_courserun`` (docs/platforms/mitxonline.md §3): create a run (and course) from edX.

Handled errors are printed and the command exits 0 (docs/platforms/mitxonline.md §3). Messages as the real
command prints them (issue #18 point 4): the course by its readable id, no count after an
edX error.
"""

from __future__ import annotations

import argparse

from sandbox.context import CommandContext
from sandbox.mitxonline import api, openedx, programs, repo
from sandbox.mitxonline.commands.base import Command, CommandParser
from sandbox.mitxonline.commands.options import add_variant_fields
from sandbox.mitxonline.console import Output


def configure(parser: CommandParser) -> None:
    parser.add_argument("--courserun", help="edX course key of one run; wins over --program")
    parser.add_argument("--program", help="program readable_id or id (with --run-tag)")
    parser.add_argument("--run-tag", dest="run_tag")
    parser.add_argument("--use-specific-course", dest="use_specific_course")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--create-cms-page", dest="create_cms_page", action="store_true")
    parser.add_argument("--publish-cms-page", dest="publish_cms_page", action="store_true")
    parser.add_argument("--draft-cms-page", dest="draft_cms_page", action="store_true")
    parser.add_argument("--include-in-learn-catalog", dest="include_in_learn_catalog", action="store_true")
    parser.add_argument("--ingest-content-files-for-ai", dest="ingest_content_files_for_ai", action="store_true")
    parser.add_argument("--price")
    parser.add_argument("--block_countries", help="accepted for compatibility; the sandbox keeps no country blocks")
    parser.add_argument("-d", "--dept", "--department", dest="depts", action="append", default=[])
    parser.add_argument("--create-depts", dest="create_depts", action="store_true")
    parser.add_argument(
        "--contract", help="resolved but never applied, as in MITx Online (docs/platforms/mitxonline.md §3)"
    )
    parser.add_argument("--source-course", dest="source_course", action="store_true")
    add_variant_fields(parser)


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    if args.publish_cms_page and args.draft_cms_page:
        out.err("Cannot specify both --publish-cms-page and --draft-cms-page.")
        return 0
    if args.contract and not repo.contracts_by_id_or_slug(ctx.db, args.contract):
        # The only effect of --contract: an unknown one aborts (docs/platforms/mitxonline.md §3, §7).
        out.out(f"Contract '{args.contract}' not found or B2B module not available.")
        return 0
    keys: list[str] = []
    if args.courserun:
        try:
            # The command reads the detail first and stops at an error, before any count.
            openedx.course_detail(ctx, args.courserun)
        except openedx.EdxError as exc:
            out.out(f"Could not retrieve data for {args.courserun}: {exc}")
            return 0
        keys.append(args.courserun)
    elif args.program is not None and args.run_tag is not None:
        program = (
            programs.program_by_id(ctx.db, int(args.program))
            if args.program.isnumeric()
            else programs.program_by_readable_id(ctx.db, args.program)
        )
        if program is None:
            out.out(f"Program {args.program} not found.")
            return 0
        # Program.courses: the tree's courses; a course with a run of that tag (any
        # manager) is skipped, the others are read from edX (docs/platforms/mitxonline.md §3).
        for requirement in programs.course_requirements(ctx.db, program.id):
            course = requirement.course
            key = f"{course.readable_id}+{args.run_tag}"
            if any(r.run_tag == args.run_tag for r in repo.runs_of_course(ctx.db, course.id, usable_only=False)):
                out.out(f"{key} appears to exist in MITx Online, skipping it")
                continue
            try:
                openedx.course_detail(ctx, key)
            except openedx.EdxError as exc:
                out.out(f"Could not retrieve data for {key}, skipping it: {exc}")
                continue
            keys.append(key)
    options = api.ImportOptions(
        live=args.live,
        use_specific_course=args.use_specific_course,
        create_cms_page=args.create_cms_page,
        publish_cms_page=True if args.publish_cms_page else False if args.draft_cms_page else None,
        include_in_learn_catalog=args.include_in_learn_catalog,
        ingest_content_files_for_ai=args.ingest_content_files_for_ai,
        price=args.price,
        departments=tuple(args.depts),
        create_depts=args.create_depts,
        is_source_run=args.source_course,
        language=args.language,
        is_primary_language=args.primary_lang,
        variant_length=args.length,
        variant_industry=args.industry,
    )
    created = 0
    for key in keys:
        created += _import_one(ctx, out, args, key, options)
    out.out(f"{created} course runs created")
    return 0


def _import_one(
    ctx: CommandContext, out: Output, args: argparse.Namespace, key: str, options: api.ImportOptions
) -> int:
    run = api.import_courserun_from_edx(ctx, out, key, options)
    if run is None:
        return 0
    if args.run_tag:
        repo.update(ctx.db, "mitx_course_run", run.id, {"run_tag": args.run_tag})
    else:
        out.out(
            f"WARNING: No specific run tag specified for {run.courseware_id} in language {run.language}, "
            f"so using the default {run.run_tag}. This is probably not what you want."
        )
    course = repo.course_by_id(ctx.db, run.course_id)
    out.out(f"Created new run {run.courseware_id} in course {course.readable_id}")
    if not api.is_valid_variant(ctx.db, run):
        out.out(
            f"Created run {run.courseware_id} is not a valid variant for course {course.readable_id}. "
            "Consider adjusting the run settings or course variant options."
        )
    return 1


COMMANDS = (Command("import_courserun", configure, handle, app="courses"),)
