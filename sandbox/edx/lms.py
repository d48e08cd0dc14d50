"""Emulated Open edX LMS: OAuth2 token endpoint, course detail and list, course modes
(docs/platforms/edx.md §1, §5)."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from sandbox.context import AppContext
from sandbox.edx import auth, drf, models
from sandbox.edx.keys import InvalidKeyError, parse_course_key
from sandbox.edx.modes import handle_modes
from sandbox.edx.studio import asset_response
from sandbox.http import Request, Response

_TOKEN = re.compile(r"^/oauth2/access_token/?$")
_COURSE_LIST = re.compile(r"^/api/courses/v1/courses/?$")
# docs/platforms/edx.md §5: served with and without the trailing slash (edx-api-client drops it).
_COURSE_DETAIL = re.compile(r"^/api/courses/v1/courses/(?P<key>[^/]+(?:/[^/]+/[^/]+)?)/?$")
_MODES = re.compile(r"^/api/course_modes/v1/courses/(?P<key>[^/]+)(?:/(?P<slug>[^/]+))?/?$")

COURSE_NOT_FOUND = {"developer_message": "Course not found."}  # docs/platforms/edx.md §5


def handle(req: Request, ctx: AppContext) -> Response:
    try:
        return _route(req, ctx)
    except drf.ValidationError as exc:
        return Response(400, exc.errors)
    except drf.UnsupportedMediaType:
        return drf.unsupported_media_type(req)


def _route(req: Request, ctx: AppContext) -> Response:
    path = re.sub(r"/{2,}", "/", req.path)
    asset = asset_response(ctx.db, req.method, path)
    if asset is not None:
        return asset
    if _TOKEN.match(path):
        return _token(req, ctx) if req.method == "POST" else drf.method_not_allowed(req.method)
    try:
        principal = auth.authenticate(ctx.db, ctx.urls.edx_lms_url, req, allow_bearer=True)
    except auth.AuthError as exc:
        return Response(401, {"detail": exc.detail})
    if _COURSE_LIST.match(path):
        return _course_list(req, ctx, principal) if req.method == "GET" else drf.method_not_allowed(req.method)
    match = _COURSE_DETAIL.match(path)
    if match:
        if req.method != "GET":
            return drf.method_not_allowed(req.method)
        return _course_detail(req, ctx, principal, match["key"])
    match = _MODES.match(path)
    if match:
        return handle_modes(req, ctx, principal, match["key"], match["slug"])
    return drf.DJANGO_404


def _token(req: Request, ctx: AppContext) -> Response:
    """docs/platforms/edx.md §1: client-credentials grant; a JWT when `token_type=jwt`, else an opaque token."""
    form = req.form()
    if form.get("grant_type") != "client_credentials":
        return Response(400, {"error": "unsupported_grant_type"})
    client = auth.find_client(ctx.db, form.get("client_id", ""), form.get("client_secret", ""))
    if client is None:  # unknown client or wrong secret: DOT answers 401 invalid_client
        return Response(401, {"error": "invalid_client"})
    allowed = client.scopes.split()
    requested = form.get("scope", "").split() or allowed
    if any(scope not in allowed for scope in requested):
        return Response(400, {"error": "invalid_scope"})
    token_type = (form.get("token_type") or req.headers.get("x-token-type") or "bearer").lower()
    if token_type == "jwt":
        token, kind = auth.issue_jwt(ctx.db, ctx.urls.edx_lms_url, client, requested), "JWT"
    else:
        token, kind = auth.issue_bearer(ctx.db, client), "Bearer"
    return Response(
        200,
        {"access_token": token, "expires_in": client.token_ttl, "token_type": kind, "scope": " ".join(requested)},
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _effective_staff(req: Request, ctx: AppContext, principal: auth.Principal | None) -> tuple[bool, Response | None]:
    """docs/platforms/edx.md §5 `username`: absent or empty means the check runs as AnonymousUser; someone
    else's username needs a staff caller (403). Returns whether the effective user is staff."""
    username = req.arg("username") or ""
    if not username:
        return False, None
    caller = principal.username if principal else None
    if caller is None or (caller.lower() != username.lower() and not principal_is_staff(principal)):
        return False, Response(403, drf.NO_PERMISSION)
    if not models.user_exists(ctx.db, username):
        return False, Response(404, drf.NOT_FOUND)  # [inferred] User.DoesNotExist → 404
    return models.user_is_staff(ctx.db, username), None


