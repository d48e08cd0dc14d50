"""Emulated Open edX Studio (CMS): the `api/v1/course_runs` viewset (docs/platforms/edx.md §1, §2, §3, §6, §7)
and the course assets its card-image URLs point to."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import urlencode

from sandbox.context import AppContext
from sandbox.edx import auth, dates, drf, models
from sandbox.edx.keys import MAX_KEY_LENGTH, URL_KEY_PATTERN, InvalidKeyError, make_course_key, parse_course_key
from sandbox.edx.serializers import (
    TeamMemberWithoutUser,
    apply_input,
    representation,
    validate_run,
)
from sandbox.http import Request, Response
from sandbox.store import transaction

PREFIX = "/api/v1/course_runs/"
# docs/platforms/edx.md §6: DefaultRouter routes, every one with a trailing slash.
_DETAIL = re.compile(rf"^{PREFIX}(?P<key>{URL_KEY_PATTERN})/$")
_RERUN = re.compile(rf"^{PREFIX}(?P<key>{URL_KEY_PATTERN})/rerun/$")
_IMAGES = re.compile(rf"^{PREFIX}(?P<key>{URL_KEY_PATTERN})/images/$")
_ASSET = re.compile(
    r"^/asset-v1:(?P<org>[^+/]+)\+(?P<course>[^+/]+)\+(?P<run>[^+/]+)\+type@asset\+block@(?P<name>[^/]+)$"
)

CLONE_DONE = {"message": "Course cloned successfully."}  # docs/platforms/edx.md §2
INVALID_RERUN_KEY = "Invalid key supplied. Ensure there are no special characters in the Course Number."
IMAGE_TYPES = {"image/jpeg": "course_image.jpg", "image/png": "course_image.png"}  # docs/platforms/edx.md §2
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"RIFF")

View = Callable[[Request, AppContext, auth.Principal, str], Response]


def handle(req: Request, ctx: AppContext) -> Response:
    # docs/platforms/edx.md §6: edx-api-client's PUT URL has a double slash; collapse empty segments first.
    path = re.sub(r"/{2,}", "/", req.path)
    asset = asset_response(ctx.db, req.method, path)
    if asset is not None:
        return asset
    route = _resolve(path)
    if route is None:
        if not path.endswith("/") and _resolve(path + "/") is not None:
            return _append_slash(req, path)
        return drf.DJANGO_404
    views, key = route
    try:
        principal = auth.authenticate(ctx.db, ctx.urls.edx_lms_url, req, allow_bearer=False)
    except auth.AuthError as exc:
        return _unauthenticated(exc.detail)
    if principal is None:
        return _unauthenticated(drf.NO_CREDENTIALS)
    if not principal.is_staff:  # docs/platforms/edx.md §1: IsAdminUser
        return Response(403, drf.NO_PERMISSION)
    # DRF answers HEAD with the GET handler.
    view = views.get("GET" if req.method == "HEAD" else req.method)
    if view is None:  # DRF checks the method after authentication: DELETE → 405 (docs/platforms/edx.md §8)
        return drf.method_not_allowed(req.method)
    try:
        return view(req, ctx, principal, key)
    except _NotFound:
        return Response(404, drf.NOT_FOUND)
    except drf.ValidationError as exc:
        return Response(400, exc.errors)
    except drf.UnsupportedMediaType:
        return drf.unsupported_media_type(req)
    except (InvalidKeyError, TeamMemberWithoutUser, _ServerError):
        return drf.DJANGO_500  # docs/platforms/edx.md §2, §6, §7: exceptions the views do not catch


def _unauthenticated(detail: str) -> Response:
    # docs/platforms/edx.md §1: DRF sets WWW-Authenticate from the first authenticator, JwtAuthentication.
    return Response(401, {"detail": detail}, {"WWW-Authenticate": 'JWT realm="api"'})


def _append_slash(req: Request, path: str) -> Response:
    """docs/platforms/edx.md §6: APPEND_SLASH redirects safe methods; for a body-carrying method it fails."""
    if req.method in ("GET", "HEAD"):
        query = urlencode(req.query, doseq=True)
        return Response(301, b"", {"Location": path + "/" + (f"?{query}" if query else "")})
    return drf.DJANGO_500


class _ServerError(Exception):
    """An error upstream lets escape as an HTTP 500."""


def _resolve(path: str) -> tuple[dict[str, View], str] | None:
    if path == "/api/v1/":
        return {"GET": _api_root}, ""
    if path == PREFIX:
        return {"GET": _list, "POST": _create}, ""
    if path == PREFIX + "clone/":
        return {"POST": _clone}, ""
    routes: tuple[tuple[re.Pattern[str], dict[str, View]], ...] = (
        (_DETAIL, {"GET": _retrieve, "PUT": _update, "PATCH": _update}),
        (_RERUN, {"POST": _rerun}),
        (_IMAGES, {"POST": _images, "PUT": _images}),
    )
    for pattern, views in routes:
        match = pattern.match(path)
        if match:
            return views, str(match["key"])
    return None


def _get_object(db: sqlite3.Connection, key: str) -> models.Course:
    """`get_object`: CourseKey.from_string (InvalidKeyError → 500, docs/platforms/edx.md §6), then 404."""
    parse_course_key(key)
    course = models.get_course(db, key)
    if course is None:
        raise _NotFound
    return course


class _NotFound(Exception):
    """Http404 from `get_course_and_check_access`: 404 {"detail": "Not found."} (docs/platforms/edx.md §1)."""


def _api_root(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    return Response(200, {"course_runs": ctx.urls.edx_studio_url + PREFIX})


def _list(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    courses = models.list_courses(ctx.db)
    try:
        page, meta = drf.paginate(req, ctx.urls.edx_studio_url, courses)
    except drf.PageNotFound:
        return drf.INVALID_PAGE
    results = [representation(ctx.db, course, ctx.urls.edx_studio_url) for course in page]
    return Response(200, {**meta, "results": results})


def _retrieve(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    return Response(200, representation(ctx.db, _get_object(ctx.db, key), ctx.urls.edx_studio_url))


def _create(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    """docs/platforms/edx.md §2: create a blank run."""
    data = drf.expect_dict(drf.json_data(req))
    run_input, errors = validate_run(ctx.db, data, title_required=True, partial=False)
    parts: dict[str, str] = {}
    for name in ("org", "number", "run"):
        if name not in data:
            errors[name] = [drf.REQUIRED]
            continue
        try:
            parts[name] = drf.char_field(data[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise drf.ValidationError(errors)
    # docs/platforms/edx.md §2, §3: bad characters and duplicates are not validated; the store raises
    # InvalidKeyError / DuplicateCourseError and DRF answers 500.
    course_key = make_course_key(parts["org"], parts["number"], parts["run"])
    key_text = str(course_key)
    if len(key_text) > MAX_KEY_LENGTH or models.get_course(ctx.db, key_text) is not None:
        raise _ServerError
    course = models.Course(key_text, course_key.org, course_key.course, course_key.run, run_input.title or "")
    apply_input(course, run_input)
    with transaction(ctx.db):
        models.insert_course(ctx.db, course)
        # docs/platforms/edx.md §2: the creator gets instructor and staff, then update_team replaces every
        # role with exactly the submitted team (empty when none was sent).
        models.add_roles(ctx.db, key_text, [(principal.username, "instructor"), (principal.username, "staff")])
        models.replace_roles(ctx.db, key_text, run_input.team or [])
    body = representation(ctx.db, course, ctx.urls.edx_studio_url)
    body.update(org=course.org, number=course.number, run=course.run)
    return Response(201, body)


def _update(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    """docs/platforms/edx.md §2: PUT (full) and PATCH (partial); `org`, `number`, `run` are ignored."""
    course = _get_object(ctx.db, key)
    partial = req.method == "PATCH"
    data = drf.expect_dict(drf.json_data(req))
    run_input, errors = validate_run(ctx.db, data, title_required=not partial, partial=partial)
    if errors:
        raise drf.ValidationError(errors)
    apply_input(course, run_input)
    with transaction(ctx.db):
        models.save_course(ctx.db, course)
        if partial:
            models.add_roles(ctx.db, course.key, run_input.team or [])
        else:
            # docs/platforms/edx.md §2: PUT pops `team` with a default of [], so omitting it erases the team.
            models.replace_roles(ctx.db, course.key, run_input.team or [])
    return Response(200, representation(ctx.db, course, ctx.urls.edx_studio_url))


def _rerun(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    """docs/platforms/edx.md §2: synchronous rerun within the source's org."""
    source = _get_object(ctx.db, key)
    data = drf.expect_dict(drf.json_data(req))
    run_input, errors = validate_run(ctx.db, data, title_required=False, partial=False)
    parts: dict[str, str] = {}
    for name in ("run", "number"):
        if name not in data:
            if name == "run":
                errors[name] = [drf.REQUIRED]
            continue
        try:
            parts[name] = drf.char_field(data[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise drf.ValidationError(errors)
    # docs/platforms/edx.md §2 validate(): the org always comes from the source.
    try:
        new_key = make_course_key(source.org, parts.get("number", source.number), parts["run"])
    except InvalidKeyError:
        raise drf.ValidationError({"non_field_errors": [INVALID_RERUN_KEY]}) from None
    key_text = str(new_key)
    if models.get_course(ctx.db, key_text) is not None:  # has_course(ignore_case=True)
        raise drf.ValidationError({"run": [f"Course run {key_text} already exists"]})
    if len(key_text) > MAX_KEY_LENGTH:
        raise _ServerError
    course = models.Course(**{**vars(source), "key": key_text, "number": new_key.course, "run": new_key.run})
    apply_input(course, run_input)
    # docs/platforms/edx.md §2: reset after the submitted schedule was merged, so enrollment dates
    # sent to /rerun/ are discarded.
    course.enrollment_start = None
    course.enrollment_end = None
    with transaction(ctx.db):
        models.insert_course(ctx.db, course)
        models.copy_assets(ctx.db, source.key, key_text)
        models.record_rerun_state(ctx.db, key_text, source.key, course.display_name, dates.now_iso())
        # docs/platforms/edx.md §2: update_team with partial=False sets exactly the submitted team.
        models.replace_roles(ctx.db, key_text, run_input.team or [])
    return Response(201, representation(ctx.db, course, ctx.urls.edx_studio_url))


def _clone(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    """docs/platforms/edx.md §2: copy a run to any org/number/run; answers a message, not the run.

    [unverified] docs/platforms/edx.md §2/docs/platforms/edx.md §9: the error bodies (DRF-style, keyed by field) and the
    team of the
    copy (here: the requesting user as instructor and staff, as `rerun_course` does).
    """
    data = drf.expect_dict(drf.json_data(req))
    keys: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in ("source_course_id", "destination_course_id"):
        if name not in data:
            errors[name] = [drf.REQUIRED]
            continue
        try:
            text = drf.char_field(data[name])
            keys[name] = str(parse_course_key(text))
        except (ValueError, InvalidKeyError):
            errors[name] = [f"Invalid course key: {data[name]!s}"]
    if errors:
        raise drf.ValidationError(errors)
    source = models.get_course(ctx.db, keys["source_course_id"])
    if source is None:
        raise drf.ValidationError({"source_course_id": [f"Course {keys['source_course_id']} does not exist."]})
    dest_text = keys["destination_course_id"]
    if models.get_course(ctx.db, dest_text) is not None:
        raise drf.ValidationError({"destination_course_id": [f"Course {dest_text} already exists."]})
    dest = parse_course_key(dest_text)
    # docs/platforms/edx.md §2 [inferred]: no reset of enrollment dates; title, dates and pacing carry over.
    course = models.Course(
        **{**vars(source), "key": dest_text, "org": dest.org, "number": dest.course, "run": dest.run}
    )
    with transaction(ctx.db):
        models.insert_course(ctx.db, course)
        models.copy_assets(ctx.db, source.key, dest_text)
        models.replace_roles(ctx.db, dest_text, [(principal.username, "instructor"), (principal.username, "staff")])
    return Response(201, CLONE_DONE)


def _images(req: Request, ctx: AppContext, principal: auth.Principal, key: str) -> Response:
    """docs/platforms/edx.md §2: multipart or form upload of `card_image`, JPEG or PNG only."""
    course = _get_object(ctx.db, key)
    if req.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return drf.unsupported_media_type(req)
    upload = _multipart_file(req, "card_image") if req.content_type == "multipart/form-data" else None
    if upload is None:
        raise drf.ValidationError({"card_image": ["No file was submitted."]})
    content_type, data = upload
    if not data.startswith(_IMAGE_MAGIC):  # ImageField: Pillow must be able to open it
        raise drf.ValidationError(
            {
                "card_image": [
                    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
                ]
            }
        )
    name = IMAGE_TYPES.get(content_type)  # chosen by content type, not by file name (docs/platforms/edx.md §2)
    if name is None:
        raise drf.ValidationError(
            {"card_image": [f"Only JPEG and PNG image types are supported. {content_type} is not valid"]}
        )
    course.course_image = name
    with transaction(ctx.db):
        models.save_asset(ctx.db, course.key, name, content_type, data)
        models.save_course(ctx.db, course)
    card = ctx.urls.edx_studio_url + parse_course_key(course.key).asset_url_path(name)
    return Response(200, {"card_image": card})


def _multipart_file(req: Request, field: str) -> tuple[str, bytes] | None:
    header = f"Content-Type: {req.headers['content-type']}\r\n\r\n".encode()
    message = message_from_bytes(header + req.body, policy=policy.HTTP)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field and part.get_filename():
            payload: Any = part.get_payload(decode=True)
            return part.get_content_type(), bytes(payload or b"")
    return None


def asset_response(db: sqlite3.Connection, method: str, path: str) -> Response | None:
    """The course asset a card-image URL names (LMS and Studio both serve them); None
    when the path is not an asset URL."""
    match = _ASSET.match(path)
    if match is None or method not in ("GET", "HEAD"):
        return None
    key = f"course-v1:{match['org']}+{match['course']}+{match['run']}"
    row = models.get_asset(db, key, match["name"])
    if row is None:
        return drf.DJANGO_404
    content_type, data = row
    return Response(200, data, {"Content-Type": content_type})
