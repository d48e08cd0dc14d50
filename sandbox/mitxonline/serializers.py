"""JSON shapes of MITx Online's REST reads (docs/platforms/mitxonline.md §6)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sandbox.context import AppContext
from sandbox.mitxonline import programs, repo
from sandbox.mitxonline.keys import InvalidKeyError, parse_course_key
from sandbox.mitxonline.models import (
    Contract,
    Course,
    CoursePage,
    CourseRun,
    Organization,
    Program,
    ProgramPage,
    ProgramRequirement,
    now,
    to_sql,
)


def _iso(value: datetime | None) -> str | None:
    result: str | None = to_sql(value)
    return result


def is_enrollable(run: CourseRun, at: datetime) -> bool:
    return (
        run.live
        and (run.enrollment_start is None or run.enrollment_start <= at)
        and (run.enrollment_end is None or run.enrollment_end > at)
    )


def course_run(ctx: AppContext, run: CourseRun) -> dict[str, Any]:
    """``CourseRunWithCourseSerializer``-style run, with ``b2b_contract`` (docs/platforms/mitxonline.md §6)."""
    at = now()
    try:
        course_number = parse_course_key(run.courseware_id).course
    except InvalidKeyError:
        course_number = ""
    products = repo.products_of_run(ctx.db, run.id, active_only=True)
    modes = repo.rows(
        ctx.db,
        "SELECT m.mode_slug, m.mode_display_name, m.requires_payment FROM mitx_enrollment_mode m "
        "JOIN mitx_course_run_mode rm ON rm.mode_id = m.id WHERE rm.run_id = ? ORDER BY m.id",
        [run.id],
    )
    return {
        "title": run.title,
        "start_date": _iso(run.start_date),
        "end_date": _iso(run.end_date),
        "enrollment_start": _iso(run.enrollment_start),
        "enrollment_end": _iso(run.enrollment_end),
        "expiration_date": _iso(run.expiration_date),
        "courseware_url": f"{ctx.urls.edx_lms_url}/courses/{run.courseware_id}/" if run.has_courseware_url else None,
        "courseware_id": run.courseware_id,
        "certificate_available_date": _iso(run.certificate_available_date),
        "upgrade_deadline": _iso(run.upgrade_deadline),
        "is_upgradable": bool(products) and (run.upgrade_deadline is None or run.upgrade_deadline > at),
        "is_enrollable": is_enrollable(run, at),
        "is_archived": is_enrollable(run, at) and run.end_date is not None and run.end_date < at,
        "is_self_paced": run.is_self_paced,
        "run_tag": run.run_tag,
        "id": run.id,
        "live": run.live,
        "course_number": course_number,
        "products": [
            {
                "id": p.id,
                "price": str(p.price),
                "description": p.description,
                "is_active": p.is_active,
                "product_flexible_price": None,
            }
            for p in products
        ],
        "approved_flexible_price_exists": False,
        "b2b_contract": run.b2b_contract_id,
        "language": run.language,
        "is_primary_language": run.is_primary_language,
        "variant_industry": run.variant_industry,
        "variant_length": run.variant_length,
        "enrollment_modes": [
            {
                "mode_slug": m["mode_slug"],
                "mode_display_name": m["mode_display_name"],
                "requires_payment": bool(m["requires_payment"]),
            }
            for m in modes
        ],
    }


def _page_summary(page: CoursePage | None) -> dict[str, Any] | None:
    if page is None:
        return None
    return {
        "feature_image_src": "/static/images/mit-dome.png",
        "page_url": f"/courses/{page.slug}/",
        "description": page.description,
        "live": page.live,
        "length": page.length,
        "effort": None,
        "financial_assistance_form_url": "",
        "current_price": None,
        "instructors": [],
    }


def variant_options(db: sqlite3.Connection, owner_type: str, owner_id: int) -> list[dict[str, Any]]:
    return [
        {
            "language": v.language,
            "variant_length": v.variant_length,
            "variant_industry": v.variant_industry,
            "active": v.active,
            "b2b_only": v.b2b_only,
            "default_variant": v.default_variant,
        }
        for v in repo.variants_of(db, owner_type, owner_id)
    ]


def course(
    ctx: AppContext, item: Course, runs: list[CourseRun], in_programs: list[Program] | None = None
) -> dict[str, Any]:
    """v2 / internal course (docs/platforms/mitxonline.md §6); ``runs`` and ``in_programs``
    (the programs the caller's view shows, ``BaseProgramSerializer``) are chosen by the caller."""
    page = repo.page_of_course(ctx.db, item.id)
    at = now()
    upcoming = sorted(
        (r for r in runs if is_enrollable(r, at) and r.start_date and r.start_date > at),
        key=lambda r: r.start_date or at,
    )
    return {
        "id": item.id,
        "title": item.title,
        "readable_id": item.readable_id,
        "next_run_id": upcoming[0].id if upcoming else None,
        "departments": [{"name": name} for name in repo.department_names(ctx.db, item.id)],
        "page": _page_summary(page),
        "programs": [base_program(p) for p in in_programs or []],
        "topics": [],
        "certificate_type": "Certificate of Completion",
        "required_prerequisites": False,
        "duration": page.length if page else "",
        "min_weeks": None,
        "max_weeks": None,
        "min_price": None,
        "max_price": None,
        "time_commitment": None,
        "availability": "anytime" if any(r.is_self_paced for r in runs) else "dated",
        "include_in_learn_catalog": bool(page and page.include_in_learn_catalog),
        "ingest_content_files_for_ai": bool(page and page.ingest_content_files_for_ai),
        "possible_variant_sets": variant_options(ctx.db, "course", item.id),
        "courseruns": [course_run(ctx, r) for r in runs],
    }


def contract(ctx: AppContext, item: Contract) -> dict[str, Any]:
    """``ContractPageSerializer``: no active, max_learners or price (docs/platforms/mitxonline.md §6)."""
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "membership_type": item.membership_type,
        "organization": item.organization_id,
        "contract_start": to_sql(item.contract_start),
        "contract_end": to_sql(item.contract_end),
        "slug": item.slug,
        "welcome_message": item.welcome_message,
        "welcome_message_extra": item.welcome_message_extra,
        # The contract's program ids, by sort_order (``contract_program_ids``).
        "programs": [link.program_id for link in programs.contract_programs(ctx.db, item.id)],
        "variant_options": variant_options(ctx.db, "contract", item.id),
    }


