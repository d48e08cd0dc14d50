"""LMS course modes API as MITx Online uses it (docs/platforms/edx.md §5)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox.context import AppContext
from sandbox.edx import auth, dates, drf, models
from sandbox.edx.keys import InvalidKeyError, parse_course_key
from sandbox.http import Request, Response
from sandbox.store import transaction

MERGE_PATCH = "application/merge-patch+json"
_FIELDS = (
    "course_id",
    "mode_slug",
    "mode_display_name",
    "min_price",
    "currency",
    "expiration_datetime",
    "expiration_datetime_is_explicit",
    "description",
    "sku",
    "bulk_sku",
)
_REQUIRED = ("course_id", "mode_slug", "mode_display_name", "currency")
_UPDATABLE = (
    "mode_display_name",
    "min_price",
    "currency",
    "expiration_datetime",
    "expiration_datetime_is_explicit",
    "description",
    "sku",
    "bulk_sku",
)


def handle_modes(
    req: Request, ctx: AppContext, principal: auth.Principal | None, key: str, slug: str | None
) -> Response:
    # docs/platforms/edx.md §5: JWT or Bearer (the service token), staff only; no anonymous access.
    if principal is None:
        return Response(401, {"detail": drf.NO_CREDENTIALS})
    if not principal.is_staff:
        return Response(403, drf.NO_PERMISSION)
    try:
        parse_course_key(key)
    except InvalidKeyError:
        return drf.DJANGO_404
    if slug is None:
        if req.method == "GET":
            # docs/platforms/edx.md §5 [unverified]: the view filters by course key, so no modes is `[]`.
            return Response(200, [_mode_json(row) for row in _modes(ctx.db, key)])
        if req.method == "POST":
            return _create(req, ctx, key)
        return drf.method_not_allowed(req.method)
    rows = [row for row in _modes(ctx.db, key) if row["mode_slug"] == slug]
    if not rows:
        return Response(404, drf.NOT_FOUND)
    if req.method == "GET":
        return Response(200, _mode_json(rows[0]))
    if req.method == "PATCH":
        return _patch(req, ctx, key, slug)
    if req.method == "DELETE":
        ctx.db.execute("DELETE FROM edx_course_modes WHERE course_key = ? AND mode_slug = ?", (key, slug))
        return Response(204)
    return drf.method_not_allowed(req.method)


def _modes(db: sqlite3.Connection, key: str) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM edx_course_modes WHERE course_key = ? ORDER BY rowid", (key,)).fetchall()


def _mode_json(row: sqlite3.Row) -> dict[str, Any]:
    body = {name: row[name] for name in _FIELDS if name != "course_id"}
    body["expiration_datetime_is_explicit"] = bool(body["expiration_datetime_is_explicit"])
    return {"course_id": row["course_key"], **body}


def _clean(data: dict[str, Any], names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        try:
            if name == "min_price":  # IntegerField: edx-api-client sends it as a string
                values[name] = int(value)
            elif name == "expiration_datetime":
                values[name] = None if value is None else dates.normalise(value)
            elif name == "expiration_datetime_is_explicit":
                values[name] = int(bool(value))
            else:
                values[name] = drf.char_field(value, allow_blank=name in ("description", "sku", "bulk_sku"))
        except (TypeError, ValueError) as exc:
            errors[name] = ["A valid integer is required."] if name == "min_price" else [str(exc)]
    return values, errors


def _create(req: Request, ctx: AppContext, key: str) -> Response:
    data = drf.expect_dict(drf.json_data(req))
    values, errors = _clean(data, _FIELDS)
    for name in _REQUIRED:
        if name not in data:
            errors[name] = [drf.REQUIRED]
    if errors:
        return Response(400, errors)
    course = models.get_course(ctx.db, values["course_id"])
    if course is None:
        return Response(404, drf.NOT_FOUND)
    with transaction(ctx.db):
        exists = ctx.db.execute(
            "SELECT 1 FROM edx_course_modes WHERE course_key = ? AND mode_slug = ? AND currency = ?",
            (course.key, values["mode_slug"], values["currency"]),
        ).fetchone()
        if exists:
            # [unverified] docs/platforms/edx.md §5: DRF's unique-together message for (course, mode_slug, currency).
            return Response(
                400, {"non_field_errors": ["The fields course, mode_slug, currency must make a unique set."]}
            )
        values["course_key"] = course.key
        del values["course_id"]
        columns = ", ".join(values)
        ctx.db.execute(
            f"INSERT INTO edx_course_modes ({columns}) VALUES ({', '.join('?' for _ in values)})",
            list(values.values()),
        )
    row = next(r for r in _modes(ctx.db, course.key) if r["mode_slug"] == values["mode_slug"])
    return Response(201, _mode_json(row))


def _patch(req: Request, ctx: AppContext, key: str, slug: str) -> Response:
    """docs/platforms/edx.md §5: merge-patch content type only (else 415); `course_id`/`mode_slug` are
    immutable and ignored; 204 without a body."""
    if req.content_type != MERGE_PATCH:
        return drf.unsupported_media_type(req)
    values, errors = _clean(drf.expect_dict(drf.json_data(req)), _UPDATABLE)
    if errors:
        return Response(400, errors)
    if values:
        assignments = ", ".join(f"{name} = ?" for name in values)
        ctx.db.execute(
            f"UPDATE edx_course_modes SET {assignments} WHERE course_key = ? AND mode_slug = ?",
            [*values.values(), key, slug],
        )
    return Response(204)
