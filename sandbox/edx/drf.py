"""The Django REST framework behaviour the edX views inherit: field validation messages,
standard error bodies and the edX page-number paginator (docs/platforms/edx.md §1, §2, §7)."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from sandbox.http import Request, Response

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
NOT_FOUND = {"detail": "Not found."}
NO_CREDENTIALS = "Authentication credentials were not provided."
NO_PERMISSION = {"detail": "You do not have permission to perform this action."}

# Django's stock pages (DEBUG off): what an unrouted URL or an unhandled exception gives.
DJANGO_404 = Response(
    404,
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n'
    "  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n",
)
DJANGO_500 = Response(
    500,
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n'
    "</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n",
)


class ValidationError(Exception):
    """A 400 whose body is the serializer's `errors` mapping."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def method_not_allowed(method: str) -> Response:
    return Response(405, {"detail": f'Method "{method}" not allowed.'})


def unsupported_media_type(req: Request) -> Response:
    return Response(415, {"detail": f'Unsupported media type "{req.headers.get("content-type", "")}" in request.'})


def json_data(req: Request) -> Any:
    """`request.data` for a JSON body; an empty body is an empty form (DRF gives `{}`)."""
    if not req.body.strip():
        return {}
    if req.content_type not in ("application/json", "application/merge-patch+json", ""):
        raise UnsupportedMediaType
    try:
        return req.json()
    except ValueError as exc:
        raise ValidationError({"detail": f"JSON parse error - {exc}"}) from None


class UnsupportedMediaType(Exception):
    """Raised by `json_data` for a body DRF's parsers would not accept here."""


def expect_dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]}
        )
    return data


def char_field(value: Any, *, allow_blank: bool = False) -> str:
    """CharField.to_internal_value with trim_whitespace; raises ValueError(message)."""
    if value is None:
        raise ValueError(NOT_NULL)
    if isinstance(value, bool | dict | list):
        raise ValueError(NOT_STRING)
    text = str(value).strip()
    if not text and not allow_blank:
        raise ValueError(NOT_BLANK)
    return text


def paginate(
    req: Request, base_url: str, items: list[Any], *, default_size: int = 10, max_size: int = 100
) -> tuple[list[Any], dict[str, Any]]:
    """edx-drf-extensions DefaultPagination (docs/platforms/edx.md §2): `page`, `page_size` ≤ max, 404 out of range."""
    size = default_size
    raw_size = req.arg("page_size")
    if raw_size is not None and raw_size.isdigit() and int(raw_size) > 0:
        size = min(int(raw_size), max_size)
    num_pages = max(1, math.ceil(len(items) / size))  # Django's allow_empty_first_page
    raw_page = req.arg("page") or "1"
    page = int(raw_page) if raw_page.isdigit() else 0
    if raw_page == "last":
        page = num_pages
    if not 1 <= page <= num_pages:
        raise PageNotFound
    start = (page - 1) * size

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        query = {key: values[0] for key, values in req.query.items()}
        query.pop("page", None)
        if number > 1:  # DRF drops `page` from the link to the first page
            query["page"] = str(number)
        return base_url + req.path + (f"?{urlencode(query)}" if query else "")

    meta = {
        "next": link(page + 1 if page < num_pages else None),
        "previous": link(page - 1 if page > 1 else None),
        "count": len(items),
        "num_pages": num_pages,
        "current_page": page,
        "start": start,
    }
    return items[start : start + size], meta


class PageNotFound(Exception):
    """Django's InvalidPage, which DRF turns into 404 {"detail": "Invalid page."}."""


INVALID_PAGE = Response(404, {"detail": "Invalid page."})
