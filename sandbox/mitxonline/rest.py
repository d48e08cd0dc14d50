"""The MITx Online HTTP port: read-only REST (docs/platforms/mitxonline.md §3, §4, §6).

Routes: ``/api/v2/courses/`` (AllowAny; no source runs, no B2B runs for anonymous
callers), ``/api/internal/courses/`` (``Api-Key``; every run), ``/api/v0/b2b/organizations/``
and ``/api/v0/b2b/contracts/`` (``Api-Key``; not paginated; contracts from
``active_objects`` only) and the Wagtail pages API (course pages; the key is ignored).
Every viewset is read-only; DRF checks permissions before the method, so a write
without a key is 403 and with a key 405. The two learner writes, attach with a code
and enroll, are sandbox/mitxonline/learners.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sandbox.context import AppContext
from sandbox.http import Request, Response
from sandbox.mitxonline import learners, programs, repo, serializers
from sandbox.mitxonline.models import Contract, Course, CoursePage, CourseRun, Organization, Program, now

PAGE_SIZE = 12
MAX_PAGE_SIZE = 100
WAGTAIL_LIMIT_MAX = 20  # WAGTAILAPI_LIMIT_MAX default
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
# Django's HTML error pages with DEBUG off.
DJANGO_NOT_FOUND = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n'
    "  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n"
)
DJANGO_SERVER_ERROR = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n'
    "</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)

Handler = Callable[[Request, AppContext, str | None], Response]


class _Route:
    def __init__(
        self, pattern: str, handler: Handler, *, api_key: bool, wagtail: bool = False, learner: bool = False
    ) -> None:
        self.pattern = re.compile(pattern)
        self.handler = handler
        self.api_key = api_key
        self.wagtail = wagtail
        # A learner's write (sandbox/mitxonline/learners.py): it checks its own credentials and method.
        self.learner = learner


def _has_api_key(req: Request, ctx: AppContext) -> bool:
    return req.headers.get("authorization", "") == f"Api-Key {ctx.settings.credentials.mitxonline_api_key}"


def _not_found(model: str) -> Response:
    return Response(404, {"detail": f"No {model} matches the given query."})


def _paginate(req: Request, ctx: AppContext, items: list[dict[str, Any]]) -> Response:
    """DRF ``PageNumberPagination``: size 12, ``page_size`` up to 100 (docs/platforms/mitxonline.md §6)."""
    size_text = req.arg("page_size")
    size = PAGE_SIZE
    if size_text and size_text.isdigit() and int(size_text) > 0:
        size = min(int(size_text), MAX_PAGE_SIZE)
    page_text = req.arg("page") or "1"
    pages = max((len(items) + size - 1) // size, 1)
    if not page_text.isdigit() or not 1 <= int(page_text) <= pages:
        return Response(404, {"detail": "Invalid page."})
    page = int(page_text)

    def link(number: int) -> str:
        query = {k: v[0] for k, v in req.query.items() if k != "page"}
        if number > 1:
            query["page"] = str(number)
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{ctx.urls.mitxonline_url}{req.path}{suffix}"

    return Response(
        200,
        {
            "count": len(items),
            "next": link(page + 1) if page < pages else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": items[(page - 1) * size : page * size],
        },
    )


def _truthy(value: str) -> bool:
    return value.lower() in ("true", "1", "yes")


# Courses --------------------------------------------------------------------------


def _canonical_runs(runs: list[CourseRun]) -> list[CourseRun]:
    """One run per run tag: primary language first, then English, then the oldest (docs/platforms/mitxonline.md §6)."""
    chosen: dict[str, CourseRun] = {}
    for run in sorted(runs, key=lambda r: (not r.is_primary_language, r.language != "en", r.id)):
        chosen.setdefault(run.run_tag, run)
    return sorted(chosen.values(), key=lambda r: r.id)


def _v2_runs(ctx: AppContext, course: Course) -> list[CourseRun]:
    """``CourseRun.objects`` without B2B runs: callers are never members of a contract here."""
    runs = repo.runs_of_course(ctx.db, course.id, usable_only=True)
    return _canonical_runs([r for r in runs if r.b2b_contract_id is None])


def _course_filter(req: Request, ctx: AppContext, course: Course) -> bool:
    """The v2 and internal filters; a readable_id with an unencoded ``+`` matches nothing (docs/platforms/mitxonline.md
    §6).

    The filters are ANDed, as Django's queryset filters are: the first that fails decides,
    and the course's runs are read only for a filter on them. A listing filtered by
    `readable_id` (the provider's read after each write) then reads the runs of one
    course, not of every course: on the 425-resource benchmark store, 30 ms instead of
    350 ms, and the benchmark's wall is the sandbox's as much as the provider's."""
    if (ids := req.arg("id")) is not None and str(course.id) not in ids.split(","):
        return False
    if (readable_id := req.arg("readable_id")) is not None and course.readable_id != readable_id:
        return False
    if (live := req.arg("live")) is not None and course.live != _truthy(live):
        return False
    if (page_live := req.arg("page__live")) is not None:
        page = repo.page_of_course(ctx.db, course.id)
        if page is None or page.live != _truthy(page_live):
            return False
    run_filters = ("courserun_is_enrollable", "courseruns__language", "courseruns__variant_length",
                   "courseruns__variant_industry", "contract_id", "org_id")  # fmt: skip
    if all(req.arg(name) is None for name in run_filters):
        return True
    all_runs = repo.runs_of_course(ctx.db, course.id, usable_only=True)
    checks: list[bool] = []
    if (enrollable := req.arg("courserun_is_enrollable")) is not None:
        at = now()
        has = any(serializers.is_enrollable(r, at) for r in all_runs if r.b2b_contract_id is None)
        checks.append(has == _truthy(enrollable))
    for name in ("language", "variant_length", "variant_industry"):
        if (value := req.arg(f"courseruns__{name}")) is not None:
            checks.append(any(getattr(r, name) == value for r in all_runs))
    if (contract_id := req.arg("contract_id")) is not None:
        checks.append(any(str(r.b2b_contract_id) == contract_id for r in all_runs))
    if (org_id := req.arg("org_id")) is not None:
        contract_ids = {str(c.id) for c in repo.fetch(Contract, ctx.db, "r.organization_id = ?", [org_id])}
        checks.append(any(str(r.b2b_contract_id) in contract_ids for r in all_runs))
    return all(checks)


def _linked_program_ids(ctx: AppContext, where: str, value: str) -> set[int]:
    found = repo.rows(
        ctx.db,
        "SELECT cp.program_id FROM mitx_contract_program cp JOIN mitx_contract c ON c.id = cp.contract_id "
        f"WHERE {where}",
        [value],
    )
    return {row["program_id"] for row in found}


def _v2_course_programs(req: Request, ctx: AppContext, course: Course) -> list[Program]:
    """``get_program_filters``: with ``org_id`` the programs linked to a contract of that
    organization, with ``contract_id`` those linked to that contract (no membership check
    here), otherwise the programs that are not ``b2b_only``."""
    found = programs.programs_of_course(ctx.db, course.id)
    if (org_id := req.arg("org_id")) is not None:
        linked = _linked_program_ids(ctx, "CAST(c.organization_id AS TEXT) = ?", org_id)
        return [p for p in found if p.id in linked]
    if (contract_id := req.arg("contract_id")) is not None:
        linked = _linked_program_ids(ctx, "CAST(c.id AS TEXT) = ?", contract_id)
        return [p for p in found if p.id in linked]
    return [p for p in found if not p.b2b_only]


def _internal_course_programs(ctx: AppContext, course: Course) -> list[Program]:
    """The internal view's prefetch: live programs with a live page, ``b2b_only`` or not."""
    found = programs.programs_of_course(ctx.db, course.id)
    return [p for p in found if p.live and (page := programs.page_of_program(ctx.db, p.id)) is not None and page.live]


def _v2_courses(req: Request, ctx: AppContext, key: str | None) -> Response:
    if key is not None:
        found = repo.first(Course, ctx.db, "CAST(r.id AS TEXT) = ? OR r.readable_id = ?", [key, key])
        if found is None:
            return _not_found("Course")
        return Response(200, serializers.course(ctx, found, _v2_runs(ctx, found), _v2_course_programs(req, ctx, found)))
    courses = [c for c in repo.fetch(Course, ctx.db) if _course_filter(req, ctx, c)]
    return _paginate(
        req,
        ctx,
        [serializers.course(ctx, c, _v2_runs(ctx, c), _v2_course_programs(req, ctx, c)) for c in courses],
    )


def _internal_courses(req: Request, ctx: AppContext, key: str | None) -> Response:
    """Same shape as v2, runs through ``CourseRun.all_objects``: source and B2B runs too (docs/platforms/mitxonline.md
    §6)."""
    courses = [c for c in repo.fetch(Course, ctx.db) if _course_filter(req, ctx, c)]
    return _paginate(
        req,
        ctx,
        [
            serializers.course(
                ctx, c, repo.runs_of_course(ctx.db, c.id, usable_only=False), _internal_course_programs(ctx, c)
            )
            for c in courses
        ],
    )


# Programs -----------------------------------------------------------------------------


def _program_filter(req: Request, ctx: AppContext, item: Program) -> bool:
    """``ProgramFilterSet``: ``id`` (comma-separated), ``live``, ``readable_id``,
    ``page__live``. Callers are anonymous here (the view takes no API key), so
    ``org_id`` and ``contract_id`` only keep the programs that are not ``b2b_only``,
    as the view does without them: a ``b2b_only`` program is never listed."""
    if item.b2b_only:
        return False
    if (ids := req.arg("id")) is not None and str(item.id) not in ids.split(","):
        return False
    if (readable_id := req.arg("readable_id")) is not None and item.readable_id != readable_id:
        return False
    if (live := req.arg("live")) is not None and item.live != _truthy(live):
        return False
    if (page_live := req.arg("page__live")) is not None:
        page = programs.page_of_program(ctx.db, item.id)
        if page is None or page.live != _truthy(page_live):
            return False
    return True


def _v2_programs(req: Request, ctx: AppContext, key: str | None) -> Response:
    """``ProgramViewSet`` (AllowAny reads; paginated like v2 courses; by id): a detail is
    looked up by id when numeric, else by readable id, through the same filters."""
    found = [p for p in repo.fetch(Program, ctx.db) if _program_filter(req, ctx, p)]
    if key is not None:
        match = [p for p in found if (p.id == int(key) if key.isdigit() else p.readable_id == key)]
        if not match:
            return _not_found("Program")
        return Response(200, serializers.program(ctx, match[0], include_programs=True))
    include = req.arg("readable_id") is not None
    return _paginate(req, ctx, [serializers.program(ctx, p, include_programs=include) for p in found])


# B2B --------------------------------------------------------------------------------


def _organizations(req: Request, ctx: AppContext, slug: str | None) -> Response:
    if slug is None:
        return Response(200, [serializers.organization(ctx, o) for o in repo.fetch(Organization, ctx.db)])
    found = repo.first(Organization, ctx.db, "r.slug = ?", [slug])
    if found is None:
        return _not_found("OrganizationPage")
    return Response(200, serializers.organization(ctx, found))


def _active_contracts(ctx: AppContext) -> list[Contract]:
    """``ContractPage.active_objects``: inactive and out-of-date contracts are left out (docs/platforms/mitxonline.md
    §6)."""
    today = now().date()
    return [c for c in repo.fetch(Contract, ctx.db) if c.in_active_objects(today)]


def _contracts(req: Request, ctx: AppContext, slug: str | None) -> Response:
    contracts = _active_contracts(ctx)
    if slug is None:
        return Response(200, [serializers.contract(ctx, c) for c in contracts])
    found = [c for c in contracts if c.slug == slug]
    if not found:
        return _not_found("ContractPage")
    if len(found) > 1:
        # MultipleObjectsReturned from .get(): a plain Django 500 (docs/platforms/mitxonline.md §5).
        return Response(500, DJANGO_SERVER_ERROR)
    return Response(200, serializers.contract(ctx, found[0]))


# Wagtail pages ------------------------------------------------------------------------

_WAGTAIL_PARAMS = {"type", "fields", "readable_id", "limit", "offset", "annotation", "format"}
_WAGTAIL_PUBLIC_TYPE = "cms.coursepage"
_WAGTAIL_TYPES = {
    "wagtailcore.page", "cms.homepage", "cms.courseindexpage", "cms.programindexpage", "cms.coursepage",
    "cms.programpage", "cms.certificatepage", "cms.instructorpage", "b2b.organizationindexpage",
    "b2b.organizationpage", "b2b.contractpage",
}  # fmt: skip


def _visible_pages(ctx: AppContext) -> list[CoursePage]:
    """Live course pages in the learn catalog: anonymous visibility, key or not (docs/platforms/mitxonline.md §6)."""
    return repo.fetch(CoursePage, ctx.db, "r.live = 1 AND r.include_in_learn_catalog = 1")


def _wagtail_int(req: Request, name: str, default: int) -> int | Response:
    text = req.arg(name)
    if text is None:
        return default
    if not text.isdigit():
        return Response(400, {"message": f"{name} must be a positive integer"})
    return int(text)


def _pages(req: Request, ctx: AppContext, page_id: str | None) -> Response:
    if page_id is not None:
        found = [p for p in _visible_pages(ctx) if str(p.id) == page_id]
        if not found:
            return Response(404, {"message": "No Page matches the given query."})
        return Response(200, serializers.page(ctx, found[0], all_fields=True))
    unknown = sorted(set(req.query) - _WAGTAIL_PARAMS)
    if unknown:
        return Response(
            400, {"message": f"query parameter is not an operation or a recognised field: {', '.join(unknown)}"}
        )
    page_type = req.arg("type")
    if page_type is not None and page_type not in _WAGTAIL_TYPES:
        return Response(400, {"message": "type doesn't exist"})
    if page_type != _WAGTAIL_PUBLIC_TYPE:
        return Response(403, NOT_AUTHENTICATED)
    limit = _wagtail_int(req, "limit", WAGTAIL_LIMIT_MAX)
    offset = _wagtail_int(req, "offset", 0)
    if isinstance(limit, Response):
        return limit
    if isinstance(offset, Response):
        return offset
    if limit > WAGTAIL_LIMIT_MAX:
        return Response(400, {"message": f"limit cannot be higher than {WAGTAIL_LIMIT_MAX}"})
    pages = _visible_pages(ctx)
    if (readable_id := req.arg("readable_id")) is not None:
        course = repo.course_by_readable_id(ctx.db, readable_id)
        pages = [p for p in pages if course is not None and p.course_id == course.id]
    all_fields = "*" in (req.arg("fields") or "").split(",")
    return Response(
        200,
        {
            "meta": {"total_count": len(pages)},
            "items": [serializers.page(ctx, p, all_fields) for p in pages[offset : offset + limit]],
        },
    )


ROUTES = (
    _Route(r"^/api/v2/courses/(?:(?P<key>[^/]+)/)?$", _v2_courses, api_key=False),
    _Route(r"^/api/internal/courses/$", _internal_courses, api_key=True),
    _Route(r"^/api/v2/programs/(?:(?P<key>[^/]+)/)?$", _v2_programs, api_key=False),
    _Route(r"^/api/v0/b2b/organizations/(?:(?P<key>[^/]+)/)?$", _organizations, api_key=True),
    _Route(r"^/api/v0/b2b/contracts/(?:(?P<key>[^/]+)/)?$", _contracts, api_key=True),
    _Route(r"^/api/v2/pages/(?:(?P<key>\d+)/)?$", _pages, api_key=False, wagtail=True),
    _Route(r"^/api/v0/b2b/attach/(?P<key>[^/]+)/$", learners.attach, api_key=False, learner=True),
    _Route(r"^/api/v0/b2b/enroll/(?P<key>[^/]+)/$", learners.enroll, api_key=False, learner=True),
)


def _match(path: str) -> tuple[_Route, str | None] | None:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            return route, match.groupdict().get("key")
    return None


def handle(req: Request, ctx: AppContext) -> Response:
    """Answer one request to the MITx Online port."""
    matched = _match(req.path)
    if matched is None:
        if not req.path.endswith("/") and _match(req.path + "/") is not None and req.method in ("GET", "HEAD"):
            # Django's APPEND_SLASH redirect.
            query = f"?{urlencode(req.query, doseq=True)}" if req.query else ""
            return Response(301, b"", {"Location": f"{ctx.urls.mitxonline_url}{req.path}/{query}"})
        return Response(404, DJANGO_NOT_FOUND)
    route, key = matched
    if route.learner:
        return route.handler(req, ctx, key)
    if route.api_key and not _has_api_key(req, ctx):
        return Response(403, NOT_AUTHENTICATED)
    if req.method not in ("GET", "HEAD", "OPTIONS"):
        return Response(405, {"detail": f'Method "{req.method}" not allowed.'})
    return route.handler(req, ctx, key)
