"""``b2b_contract create|modify|export|import`` (docs/platforms/mitxonline.md §3, §4, §5).

Quirks kept on purpose:
- ``create`` is not idempotent: a repeat makes ``<slug>-2`` (docs/platforms/mitxonline.md §3, §5).
- A contract outside ``active_objects`` (inactive, or today outside its dates) cannot be
  saved: ``create`` of such a contract writes it and then fails, ``modify`` fails and
  changes nothing (docs/platforms/mitxonline.md §4).
- ``import`` is create-only: an existing slug is left unchanged (docs/platforms/mitxonline.md §5).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.context import CommandContext
from sandbox.mitxonline import api, programs, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import (
    DEFAULT_ORG_KEY_PREFIX,
    MEMBERSHIP_TYPES,
    Contract,
    Course,
    CourseRun,
    Organization,
    Program,
    now,
    to_sql,
)

EXPORT_VERSION = 1


def configure(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)

    create = sub.add_parser("create", streams=parser.streams)
    create.add_argument("organization")
    create.add_argument("contract_name")
    create.add_argument("membership_type", choices=MEMBERSHIP_TYPES)
    create.add_argument("--description", default="")
    create.add_argument("--start")
    create.add_argument("--end")
    create.add_argument("--max-learners", dest="max_learners", type=int)
    create.add_argument("--price")
    create.add_argument("--create", action="store_true")
    create.add_argument("--org-key", dest="org_key")

    modify = sub.add_parser("modify", streams=parser.streams)
    modify.add_argument("contract_id", type=int)
    modify.add_argument("--start")
    modify.add_argument("--end")
    activity = modify.add_mutually_exclusive_group()
    activity.add_argument("--active", action="store_true")
    activity.add_argument("--inactive", "--delete", dest="inactive", action="store_true")
    modify.add_argument("--max-learners", dest="max_learners", type=int)
    modify.add_argument("--price")
    modify.add_argument("--no-price", dest="no_price", action="store_true")
    modify.add_argument("--no-learner-cap", dest="no_learner_cap", action="store_true")
    modify.add_argument("--no-start-date", dest="no_start_date", action="store_true")
    modify.add_argument("--no-end-date", dest="no_end_date", action="store_true")

    export = sub.add_parser("export", streams=parser.streams)
    export.add_argument("contract")
    export.add_argument("--output")

    importer = sub.add_parser("import", streams=parser.streams)
    importer.add_argument("file", help="an export file, or - for stdin")
    importer.add_argument("--commit", action="store_true")
    importer.add_argument("--slug")
    importer.add_argument("--skip-runs", dest="skip_runs", action="store_true")


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    handlers = {"create": _create, "modify": _modify, "export": _export, "import": _import}
    handlers[args.subcommand](args, ctx, out)
    return 0


# Shared -------------------------------------------------------------------------


def _validation_error(messages: dict[str, list[str]]) -> EmulatedException:
    return EmulatedException("django.core.exceptions.ValidationError", str(messages))


def _parse_date(field: str, value: str | None) -> date | None:
    """Wagtail's ``full_clean`` of a DateField: ``YYYY-MM-DD`` or a ValidationError (docs/platforms/mitxonline.md
    §13)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _validation_error(
            {field: [f"“{value}” value has an invalid date format. It must be in YYYY-MM-DD format."]}
        ) from None


def _parse_decimal(field: str, value: str | None) -> Decimal | None:
    if value is None:
        return None
    price = api.parse_price(value)
    if price is None:
        raise _validation_error({field: [f"“{value}” value must be a decimal number."]})
    return price


