"""MITx Online's domain functions that several commands share (courses/api.py, b2b/api.py, cms/api.py).

Messages printed here are the ones the real functions print; the commands add theirs.
"""

from __future__ import annotations

import sqlite3
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from sandbox.context import AppContext
from sandbox.mitxonline import keys, openedx, repo
from sandbox.mitxonline.console import EmulatedException, Output, contract_does_not_exist
from sandbox.mitxonline.keys import course_root, parse_course_key, variant_suffix
from sandbox.mitxonline.models import (
    Contract,
    Course,
    CoursePage,
    CourseRun,
    Product,
    now,
    parse_datetime,
)

# (language, industry, length), the order of the key suffix (docs/platforms/mitxonline.md §7).
Variant = tuple[str, str, str]


class PageValidationError(Exception):
    """Wagtail's ``ValidationError`` on a course page, with Django's ``message_dict``."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__(str(messages))
        self.messages = messages


# CMS pages (cms/api.py) -------------------------------------------------------------


def create_default_courseware_page(
    db: sqlite3.Connection,
    course: Course,
    *,
    live: bool,
    include_in_learn_catalog: bool = False,
    ingest_content_files_for_ai: bool = False,
) -> CoursePage:
    """``create_default_courseware_page`` (docs/platforms/mitxonline.md §13): title and description from the course."""
    slug = repo.slugify(course.readable_id)
    problems: dict[str, list[str]] = {}
    if repo.scalar(
        db, "SELECT COUNT(*) FROM mitx_page WHERE parent_id = ? AND slug = ?", [repo.COURSE_INDEX_PAGE_ID, slug]
    ):
        problems["slug"] = [f"The slug '{slug}' is already in use within the parent page at '/courses/'."]
    if repo.page_of_course(db, course.id) is not None:
        problems["course"] = ["Course page with this Course already exists."]
    if problems:
        raise PageValidationError(problems)
    page_id = repo.new_page(db, "cms.coursepage", repo.COURSE_INDEX_PAGE_ID, course.title, slug, live)
    published = now() if live else None
    repo.insert(
        db,
        "mitx_course_page",
        {
            "id": page_id,
            "course_id": course.id,
            "title": course.title,
            "slug": slug,
            "live": live,
            "description": course.title,
            "length": "No Data",
            "min_weekly_hours": "Empty",
            "max_weekly_hours": "Empty",
            "include_in_learn_catalog": include_in_learn_catalog,
            "ingest_content_files_for_ai": ingest_content_files_for_ai,
            "first_published_at": published,
            "last_published_at": published,
        },
    )
    page = repo.page_of_course(db, course.id)
    assert page is not None
    return page


# Courses and runs (courses/api.py) --------------------------------------------------


def create_course(db: sqlite3.Connection, readable_id: str, title: str, *, live: bool) -> Course:
    stamp = repo.now_iso()
    repo.insert(
        db,
        "mitx_course",
        {"readable_id": readable_id, "title": title, "live": live, "created_on": stamp, "updated_on": stamp},
    )
    course = repo.course_by_readable_id(db, readable_id)
    assert course is not None
    return course


def create_run(db: sqlite3.Connection, values: dict[str, object]) -> CourseRun:
    repo.insert(db, "mitx_course_run", values)
    run = repo.run_by_courseware_id(db, str(values["courseware_id"]), usable_only=False)
    assert run is not None
    return run


def parse_price(text: str) -> Decimal | None:
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def upsert_product(db: sqlite3.Connection, run: CourseRun, price: Decimal) -> None:
    """``Product.update_or_create`` for a run, described by its courseware_id (docs/platforms/mitxonline.md §3)."""
    existing = repo.products_of_run(db, run.id, active_only=False)
    if existing:
        repo.update(db, "mitx_product", existing[0].id, {"price": price, "is_active": True})
    else:
        repo.insert(
            db, "mitx_product", {"run_id": run.id, "price": price, "description": run.courseware_id, "is_active": True}
        )


def is_valid_variant(db: sqlite3.Connection, run: CourseRun) -> bool:
    """``Course.validate_variant_run``: one of the course's variant sets has the run's
    language, length and industry, and is B2B-only exactly when the run is a contract
    run. A course without variant sets accepts none (issue #18 point 4)."""
    b2b_only = run.b2b_contract_id is not None
    return any(
        v.variant == run.variant and v.b2b_only == b2b_only for v in repo.variants_of(db, "course", run.course_id)
    )


@dataclass(frozen=True)
class ImportOptions:
    live: bool = False
    use_specific_course: str | None = None
    create_cms_page: bool = False
    publish_cms_page: bool | None = None
    include_in_learn_catalog: bool = False
    ingest_content_files_for_ai: bool = False
    price: str | None = None
    departments: tuple[str, ...] = ()
    create_depts: bool = False
    is_source_run: bool = False
    language: str = "en"
    is_primary_language: bool = False
    variant_length: str = ""
    variant_industry: str = ""


def import_courserun_from_edx(
    ctx: AppContext, out: Output, course_key: str, options: ImportOptions
) -> CourseRun | None:
    """``import_courserun_from_edx`` (docs/platforms/mitxonline.md §3); None when nothing was created.

    An existing ``courseware_id`` (any manager) is skipped silently and never updated
    (docs/platforms/mitxonline.md §3): the emulation keeps that non-update on purpose. Otherwise it reads
    the course detail from the LMS (for ``import_courserun``, a second time, docs/platforms/mitxonline.md §9).
    """
    db = ctx.db
    if repo.run_by_courseware_id(db, course_key, usable_only=False) is not None:
        return None
    try:
        detail = openedx.course_detail(ctx, course_key)
    except openedx.EdxError as exc:
        out.out(f"Could not retrieve data for {course_key}: {exc}")
        return None
    if options.use_specific_course:
        found = repo.course_by_readable_id(db, options.use_specific_course)
        if found is None:
            raise EmulatedException("courses.models.Course.DoesNotExist", "Course matching query does not exist.")
        course, created_course = found, False
    else:
        root = course_root(parse_course_key(course_key))
        existing = repo.course_by_readable_id(db, root)
        course = existing or create_course(db, root, str(detail["name"]), live=options.live)
        created_course = existing is None
    if options.create_depts:
        # Department quirk (docs/platforms/mitxonline.md §3): names are applied only with --create-depts.
        for name in options.departments:
            repo.add_course_department(db, course.id, repo.get_or_create_department(db, name))
    run = create_run(
        db,
        {
            "course_id": course.id,
            "run_tag": parse_course_key(course_key).run,
            "courseware_id": detail["id"],
            "title": detail["name"],
            "start_date": detail.get("start"),
            "end_date": detail.get("end"),
            "enrollment_start": detail.get("enrollment_start"),
            "enrollment_end": detail.get("enrollment_end"),
            "live": options.live,
            "is_self_paced": detail.get("pacing") == "self",
            "is_source_run": options.is_source_run,
            "language": options.language,
            "is_primary_language": options.is_primary_language,
            "variant_length": options.variant_length,
            "variant_industry": options.variant_industry,
        },
    )
    for mode in openedx.course_modes(ctx, run.courseware_id):
        repo.attach_mode(db, run.id, str(mode["mode_slug"]))
    if options.create_cms_page and created_course and not options.use_specific_course:
        page_live = options.live if options.publish_cms_page is None else options.publish_cms_page
        try:
            page = create_default_courseware_page(
                db,
                course,
                live=page_live,
                include_in_learn_catalog=options.include_in_learn_catalog,
                ingest_content_files_for_ai=options.ingest_content_files_for_ai,
            )
        except PageValidationError:
            # Not guarded (docs/platforms/mitxonline.md §3): the run stays, the import reports a failure.
            out.out(f"Validation error importing {course_key}.")
            return None
        out.out(f"\t --> Created page {page.title}")
    if options.price is not None:
        price = parse_price(options.price)
        if price is None:
            out.out(
                f"Invalid price format: {options.price}. Must be a valid decimal number. Skipping product creation."
            )
        else:
            upsert_product(db, run, price)
    return run


def sync_runs(ctx: AppContext, runs: list[CourseRun]) -> tuple[int, int]:
    """``sync_course_runs`` (docs/platforms/mitxonline.md §10): copy title, dates and pacing from the LMS course
    list."""
    if not runs:
        return 0, 0
    try:
        found = {str(c["id"]): c for c in openedx.course_list(ctx, [r.courseware_id for r in runs])}
    except openedx.EdxError:
        return 0, len(runs)
    updated = 0
    for run in runs:
        course = found.get(run.courseware_id)
        if course is None:
            continue
        values: dict[str, object] = {
            "title": course["name"],
            "start_date": _optional_datetime(course.get("start")),
            "end_date": _optional_datetime(course.get("end")),
            "enrollment_start": _optional_datetime(course.get("enrollment_start")),
            "enrollment_end": _optional_datetime(course.get("enrollment_end")),
            "is_self_paced": course.get("pacing") == "self",
            "certificate_available_date": _optional_datetime(
                course.get("certificate_available_date") or course.get("end")
            ),
        }
        current = {name: getattr(run, name) for name in values}
        if current != values:
            if (current["start_date"], current["end_date"]) != (values["start_date"], values["end_date"]):
                values["expiration_date"] = None
            repo.update(ctx.db, "mitx_course_run", run.id, values)
        updated += 1
    return updated, 0


def _optional_datetime(value: object) -> datetime | None:
    return parse_datetime(str(value)) if value else None


# Contracts and contract runs (b2b/api.py, b2b/models.py) ---------------------------

API_LOGGER = "b2b.api"


def save_contract(db: sqlite3.Connection, contract: Contract, changes: dict[str, object]) -> None:
    """``ContractPage.save()``: re-reads the *stored* page through ``active_objects`` first."""
    stored = repo.contract_by_id(db, contract.id)
    if stored is None or not stored.in_active_objects(now().date()):
        raise contract_does_not_exist()
    if changes:
        repo.update(db, "mitx_contract", contract.id, changes)


@dataclass(frozen=True)
class RunFilters:
    """The variant filters of ``b2b_courseware add`` (docs/platforms/mitxonline.md §9)."""

    contract_variants: tuple[Variant, ...] = ()
    no_lang: bool = False
    only_lang: str | None = None


def source_runs_for_course(db: sqlite3.Connection, course: Course, filters: RunFilters) -> list[CourseRun]:
    """``_get_source_runs_for_course`` (docs/platforms/mitxonline.md §9)."""
    runs = [r for r in repo.runs_of_course(db, course.id, usable_only=False) if r.counts_as_source]
    variants = [v for v in repo.variants_of(db, "course", course.id) if v.active]
    default = next((v for v in variants if v.default_variant), None)
    if default is None or filters.no_lang:
        return [r for r in runs if r.language in ("", "en") or r.is_primary_language]
    allowed = {v.variant for v in variants}
    if filters.contract_variants:
        allowed &= set(filters.contract_variants)
    kept = [r for r in runs if r.variant in allowed]
    if filters.only_lang:
        kept = [r for r in kept if r.language in (filters.only_lang, default.language)]
    return kept


def contract_datetime(value: date | None) -> datetime | None:
    """Contract dates are DateFields, taken at midnight UTC (docs/platforms/mitxonline.md §9)."""
    return datetime.combine(value, time.min, tzinfo=UTC) if value else None


@dataclass(frozen=True)
class CreatedRun:
    run: CourseRun
    product: Product


def create_contract_run(
    ctx: AppContext,
    out: Output,
    contract: Contract,
    course: Course,
    *,
    prefix: str | None,
    skip_edx: bool,
    allow_reruns: bool,
    filters: RunFilters,
    require_designated_source_run: bool = True,
) -> list[CreatedRun]:
    """``b2b.api.create_contract_run`` (docs/platforms/mitxonline.md §9)."""
    db = ctx.db
    org = repo.organization_by_id(db, contract.organization_id)
    sources = source_runs_for_course(db, course, filters)
    if not sources:
        if require_designated_source_run:
            raise EmulatedException("b2b.exceptions.SourceCourseIncompleteError", f"No source run found for {course}.")
        fallback = repo.first(
            CourseRun, db, "r.course_id = ? AND r.b2b_contract_id IS NULL", [course.id], order="r.id DESC"
        )
        if fallback is None:
            out.log("error", f"No course runs available for {course}.", API_LOGGER)
            return []
        sources = [fallback]
    start = contract_datetime(contract.contract_start) or now()
    end = contract_datetime(contract.contract_end)
    created: list[CreatedRun] = []
    for source in sources:
        key = keys.contract_run_key(
            db,
            source=source,
            org_key=org.org_key,
            prefix=prefix or org.org_key_prefix,
            contract_id=contract.id,
            year=now().year,
        )
        if not allow_reruns and repo.first(
            CourseRun,
            db,
            "r.course_id = ? AND r.b2b_contract_id = ? AND r.language = ? AND r.variant_industry = ? "
            "AND r.variant_length = ?",
            [course.id, contract.id, *source.variant],
        ):
            # The message names the key that would have been minted next (docs/platforms/mitxonline.md §3).
            out.log(
                "warning",
                f"Can't create a run for {course} and contract {contract}: courseware ID "
                f"{key.courseware_id} already exists and we're not rerunning it.",
                API_LOGGER,
            )
            continue
        run = create_run(
            db,
            {
                "course_id": course.id,
                "title": source.title,
                "courseware_id": key.courseware_id,
                "run_tag": key.run_tag,
                "start_date": start,
                "enrollment_start": start,
                "certificate_available_date": start,
                "end_date": end,
                "enrollment_end": end,
                "is_self_paced": True,
                "live": True,
                "b2b_contract_id": contract.id,
                "language": source.language,
                "is_primary_language": source.is_primary_language,
                "variant_industry": source.variant_industry,
                "variant_length": source.variant_length,
            },
        )
        for mode in ("verified", "audit"):
            repo.attach_mode(db, run.id, mode)
        if not skip_edx:
            queue_clone(ctx, run, source.courseware_id)
        out.log(
            "info",
            f"Created run {run} (language={run.language}) for course {course} in contract {contract} from {source}",
            API_LOGGER,
        )
        description = f"{org.name} #{contract.id} - {course.title} {course.readable_id}"
        if run.language:
            description += f" [{variant_suffix(run)}]"
        product_id = repo.insert(
            db,
            "mitx_product",
            {"run_id": run.id, "price": contract.price.quantize(Decimal("0.01")), "description": description},
        )
        product = repo.first(Product, db, "r.id = ?", [product_id])
        assert product is not None
        created.append(CreatedRun(run, product))
    # The function ends by saving the contract, skipped courses or not: outside
    # `active_objects` this fails after the runs, products and clones were made, and
    # before the command printed a line about them (docs/platforms/mitxonline.md §4, issue #18 point 3).
    save_contract(db, contract, {})
    return created


def queue_clone(ctx: AppContext, run: CourseRun, source_courseware_id: str) -> None:
    """``clone_courserun.delay(run.id, source)``: a task row the worker runs after the delay
    (docs/platforms/mitxonline.md §9)."""
    repo.insert(
        ctx.db,
        "mitx_clone_task",
        {
            "run_id": run.id,
            "source_courseware_id": source_courseware_id,
            "target_courseware_id": run.courseware_id,
            "status": "pending",
            "eta": clock.time() + ctx.settings.clone_delay,
            "created_at": repo.now_iso(),
        },
    )
