"""``create_courseware``, ``create_courseware_page`` and ``configure_wagtail`` (docs/platforms/mitxonline.md
§3).

``create_courseware`` touches the local database only; every refusal goes to stderr
with ``exit(-1)``, i.e. exit status 255. ``create_courseware_page`` reports on stdout
and exits 1.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from sandbox.context import CommandContext
from sandbox.mitxonline import api, programs, repo
from sandbox.mitxonline.commands.base import Command, CommandExit, CommandParser
from sandbox.mitxonline.commands.options import add_language
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import Course, now, parse_datetime

EXIT_MINUS_ONE = 255  # exit(-1) as the shell sees it


def configure_create(parser: CommandParser) -> None:
    parser.add_argument("type", choices=["program", "course", "courserun"])
    parser.add_argument("courseware_id")
    parser.add_argument("title")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--self-paced", dest="self_paced", action="store_true")
    parser.add_argument("--create-run", "--run-tag", dest="run_tag")
    parser.add_argument("--create-run-as-sourcerun", dest="as_source", action="store_true")
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument("--enrollment-start", dest="enrollment_start")
    parser.add_argument("--enrollment-end", dest="enrollment_end")
    parser.add_argument("--upgrade")
    parser.add_argument("--program")
    requirement = parser.add_mutually_exclusive_group()
    requirement.add_argument("--required", action="store_true")
    requirement.add_argument("--elective", action="store_true")
    parser.add_argument("--related", action="append", default=[])
    parser.add_argument("--dept", "-d", dest="depts", action="append", default=[])
    parser.add_argument("--create-depts", dest="create_depts", action="store_true")
    parser.add_argument("--create-page", dest="create_page", action="store_true")
    parser.add_argument("--create-certificate-page", dest="create_certificate_page", action="store_true")
    parser.add_argument("--create-signatory", dest="create_signatory", action="store_true")
    parser.add_argument("--set-courserun-dates-automatically", dest="auto_dates", action="store_true")
    parser.add_argument("--price")
    parser.add_argument("--mode-audit", dest="mode_audit", action="store_true")
    parser.add_argument("--mode-verified", dest="mode_verified", action="store_true")
    parser.add_argument("--b2b-only", dest="b2b_only", action="store_true")
    parser.add_argument("--program-course", dest="program_course", action="store_true")
    add_language(parser)
    parser.add_argument("--force", action="store_true")


def _refuse(out: Output, message: str) -> CommandExit:
    out.err(message)
    return CommandExit(EXIT_MINUS_ONE)


def handle_create(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    """Object creation runs inside ``transaction.atomic()``: a refusal or an exception
    after it started leaves nothing behind (docs/platforms/mitxonline.md §3)."""
    ctx.db.execute("SAVEPOINT create_courseware")
    try:
        status = _handle_create(args, ctx, out)
    except BaseException:
        ctx.db.execute("ROLLBACK TO create_courseware")
        ctx.db.execute("RELEASE create_courseware")
        raise
    ctx.db.execute("RELEASE create_courseware")
    return status


def _handle_create(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    db = ctx.db
    if not args.courseware_id.startswith(("course", "program")) and not args.force:
        raise _refuse(
            out,
            f'Object ID "{args.courseware_id}" would be named "{args.title}" - you might have your ID and '
            "title options swapped. Use --force to force creation anyway.",
        )
    missing_depts = [d for d in args.depts if repo.department_by_name(db, d) is None]
    if missing_depts and not args.create_depts:
        raise _refuse(out, "The departments specified do not currently exist.")
    if args.type == "program":
        return _create_program(args, ctx, out)
    if args.type == "course":
        if repo.course_by_readable_id(db, args.courseware_id) is not None:
            raise _refuse(out, f"Course with ID {args.courseware_id} already exists.")
        course = api.create_course(db, args.courseware_id, args.title, live=args.live)
        for name in args.depts:
            repo.add_course_department(db, course.id, repo.get_or_create_department(db, name))
        out.out(f"Created Course {course.id}: {course.title} ({course.readable_id}).")
        if args.run_tag:
            _create_run(args, ctx, out, course)
        if args.force:
            # Printed under --force (with or without --live); --live alone prints nothing here.
            out.err(
                f"WARNING: creating a requirement for {course.readable_id} anyway since you specified --force. "
                "This will probably break the Django Admin until you set the course to Live."
            )
        if args.program:
            _add_to_program(args, ctx, out, course)
        else:
            # Printed whenever no --program is given, --live or not (issue #18 point 4).
            out.out(f"Live flag not specified for {course.readable_id}, ignoring any requirements flags")
        if args.create_page:
            api.create_default_courseware_page(db, course, live=args.live)
        return 0
    found = repo.course_by_readable_id(db, args.courseware_id)
    if found is None:
        raise _refuse(out, f"Course with ID {args.courseware_id} doesn't exist.")
    if not args.run_tag:
        raise _refuse(
            out, "You must specify the run tag with either --run-tag or --create-run when creating a course run."
        )
    _create_run(args, ctx, out, found)
    return 0


def _create_program(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    """``_handle_program`` (docs/platforms/mitxonline.md §3): the program, its tree's
    root, departments, relations, the optional CMS page and enrollment modes."""
    db = ctx.db
    if programs.program_by_readable_id(db, args.courseware_id) is not None:
        raise _refuse(out, f"Program with ID {args.courseware_id} already exists.")
    program = programs.create_program(
        db,
        args.courseware_id,
        args.title,
        live=args.live,
        b2b_only=args.b2b_only,
        display_mode="course" if args.program_course else None,
    )
    for name in args.depts:
        programs.add_program_department(db, program.id, repo.get_or_create_department(db, name))
    out.out(f"Created Program {program.id}: {program.title} ({program.readable_id}).")
    for readable_id in args.related:
        related = programs.program_by_readable_id(db, readable_id)
        if related is None:
            out.err(f"Can't add relationship for {readable_id}: program not found.")
            continue
        programs.add_related_program(db, program.id, related.id)
        out.out(f"Added relationship for {readable_id}.")
    out.out(f"Added {len(programs.related_program_ids(db, program.id))} program relationships.")
    if args.create_page:
        # Always live and in the Learn catalog, whatever --live says (cms/api.py).
        out.out(f"Creating placeholder CMS page for {program.readable_id}.")
        page = programs.create_default_program_page(db, program, live=True, include_in_learn_catalog=True)
        out.out(f"Created CMS page {page.title}.")
    for flag, mode in ((args.mode_audit, "audit"), (args.mode_verified, "verified")):
        if flag:
            programs.attach_program_mode(db, program.id, mode)
    return 0


def _add_to_program(args: argparse.Namespace, ctx: CommandContext, out: Output, course: Course) -> None:
    """``--program ID --required|--elective`` (docs/platforms/mitxonline.md §3).

    A numeric value is looked up as the program's id only, anything else as its
    readable id. In MITx Online the requirement variable is set only under ``--live``
    or ``--force``; without either, a program not found (or neither flag) reads it
    unset and the command dies with ``UnboundLocalError`` after the course was made.
    """
    db = ctx.db
    if args.program.isdigit():
        program = programs.program_by_id(db, int(args.program))
    else:
        program = programs.program_by_readable_id(db, args.program)
    title: str | None = None
    if program is not None and (args.required or args.elective):
        title = programs.add_course_requirement(db, program.id, course.id, elective=args.elective)
    elif not (args.live or args.force):
        raise EmulatedException(
            "UnboundLocalError", "cannot access local variable 'new_req' where it is not associated with a value"
        )
    if program is not None and title is not None:
        out.out(f"Added {course.readable_id} to {program.readable_id}'s {title} requirements.")


def _create_run(args: argparse.Namespace, ctx: CommandContext, out: Output, course: Course) -> None:
    courseware_id = f"{course.readable_id}+{args.run_tag}"
    if repo.run_by_courseware_id(ctx.db, courseware_id, usable_only=False) is not None:
        raise _refuse(out, f"Course run for {course.readable_id} with ID {args.run_tag} already exists.")
    dates = {
        "start_date": args.start,
        "end_date": args.end,
        "enrollment_start": args.enrollment_start,
        "enrollment_end": args.enrollment_end,
        "upgrade_deadline": args.upgrade,
    }
    values: dict[str, object] = {k: parse_datetime(v) if v else None for k, v in dates.items()}
    if args.auto_dates:
        # Unset dates: start = enrollment start = yesterday, the rest a year ahead (docs/platforms/mitxonline.md §3).
        yesterday, next_year = now() - timedelta(days=1), now() + timedelta(days=365)
        for name in ("start_date", "enrollment_start"):
            values[name] = values[name] or yesterday
        for name in ("end_date", "enrollment_end", "upgrade_deadline"):
            values[name] = values[name] or next_year
    run = api.create_run(
        ctx.db,
        {
            **values,
            "course_id": course.id,
            "title": args.title,
            "courseware_id": courseware_id,
            "run_tag": args.run_tag,
            "live": args.live,
            "is_self_paced": args.self_paced,
            "is_source_run": args.as_source,
            "language": args.language,
            "is_primary_language": args.primary_lang,
        },
    )
    for flag, mode in ((args.mode_audit, "audit"), (args.mode_verified, "verified")):
        if flag:
            repo.attach_mode(ctx.db, run.id, mode)
    if args.price:
        price = api.parse_price(args.price)
        if price is not None:
            api.upsert_product(ctx.db, run, price)
    out.out(f"Created course run {run.id}: {run}")


def configure_page(parser: CommandParser) -> None:
    # Underscores in the flag names, as in MITx Online (docs/platforms/mitxonline.md §3).
    parser.add_argument("courseware_id")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--include_in_learn_catalog", action="store_true")
    parser.add_argument("--ingest_content_files_for_ai", action="store_true")
    parser.add_argument("--include_optional_values", action="store_true")
    parser.add_argument("--link_to_instructor", help="comma-separated InstructorPage ids (none exist in the sandbox)")


def handle_page(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    course = repo.course_by_readable_id(ctx.db, args.courseware_id)
    if course is None:
        out.out(f"Can't find courseware object for {args.courseware_id}, stopping.")
        return 1
    try:
        page = api.create_default_courseware_page(
            ctx.db,
            course,
            live=args.live,
            include_in_learn_catalog=args.include_in_learn_catalog,
            ingest_content_files_for_ai=args.ingest_content_files_for_ai,
        )
    except api.PageValidationError as exc:
        out.out(f"An error occurred creating the about page for {args.courseware_id}: {exc.messages}")
        return 1
    out.out(f"About page created successfully for {args.courseware_id}")
    out.out(f"{ctx.urls.mitxonline_url}/cms/pages/{page.id}/edit/")
    return 0


def configure_wagtail(parser: CommandParser) -> None:
    """No options of its own."""


def handle_wagtail(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    """``configure_wagtail``: makes sure the home page and index pages exist, silently
    (the first step of a fresh deployment, docs/platforms/mitxonline.md §12; issue #18 point 7)."""
    repo.ensure_base_pages(ctx.db)
    return 0


COMMANDS = (
    Command("create_courseware", configure_create, handle_create, app="courses"),
    Command("create_courseware_page", configure_page, handle_page, app="cms"),
    Command("configure_wagtail", configure_wagtail, handle_wagtail, app="cms"),
)
