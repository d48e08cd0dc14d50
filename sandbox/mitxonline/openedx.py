"""MITx Online's calls to edX, over HTTP to the sandbox's LMS and Studio (docs/platforms/mitxonline.md §9).

Studio calls carry ``Authorization: jwt <token>`` with a fresh JWT per operation, as
edx-api-client has no token cache (docs/platforms/edx.md §5). LMS course detail, course
list and course modes carry the opaque service-worker token as ``Bearer`` (docs/platforms/edx.md §5).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sandbox import log
from sandbox.context import AppContext
from sandbox.mitxonline.models import CourseRun, format_datetime

if TYPE_CHECKING:
    import httpx

TIMEOUT = 60.0  # EDX_API_CLIENT_TIMEOUT default (docs/platforms/edx.md §5)


class EdxError(Exception):
    """An HTTP error or connection failure, worded like ``requests``' ``HTTPError``."""


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        kind = "Client" if response.status_code < 500 else "Server"
        raise EdxError(f"{response.status_code} {kind} Error: {response.reason_phrase} for url: {response.url}")
    return response


_local = threading.local()


def _client() -> httpx.Client:
    """The connection pool of this thread (a Celery worker, a command process), made once.

    A new ``httpx.Client`` per request loaded the system's CA certificates each time
    (about 0.1 s, for plain HTTP to localhost) and opened a new connection: most of a
    sandbox clone's time. Only the requests and their order are the platform's behaviour
    (docs/platforms/mitxonline.md §9), so they stay as they were; one client per thread,
    as httpx clients are not shared between threads here.
    """
    client: httpx.Client | None = getattr(_local, "client", None)
    if client is None:
        import httpx  # here, not at the top: see _request

        client = httpx.Client(timeout=TIMEOUT)
        _local.client = client
    return client


def _request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    # Marked as MITx Online's own call, for the log only: edX answers it like any other.
    kwargs["headers"] = {**kwargs.get("headers", {}), log.CALLER_HEADER: log.MITXONLINE}
    # httpx (about 65 ms of CPU to import) is imported by the first request, not with the
    # module: every `manage` process imports this module, few of them call edX.
    import httpx

    try:
        return _client().request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise EdxError(f"{type(exc).__name__}: {exc}") from exc


def _service_headers(ctx: AppContext) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx.settings.credentials.edx_service_token}"}


def get_jwt(ctx: AppContext) -> str:
    """Client-credentials JWT from the LMS (``get_edx_api_jwt_client``, docs/platforms/edx.md §1)."""
    creds = ctx.settings.credentials
    response = _check(
        _request(
            "POST",
            f"{ctx.urls.edx_lms_url}/oauth2/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.edx_client_id,
                "client_secret": creds.edx_client_secret,
                "token_type": "jwt",
            },
        )
    )
    token: str = response.json()["access_token"]
    return token


def studio(ctx: AppContext, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """One Studio ``api/v1/course_runs`` call; the caller decides what an error status means."""
    return _request(
        method,
        f"{ctx.urls.edx_studio_url}/api/v1/course_runs/{path}",
        headers={"Authorization": f"jwt {token}"},
        json=body,
    )


def course_detail(ctx: AppContext, course_key: str) -> dict[str, Any]:
    """LMS course detail with the service user's name (docs/platforms/mitxonline.md §3)."""
    response = _request(
        "GET",
        f"{ctx.urls.edx_lms_url}/api/courses/v1/courses/{course_key}/",
        params={"username": ctx.settings.credentials.edx_service_username},
        headers=_service_headers(ctx),
    )
    detail: dict[str, Any] = _check(response).json()
    return detail


def course_list(ctx: AppContext, course_keys: list[str]) -> list[dict[str, Any]]:
    """LMS course list by ``course_keys``, page by page (docs/platforms/edx.md §5)."""
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        response = _request(
            "GET",
            f"{ctx.urls.edx_lms_url}/api/courses/v1/courses/",
            params={
                "username": ctx.settings.credentials.edx_service_username,
                "page_size": 100,
                "course_keys": ",".join(course_keys),
                "page": page,
            },
            headers=_service_headers(ctx),
        )
        body = _check(response).json()
        results.extend(body["results"])
        if not body["pagination"]["next"]:
            return results
        page += 1


def course_modes(ctx: AppContext, course_key: str) -> list[dict[str, Any]]:
    """Mode list, requested without a trailing slash as edx-api-client does (docs/platforms/edx.md §5)."""
    response = _request(
        "GET", f"{ctx.urls.edx_lms_url}/api/course_modes/v1/courses/{course_key}", headers=_service_headers(ctx)
    )
    modes: list[dict[str, Any]] = _check(response).json()
    return modes


def create_course_mode(ctx: AppContext, course_key: str, mode_slug: str, display_name: str, min_price: int) -> None:
    _check(
        _request(
            "POST",
            f"{ctx.urls.edx_lms_url}/api/course_modes/v1/courses/{course_key}/",
            headers=_service_headers(ctx),
            json={
                "course_id": course_key,
                "mode_slug": mode_slug,
                "mode_display_name": display_name,
                "currency": "USD",
                "min_price": min_price,
            },
        )
    )


def run_update_body(run: CourseRun, *, with_schedule: bool) -> dict[str, Any]:
    """The PUT body of ``fix_cloned_run_data`` / ``push_run_dates_to_edx`` (docs/platforms/mitxonline.md §9)."""
    body: dict[str, Any] = {
        "title": run.title,
        "pacing_type": "self_paced" if run.is_self_paced else "instructor_paced",
    }
    if with_schedule and run.start_date and run.end_date:
        schedule = {"start": format_datetime(run.start_date), "end": format_datetime(run.end_date)}
        if run.enrollment_start and run.enrollment_end:
            schedule["enrollment_start"] = format_datetime(run.enrollment_start)
            schedule["enrollment_end"] = format_datetime(run.enrollment_end)
        body["schedule"] = schedule
    return body


def put_run(ctx: AppContext, run: CourseRun, *, with_schedule: bool) -> None:
    """PUT title and pacing (and the schedule when asked and complete), with a fresh JWT."""
    _check(studio(ctx, "PUT", f"{run.courseware_id}/", get_jwt(ctx), run_update_body(run, with_schedule=with_schedule)))