def organization(ctx: AppContext, item: Organization) -> dict[str, Any]:
    """No org_key or prefix; ``contracts`` holds active ones, without a date filter (docs/platforms/mitxonline.md
    §6)."""
    active = repo.fetch(Contract, ctx.db, "r.organization_id = ? AND r.active = 1", [item.id])
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "logo": None,
        "slug": item.slug,
        "sso_organization_id": item.sso_organization_id,
        "contracts": [contract(ctx, c) for c in active],
    }


def page(ctx: AppContext, item: CoursePage, all_fields: bool) -> dict[str, Any]:
    """A Wagtail API v2 item of type ``cms.coursepage`` (docs/platforms/mitxonline.md §6)."""
    base = f"{ctx.urls.mitxonline_url}/api/v2/pages/"
    meta: dict[str, Any] = {
        "type": "cms.coursepage",
        "detail_url": f"{base}{item.id}/",
        "html_url": f"{ctx.urls.mitxonline_url}/courses/{item.slug}/",
        "slug": item.slug,
        "first_published_at": _iso(item.first_published_at),
    }
    body: dict[str, Any] = {"id": item.id, "meta": meta, "title": item.title}
    if not all_fields:
        return body
    meta.update(
        show_in_menus=False,
        seo_title="",
        search_description="",
        alias_of=None,
        parent={
            "id": repo.COURSE_INDEX_PAGE_ID,
            "meta": {
                "type": "cms.courseindexpage",
                "detail_url": f"{base}{repo.COURSE_INDEX_PAGE_ID}/",
                "html_url": f"{ctx.urls.mitxonline_url}/courses/",
            },
            "title": "Courses",
        },
        locale="en",
        live=item.live,
        last_published_at=_iso(item.last_published_at),
    )
    readable_id = repo.scalar(ctx.db, "SELECT readable_id FROM mitx_course WHERE id = ?", [item.course_id])
    body.update(
        description=item.description,
        length=item.length,
        effort=None,
        min_weekly_hours=item.min_weekly_hours,
        max_weekly_hours=item.max_weekly_hours,
        min_weeks=None,
        max_weeks=None,
        price=[],
        min_price=0,
        max_price=0,
        prerequisites="",
        faq_url=None,
        about="",
        what_you_learn="",
        feature_image=None,
        video_url=None,
        faculty_section_title="Meet your instructors",
        faculty=[],
        certificate_page=None,
        how_youll_learn=None,
        course_details={"readable_id": readable_id},
        topic_list=[],
        include_in_learn_catalog=item.include_in_learn_catalog,
        ingest_content_files_for_ai=item.ingest_content_files_for_ai,
        show_stay_updated=False,
    )
    return body


# Programs (courses/serializers/v2/programs.py) ---------------------------------------


