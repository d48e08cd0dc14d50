"""JSON shapes of MITx Online's REST reads (docs/platforms/mitxonline.md §6)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sandbox.context import AppContext
from sandbox.mitxonline import repo
from sandbox.mitxonline.keys import InvalidKeyError, parse_course_key
from sandbox.mitxonline.models import Contract, Course, CoursePage, CourseRun, Organization, now, to_sql


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


def course(ctx: AppContext, item: Course, runs: list[CourseRun]) -> dict[str, Any]:
    """v2 / internal course (docs/platforms/mitxonline.md §6); ``runs`` are already chosen by the caller's manager."""
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
        "programs": [],
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
        "programs": [],
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