def principal_is_staff(principal: auth.Principal | None) -> bool:
    return principal is not None and principal.is_staff


def _visible(course: models.Course, staff: bool) -> bool:
    # docs/platforms/edx.md §5: anonymous callers see catalog_visibility `both` or `about` only.
    return staff or course.catalog_visibility in ("both", "about")


def _course_detail(req: Request, ctx: AppContext, principal: auth.Principal | None, key: str) -> Response:
    try:
        parse_course_key(key)
    except InvalidKeyError:
        message = f"'{key}' is not a valid course key."
        # [unverified] docs/platforms/edx.md §5: the exact nesting of the 400 body.
        return Response(400, {"field_errors": {"course_key": {"developer_message": message, "user_message": message}}})
    staff, denied = _effective_staff(req, ctx, principal)
    if denied is not None:
        return denied
    course = models.get_course(ctx.db, key)
    if course is None or not _visible(course, staff):
        return Response(404, COURSE_NOT_FOUND)
    return Response(200, course_detail(ctx, course))


def _course_list(req: Request, ctx: AppContext, principal: auth.Principal | None) -> Response:
    """docs/platforms/edx.md §5: namespaced pagination; `course_keys` repeated or comma-separated."""
    staff, denied = _effective_staff(req, ctx, principal)
    if denied is not None:
        return denied
    wanted = {
        key.strip().lower() for value in req.query.get("course_keys", []) for key in value.split(",") if key.strip()
    }
    org = req.arg("org")
    courses = [
        course
        for course in models.list_courses(ctx.db)
        if _visible(course, staff)
        and (not wanted or course.key.lower() in wanted)
        and (not org or course.org.lower() == org.lower())
    ]
    try:
        page, meta = drf.paginate(req, ctx.urls.edx_lms_url, courses)
    except drf.PageNotFound:
        return drf.INVALID_PAGE
    pagination = {name: meta[name] for name in ("next", "previous", "count", "num_pages")}
    return Response(200, {"results": [course_detail(ctx, course) for course in page], "pagination": pagination})


def course_detail(ctx: AppContext, course: models.Course) -> dict[str, Any]:
    """CourseDetailSerializer output (docs/platforms/edx.md §5), read from the same rows Studio writes
    (docs/platforms/edx.md §9:
    every CMS write is visible immediately)."""
    key = parse_course_key(course.key)
    image = key.asset_url_path(course.course_image)
    absolute_image = ctx.urls.edx_lms_url + image
    return {
        "id": course.key,
        "course_id": course.key,
        "name": html.escape(course.display_name),  # display_name_with_default_escaped
        "number": course.number,
        "org": course.org,
        "start": course.start,
        "end": course.end,
        "enrollment_start": course.enrollment_start,
        "enrollment_end": course.enrollment_end,
        "certificate_available_date": course.certificate_available_date,
        "pacing": "self" if course.self_paced else "instructor",  # docs/platforms/edx.md §7 vocabulary
        "start_display": _start_display(course.start),
        "start_type": "timestamp" if course.start else "empty",
        "hidden": course.catalog_visibility in ("about", "none"),
        "invitation_only": False,
        "mobile_available": False,
        "effort": None,
        "short_description": "",
        "overview": "",
        "blocks_url": f"{ctx.urls.edx_lms_url}/api/courses/v2/blocks/?course_id={quote(course.key, safe='')}",
        "media": {
            "banner_image": {"uri": image, "uri_absolute": absolute_image},
            "course_image": {"uri": image},
            "course_video": {"uri": None},
            "image": {"raw": absolute_image, "small": absolute_image, "large": absolute_image},
        },
    }


def _start_display(start: str | None) -> str | None:
    """`Jan. 1, 2030`-style, as edX's default short date format shows it."""
    if not start:
        return None
    month, day, year = start[5:7], start[8:10], start[0:4]
    names = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
    return f"{names[int(month) - 1]} {int(day)}, {year}"