def create_organization(
    db: sqlite3.Connection,
    name: str,
    org_key: str,
    *,
    prefix: str = DEFAULT_ORG_KEY_PREFIX,
    sso_organization_id: str | None = None,
    description: str = "",
) -> Organization:
    """An ``OrganizationPage`` under the organization index, slug ``org-<name>`` (docs/platforms/mitxonline.md §13)."""
    slug = repo.slugify(f"org-{name}")
    problems: dict[str, list[str]] = {}
    if repo.organization_by_key(db, org_key) is not None:
        problems["org_key"] = ["Organization page with this Org key already exists."]
    if repo.scalar(
        db, "SELECT COUNT(*) FROM mitx_page WHERE parent_id = ? AND slug = ?", [repo.ORGANIZATION_INDEX_PAGE_ID, slug]
    ):
        problems["slug"] = [f"The slug '{slug}' is already in use within the parent page at '/organizations/'."]
    if problems:
        raise _validation_error(problems)
    page_id = repo.new_page(db, "b2b.organizationpage", repo.ORGANIZATION_INDEX_PAGE_ID, name, slug, True)
    repo.insert(
        db,
        "mitx_organization",
        {
            "id": page_id,
            "name": name,
            "org_key": org_key,
            "org_key_prefix": prefix,
            "description": description,
            "sso_organization_id": sso_organization_id,
            "slug": slug,
        },
    )
    return repo.organization_by_id(db, page_id)


def _unique_contract_slug(db: sqlite3.Connection, org: Organization, name: str) -> str:
    """Wagtail's slug from the title, ``-2``, ``-3``… among the organization's contracts."""
    base = repo.slugify(name)
    slug, n = base, 1
    while repo.scalar(db, "SELECT COUNT(*) FROM mitx_contract WHERE organization_id = ? AND slug = ?", [org.id, slug]):
        n += 1
        slug = f"{base}-{n}"
    return slug


def insert_contract(db: sqlite3.Connection, org: Organization, values: dict[str, Any]) -> Contract:
    slug = values.pop("slug", None) or _unique_contract_slug(db, org, values["name"])
    page_id = repo.new_page(db, "b2b.contractpage", org.id, values["name"], slug, True)
    repo.insert(db, "mitx_contract", {"id": page_id, "organization_id": org.id, "slug": slug, **values})
    contract = repo.contract_by_id(db, page_id)
    assert contract is not None
    return contract


# create / modify ----------------------------------------------------------------