def base_program(item: Program) -> dict[str, Any]:
    """``BaseProgramSerializer``: how a course lists its programs."""
    return {
        "title": item.title,
        "readable_id": item.readable_id,
        "id": item.id,
        "type": "program",
        "display_mode": item.display_mode,
    }


def _program_page(item: Program, page: ProgramPage | None) -> dict[str, Any] | None:
    """``ProgramPageSerializer``."""
    if page is None:
        return None
    return {
        "feature_image_src": None,
        "page_url": f"/programs/{item.readable_id}",
        "financial_assistance_form_url": "",
        "description": page.description,
        "live": page.live,
        "include_in_learn_catalog": page.include_in_learn_catalog,
        "length": page.length,
        "effort": None,
        "price": None,
        "list_price": None,
    }


def _req_node(node: ProgramRequirement, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": node.id,
        "data": {
            "node_type": node.node_type,
            "course": node.course_id,
            "program": node.program_id,
            "required_program": node.required_program_id,
            "title": node.title,
            "operator": node.operator,
            "operator_value": node.operator_value,
            "elective_flag": bool(node.elective_flag),
        },
        "children": children,
    }


def req_tree(nodes: list[ProgramRequirement]) -> list[dict[str, Any]]:
    """``ProgramRequirementTreeSerializer``: the root's children, each with its own, in path order."""

    def children_of(parent: ProgramRequirement) -> list[dict[str, Any]]:
        return [
            _req_node(n, children_of(n))
            for n in nodes
            if n.depth == parent.depth + 1 and n.path.startswith(parent.path)
        ]

    roots = [n for n in nodes if n.depth == 1]
    return children_of(roots[0]) if roots else []


def program(ctx: AppContext, item: Program, *, include_programs: bool) -> dict[str, Any]:
    """``ProgramDetailSerializer`` of ``/api/v2/programs/``.

    ``programs`` (the programs that require this one) is ``null`` unless the caller
    asked for one program or filtered by ``readable_id``; the sandbox makes no program
    requirements of programs, so it is then ``[]``.
    """
    db = ctx.db
    page = programs.page_of_program(db, item.id)
    requirements = programs.course_requirements(db, item.id)
    courses = [r.course for r in requirements]
    modes = repo.rows(
        db,
        "SELECT m.mode_slug, m.mode_display_name, m.requires_payment FROM mitx_enrollment_mode m "
        "JOIN mitx_program_mode pm ON pm.mode_id = m.id WHERE pm.program_id = ? ORDER BY m.id",
        [item.id],
    )
    at = now()
    upcoming = sorted(
        (
            r
            for c in courses
            for r in repo.runs_of_course(db, c.id, usable_only=True)
            if r.live and r.start_date is not None and r.start_date > at
        ),
        key=lambda r: r.start_date or at,
    )
    return {
        "title": item.title,
        "readable_id": item.readable_id,
        "id": item.id,
        "courses": [c.id for c in courses if c.live],
        "collections": [],
        "programs": [] if include_programs else None,
        "requirements": {
            "courses": {
                "required": [
                    {"id": r.course.id, "readable_id": r.course.readable_id} for r in requirements if not r.elective
                ],
                "electives": [
                    {"id": r.course.id, "readable_id": r.course.readable_id} for r in requirements if r.elective
                ],
            },
            "programs": {"required": [], "electives": []},
        },
        "req_tree": req_tree(programs.tree(db, item.id)),
        "page": _program_page(item, page),
        "program_type": item.program_type,
        "certificate_type": (
            "MicroMasters Credential" if "MicroMasters" in (item.program_type or "") else "Certificate of Completion"
        ),
        "certificate_available": any(m["requires_payment"] for m in modes),
        "departments": [{"name": name} for name in programs.program_department_names(db, item.id)],
        "live": item.live,
        "display_mode": item.display_mode,
        "topics": [],
        "availability": item.availability,
        "start_date": _iso(upcoming[0].start_date) if upcoming else _iso(item.start_date),
        "end_date": _iso(item.end_date),
        "enrollment_start": _iso(item.enrollment_start),
        "enrollment_end": _iso(item.enrollment_end),
        "required_prerequisites": False,
        "duration": page.length if page else None,
        "min_weeks": None,
        "max_weeks": None,
        "min_price": 0 if page else None,
        "max_price": 0 if page else None,
        "time_commitment": None,
        "min_weekly_hours": page.min_weekly_hours if page else None,
        "max_weekly_hours": page.max_weekly_hours if page else None,
        "enrollment_modes": [
            {
                "mode_slug": m["mode_slug"],
                "mode_display_name": m["mode_display_name"],
                "requires_payment": bool(m["requires_payment"]),
            }
            for m in modes
        ],
        "products": [],
    }