def _create(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    db = ctx.db
    out.out(f"Creating contract '{args.contract_name}' for organization '{args.organization}'")
    org = repo.first(Organization, db, "r.name = ? OR r.org_key = ?", [args.organization, args.organization])
    out.log("info", f"Got organization {org}")
    if org is None:
        if not args.create:
            raise CommandError(f"Organization '{args.organization}' does not exist. Use --create to create it.")
        if not args.org_key:
            raise CommandError(f"To create '{args.organization}', you must supply an org key.")
        org = create_organization(db, args.organization, args.org_key)
        out.out(f"Created organization '{args.organization}'")
    contract = insert_contract(
        db,
        org,
        {
            "name": args.contract_name,
            "description": args.description,
            "membership_type": args.membership_type,
            "contract_start": _parse_date("contract_start", args.start),
            "contract_end": _parse_date("contract_end", args.end),
            "max_learners": args.max_learners,
            "enrollment_fixed_price": _parse_decimal("enrollment_fixed_price", args.price),
        },
    )
    # The command saves the new page a second time; outside its window that save fails
    # after the contract was written (docs/platforms/mitxonline.md §4).
    api.save_contract(db, contract, {})
    out.out(f"Created contract '{args.contract_name}' for organization '{args.organization}'")


def _modify(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    contract = repo.contract_by_id(ctx.db, args.contract_id)
    if contract is None:
        raise CommandError(f"Contract with ID '{args.contract_id}' does not exist.")
    changes: dict[str, Any] = {}
    # Order of docs/platforms/mitxonline.md §5: start, end, active, inactive, max learners, price, then the clears.
    if args.start:
        changes["contract_start"] = _parse_date("contract_start", args.start)
    if args.end:
        changes["contract_end"] = _parse_date("contract_end", args.end)
    if args.active:
        changes["active"] = True
    if args.inactive:
        changes["active"] = False
    if args.max_learners is not None:
        changes["max_learners"] = args.max_learners
    if args.price is not None:
        changes["enrollment_fixed_price"] = _parse_decimal("enrollment_fixed_price", args.price)
    clears = (
        (args.no_price, "enrollment_fixed_price"),
        (args.no_learner_cap, "max_learners"),
        (args.no_start_date, "contract_start"),
        (args.no_end_date, "contract_end"),
    )
    changes.update({field: None for flag, field in clears if flag})
    api.save_contract(ctx.db, contract, changes)
    out.out(f"Modified contract with ID '{contract.id}'")


# export -------------------------------------------------------------------------


def _variant_dicts(db: sqlite3.Connection, owner_type: str, owner_id: int) -> list[dict[str, Any]]:
    return [
        {
            "language": v.language,
            "variant_industry": v.variant_industry,
            "variant_length": v.variant_length,
            "b2b_only": v.b2b_only,
            "default_variant": v.default_variant,
        }
        for v in repo.variants_of(db, owner_type, owner_id)
    ]


def _serialize_run(
    db: sqlite3.Connection, run: CourseRun, *, force_source: bool = False, language: str | None = None
) -> dict[str, Any]:
    """``_serialize_run``: dates in ``isoformat()`` (``+00:00``), the run's mode slugs."""
    modes = repo.rows(
        db,
        "SELECT m.mode_slug FROM mitx_enrollment_mode m JOIN mitx_course_run_mode rm ON rm.mode_id = m.id "
        "WHERE rm.run_id = ? ORDER BY m.id",
        [run.id],
    )
    return {
        "courseware_id": run.courseware_id,
        "run_tag": run.run_tag,
        "title": run.title,
        "is_source_run": True if force_source else run.is_source_run,
        "is_primary_language": run.is_primary_language,
        "language": language if language is not None else (run.language or ""),
        "variant_industry": run.variant_industry or "",
        "variant_length": run.variant_length or "",
        **{
            name: value.isoformat() if value is not None else None
            for name, value in (
                ("start_date", run.start_date),
                ("end_date", run.end_date),
                ("enrollment_start", run.enrollment_start),
                ("enrollment_end", run.enrollment_end),
            )
        },
        "live": run.live,
        "is_self_paced": run.is_self_paced,
        "has_courseware_url": run.has_courseware_url,
        "enrollment_modes": [row["mode_slug"] for row in modes],
    }


def _export_source_runs(db: sqlite3.Connection, course: Course, warn: Callable[[str], None]) -> list[dict[str, Any]]:
    """The course's source runs (flag or ``SOURCE`` tag), else the newest non-B2B run per
    variant, flagged as source, with a warning (docs/platforms/mitxonline.md §5)."""
    runs = repo.runs_of_course(db, course.id, usable_only=False)
    designated = [r for r in runs if r.counts_as_source]
    if designated:
        return [_serialize_run(db, r) for r in designated]
    default = next((v for v in repo.variants_of(db, "course", course.id) if v.default_variant), None)
    default_lang = default.language if default else None
    seen: set[tuple[str, str, str]] = set()
    fallback: list[tuple[CourseRun, str]] = []
    for run in sorted((r for r in runs if r.b2b_contract_id is None), key=lambda r: -r.id):
        language = run.language or default_lang or ""
        key = (language, run.variant_industry or "", run.variant_length or "")
        if key not in seen:
            seen.add(key)
            fallback.append((run, language))
    if fallback:
        warn(
            f"  Course {course.readable_id}: no designated source runs; using {len(fallback)} most-recent non-B2B "
            "run(s) as fallback (will be flagged is_source_run=True on import)"
        )
    else:
        warn(
            f"  Course {course.readable_id} has no source runs and no non-B2B runs — contract runs cannot be "
            "recreated on import."
        )
    return [_serialize_run(db, run, force_source=True, language=lang or None) for run, lang in fallback]


def _export_programs(db: sqlite3.Connection, contract: Contract, warn: Callable[[str], None]) -> list[dict[str, Any]]:
    """The contract's programs by ``sort_order``, each with its course requirements in
    tree (path) order; courses attached without a program are not exported."""
    exported = []
    for item in programs.contract_programs(db, contract.id):
        program = programs.program_by_id(db, item.program_id)
        assert program is not None
        courses = [
            {
                "readable_id": requirement.course.readable_id,
                "title": requirement.course.title,
                "departments": repo.department_names(db, requirement.course.id),
                "variant_options": _variant_dicts(db, "course", requirement.course.id),
                "source_runs": _export_source_runs(db, requirement.course, warn),
            }
            for requirement in programs.course_requirements(db, program.id)
        ]
        exported.append(
            {
                "readable_id": program.readable_id,
                "title": program.title,
                "sort_order": item.sort_order,
                "departments": programs.program_department_names(db, program.id),
                "courses": courses,
            }
        )
    return exported


def export_document(
    db: sqlite3.Connection, contract: Contract, warn: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """The ``version: 1`` export (docs/platforms/mitxonline.md §5); ``warn`` takes the
    lines the command writes on stderr (courses without a designated source run)."""
    org = repo.organization_by_id(db, contract.organization_id)
    return {
        "version": EXPORT_VERSION,
        "exported_at": now().isoformat(),
        "source_contract_id": contract.id,
        "source_contract_slug": contract.slug,
        "organization": {
            "name": org.name,
            "org_key": org.org_key,
            "org_key_prefix": org.org_key_prefix,
            "sso_organization_id": org.sso_organization_id,
        },
        "contract": {
            "name": contract.name,
            "slug": contract.slug,
            "description": contract.description,
            "welcome_message": contract.welcome_message,
            "welcome_message_extra": contract.welcome_message_extra,
            "membership_type": contract.membership_type,
            "contract_start": to_sql(contract.contract_start),
            "contract_end": to_sql(contract.contract_end),
            "active": contract.active,
            "max_learners": contract.max_learners,
            "enrollment_fixed_price": to_sql(contract.enrollment_fixed_price),
            "google_sheet_target": contract.google_sheet_target,
            "google_sheet_target_tab": contract.google_sheet_target_tab,
            "variant_options": _variant_dicts(db, "contract", contract.id),
        },
        "programs": _export_programs(db, contract, warn),
    }


def _export(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    found = repo.contracts_by_id_or_slug(ctx.db, args.contract)
    if not found:
        raise CommandError(f"Contract '{args.contract}' not found.")
    text = json.dumps(export_document(ctx.db, found[0], out.err), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        out.err(f"Contract '{found[0].slug}' exported to {args.output}")
    else:
        out.out(text)


# import -------------------------------------------------------------------------


def _import(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    """``handle_import`` (docs/platforms/mitxonline.md §5, issue #18 point 2): a header naming the exported contract,
    each step after a blank line with its details indented; a dry run ends with the
    rollback line and no ``Import complete``."""
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    document = json.loads(text)
    if document.get("version") != EXPORT_VERSION:
        raise CommandError(f"Unsupported export format version {document.get('version')!r}, expected 1.")
    out.out(
        f"Importing contract '{document.get('source_contract_slug', '<unknown>')}' "
        f"(exported {document.get('exported_at', 'unknown date')})" + ("" if args.commit else " [DRY RUN]")
    )
    db = ctx.db
    # Everything inside one transaction, rolled back for a dry run or a crash (docs/platforms/mitxonline.md §5).
    db.execute("SAVEPOINT b2b_contract_import")
    try:
        contract = _apply_import(document, args, ctx, out)
    except BaseException:
        db.execute("ROLLBACK TO b2b_contract_import")
        db.execute("RELEASE b2b_contract_import")
        raise
    if not args.commit:
        out.out("\nDry run — rolling back. Pass --commit to apply changes.")
        db.execute("ROLLBACK TO b2b_contract_import")
        db.execute("RELEASE b2b_contract_import")
        return
    db.execute("RELEASE b2b_contract_import")
    out.out(f"\nImport complete. Contract slug: {contract.slug} (id={contract.id})")


def _apply_import(document: dict[str, Any], args: argparse.Namespace, ctx: CommandContext, out: Output) -> Contract:
    db = ctx.db
    out.out("\nStep 0: CMS infrastructure")
    repo.ensure_base_pages(db)

    out.out("\nStep 1: Organization")
    org_doc = document["organization"]
    org = repo.organization_by_key(db, org_doc["org_key"])
    if org is None:
        org = create_organization(
            db,
            org_doc["name"],
            org_doc["org_key"],
            prefix=org_doc.get("org_key_prefix") or DEFAULT_ORG_KEY_PREFIX,
            sso_organization_id=org_doc.get("sso_organization_id"),
        )
        out.out(f"  Created organization: {org.org_key}")
    else:
        out.out(f"  Organization exists: {org.org_key}")

    out.out("\nStep 2: Programs and courses")
    programs_with_order = [
        (_import_program(ctx, out, program_doc), program_doc["sort_order"]) for program_doc in document["programs"]
    ]

    out.out("\nStep 3: Contract")
    contract_doc = document["contract"]
    slug = args.slug or contract_doc["slug"]
    contract = repo.first(Contract, db, "r.slug = ?", [slug])
    if contract is not None:
        out.out(f"  Contract exists: {slug}")
    else:
        contract = insert_contract(
            db,
            org,
            {
                "name": contract_doc["name"],
                "slug": slug,
                "description": contract_doc.get("description", ""),
                "welcome_message": contract_doc.get("welcome_message", ""),
                "welcome_message_extra": contract_doc.get("welcome_message_extra", ""),
                "membership_type": contract_doc["membership_type"],
                "contract_start": _parse_date("contract_start", contract_doc.get("contract_start")),
                "contract_end": _parse_date("contract_end", contract_doc.get("contract_end")),
                "active": contract_doc.get("active", True),
                "max_learners": contract_doc.get("max_learners"),
                "enrollment_fixed_price": _parse_decimal(
                    "enrollment_fixed_price", contract_doc.get("enrollment_fixed_price")
                ),
                "google_sheet_target": contract_doc.get("google_sheet_target", ""),
                "google_sheet_target_tab": contract_doc.get("google_sheet_target_tab", "Sheet1"),
            },
        )
        # Saved again with its children: an inactive export crashes here (docs/platforms/mitxonline.md §5).
        api.save_contract(db, contract, {})
        out.out(f"  Created contract: {slug}")

    out.out("\nStep 4: Contract variant options")
    created = _ensure_variants(db, "contract", contract.id, contract_doc.get("variant_options", []))
    out.out(f"  {created} variant option(s) created")

    if args.skip_runs:
        out.out("\nStep 5: Linking programs (--skip-runs set)")
        for program, sort_order in programs_with_order:
            if programs.contract_program_item(db, contract.id, program.id) is None:
                programs.link_program(ctx, contract, program, sort_order, skip_run_creation=True)
                out.out(f"  Linked {program.readable_id}")
    else:
        _create_contract_runs(ctx, out, contract, programs_with_order)
    return contract


def _import_program(ctx: CommandContext, out: Output, program_doc: dict[str, Any]) -> Program:
    """``_import_program``: get or create by readable id (new ones live), departments, a
    live page, then each course; a course not yet in the tree is added as **required**,
    whatever it was in the exported program."""
    db = ctx.db
    program = programs.program_by_readable_id(db, program_doc["readable_id"])
    if program is None:
        program = programs.create_program(db, program_doc["readable_id"], program_doc["title"], live=True)
        out.out(f"  Created program: {program.readable_id}")
    else:
        out.out(f"  Program exists: {program.readable_id}")
    for name in program_doc.get("departments", []):
        programs.add_program_department(db, program.id, repo.get_or_create_department(db, name))
    programs.ensure_live_program_page(db, program)
    in_tree = {c.id for c in programs.program_courses(db, program.id)}
    for course_doc in program_doc.get("courses", []):
        course = _import_course(ctx, out, course_doc)
        if course.id not in in_tree:
            programs.add_course_requirement(db, program.id, course.id, elective=False)
            in_tree.add(course.id)
    return program


def _create_contract_runs(
    ctx: CommandContext, out: Output, contract: Contract, programs_with_order: list[tuple[Program, int]]
) -> None:
    """``add_program_courses(order=sort_order, skip_edx=True, no_reruns=True)`` per program,
    filtered by the contract's variant options; never calls edX. A program whose course
    has no matching source run is still linked."""
    db = ctx.db
    out.out("\nStep 5: Contract runs")
    filters = api.RunFilters(contract_variants=tuple(v.variant for v in repo.variants_of(db, "contract", contract.id)))
    total_created = total_no_source = 0
    for program, sort_order in programs_with_order:
        out.out(f"  Program: {program.readable_id}")
        try:
            created, no_source = programs.add_program_courses(
                ctx, out, contract, program, order=sort_order, skip_edx=True, allow_reruns=False, filters=filters
            )
        except EmulatedException as exc:
            if not exc.qualified_name.endswith("SourceCourseIncompleteError"):
                raise
            out.out(f"    Skipped (no source run): {exc.message}")
            if programs.contract_program_item(db, contract.id, program.id) is None:
                programs.link_program(ctx, contract, program, sort_order, skip_run_creation=True)
            continue
        total_created += created
        total_no_source += no_source
        if no_source:
            out.out(f"    {no_source} course(s) had no source run and were skipped")
    out.out(f"  Created {total_created} contract run(s), {total_no_source} course(s) without source runs skipped")


def _import_course(ctx: CommandContext, out: Output, course_doc: dict[str, Any]) -> Course:
    db = ctx.db
    course = repo.course_by_readable_id(db, course_doc["readable_id"])
    if course is None:
        course = api.create_course(db, course_doc["readable_id"], course_doc["title"], live=True)
        out.out(f"    Created course: {course.readable_id}")
    else:
        out.out(f"    Course exists: {course.readable_id}")
    page = repo.page_of_course(db, course.id)
    if page is None:
        api.create_default_courseware_page(db, course, live=True)
    elif not page.live:
        repo.update(db, "mitx_course_page", page.id, {"live": True, "last_published_at": now()})
        repo.update(db, "mitx_page", page.id, {"live": True})
    for name in course_doc.get("departments", []):
        repo.add_course_department(db, course.id, repo.get_or_create_department(db, name))
    runs_created = 0
    for run_doc in course_doc.get("source_runs", []):
        fields = ("language", "variant_industry", "variant_length", "is_primary_language")
        run = repo.run_by_courseware_id(db, run_doc["courseware_id"], usable_only=False)
        if run is None:
            run = api.create_run(
                db,
                {
                    "course_id": course.id,
                    **{
                        k: run_doc[k]
                        for k in (
                            "courseware_id",
                            "run_tag",
                            "title",
                            "is_source_run",
                            "start_date",
                            "end_date",
                            "enrollment_start",
                            "enrollment_end",
                            "live",
                            "is_self_paced",
                            "has_courseware_url",
                            *fields,
                        )
                        if k in run_doc
                    },
                },
            )
            runs_created += 1
        elif run_doc.get("is_source_run") and not run.is_source_run:
            repo.update(db, "mitx_course_run", run.id, {"is_source_run": True, **{k: run_doc[k] for k in fields}})
        for mode in run_doc.get("enrollment_modes", []):
            repo.attach_mode(db, run.id, mode)
    if runs_created:
        out.out(f"      Created {runs_created} source run(s)")
    elif course_doc.get("source_runs"):
        out.out("      Source runs already exist")
    else:
        out.out(f"      No source runs for {course.readable_id} — contract runs cannot be created for this course")
    variants_created = _ensure_variants(db, "course", course.id, course_doc.get("variant_options", []))
    if variants_created:
        out.out(f"      Created {variants_created} variant option(s)")
    return course


def _ensure_variants(db: sqlite3.Connection, owner_type: str, owner_id: int, variants: list[dict[str, Any]]) -> int:
    """The variant options of ``variants`` the owner lacks, created; returns how many."""
    existing = {v.variant for v in repo.variants_of(db, owner_type, owner_id)}
    created = 0
    for doc in variants:
        key = (doc.get("language", ""), doc.get("variant_industry", ""), doc.get("variant_length", ""))
        if key in existing:
            continue
        repo.insert(
            db,
            "mitx_supported_variant",
            {
                "owner_type": owner_type,
                "owner_id": owner_id,
                "language": key[0],
                "variant_industry": key[1],
                "variant_length": key[2],
                "active": doc.get("active", True),
                "b2b_only": doc.get("b2b_only", False),
                "default_variant": doc.get("default_variant", False),
            },
        )
        existing.add(key)
        created += 1
    return created


COMMANDS = (Command("b2b_contract", configure, handle),)
