"""MITx Online REST reads with `Authorization: Api-Key` (docs/platforms/mitxonline.md §6).

The API key is accepted by exactly three reads (docs/platforms/mitxonline.md §3, §6): B2B organizations, B2B
contracts and `/api/internal/courses/`. They are what this client offers:

- `course(readable_id)`: the course with every run (source and contract runs included,
  each with its `b2b_contract`) and its CMS page flags: the best single read for
  Course, CourseRun, CoursePage and ContractCourseware drift (docs/platforms/mitxonline.md §6);
- `courses()`: every course the same way, page by page (what `courseware adopt` reads);
- `organizations()`: all organizations with their Keycloak id (no org_key, docs/platforms/mitxonline.md §6);
- `contracts()`: active contracts inside their dates only (docs/platforms/mitxonline.md §4, §6);
- `program(readable_id)`: one program with its requirements, from `/api/v2/programs/`,
  which anyone may read (docs/platforms/mitxonline.md §14); the list filters out
  `b2b_only` programs, the detail by readable id does not.

The key travels only in a header: it is never logged and never part of an error (errors
carry method, URL, status and body). GETs are retried with backoff on 429, 5xx and
connection errors through the retry helper (provider/attempts.py), as the edX client's are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provider.attempts import Retry, attempt, backoff_pause
from provider.errors import ConfigKeys, HttpError, NotFound, Unreachable, http_error, retryable_http
from provider.logs import logger
from provider.mitxonline.models import RestContract, RestCourse, RestOrganization, RestProgram

if TYPE_CHECKING:
    # httpx is imported where a request is made (see provider/edx/client.py).
    import httpx

_log = logger("mitxonline.rest")

_PAGE_SIZE = 100  # docs/platforms/mitxonline.md §6: `page_size` may be raised to 100


# What a rejected key or an unreachable URL names (issue 25): the settings to fix.
KEYS = ConfigKeys(url="`courseware:mitxonline` url", credentials="`courseware:mitxonlineApiKey`")


def _error(response: httpx.Response, step: str) -> HttpError:
    request = response.request
    return http_error(
        request.method, str(request.url), response.status_code, response.text, step, response.headers, KEYS
    )


# A 429's Retry-After is honoured up to a minute, as the edX client does; otherwise 0.5 s,
# 1 s, 2 s ... up to 10 s.
_PAUSE = backoff_pause(0.5, 10.0, 60.0)


def _only(body: Any, readable_id: str) -> dict[str, Any] | None:
    """The course with exactly this readable id in a (paginated) course listing."""
    results = body.get("results", []) if isinstance(body, dict) else body
    return next((item for item in results if item.get("readable_id") == readable_id), None)


class MitxOnlineRest:
    """Thread-safe (httpx.Client is); one per process and settings."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        attempts: int = 4,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import httpx

        self._base = url.rstrip("/")
        # Every call here is a GET: repeating it is harmless.
        self._retry = Retry(
            tries=attempts,
            retryable=lambda failure: retryable_http(failure, repeatable=True),
            log=_log,
            pause=_PAUSE,
            sleep=sleep or time.sleep,
            level=logging.INFO,
        )
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(30.0, connect=10.0),
            headers={"Accept": "application/json", "Authorization": f"Api-Key {api_key}"},
        )

    def __repr__(self) -> str:
        return f"MitxOnlineRest({self._base!r})"

    def close(self) -> None:
        self._http.close()

    def _get_once(self, path: str, params: dict[str, Any], step: str) -> Any:
        import httpx

        url = f"{self._base}{path}"
        try:
            response = self._http.get(url, params=params)
        except httpx.TransportError as exc:
            raise Unreachable("GET", url, f"{type(exc).__name__}: {exc}", step, key=KEYS.url) from exc
        if not response.is_success:
            raise _error(response, step)
        return response.json()

    def get(self, path: str, params: dict[str, Any] | None = None, *, step: str) -> Any:
        return attempt(lambda: self._get_once(path, params or {}, step), step=step, retry=self._retry).value

    def course(self, readable_id: str) -> RestCourse | None:
        """The course with every run and its page flags, or None.

        httpx writes `+` in a query value as `%2B`, which the filter needs (docs/platforms/mitxonline.md §6).
        """
        body = self.get(
            "/api/internal/courses/",
            {"readable_id": readable_id, "page_size": _PAGE_SIZE},
            step=f"read course {readable_id}",
        )
        item = _only(body, readable_id)
        if item is None:
            return None
        if "live" not in item:
            # The serializer has no `live`; the `live` filter still tells (docs/platforms/mitxonline.md §6).
            live = self.get(
                "/api/internal/courses/",
                {"readable_id": readable_id, "live": "true", "page_size": _PAGE_SIZE},
                step=f"read whether course {readable_id} is live",
            )
            item = {**item, "live": _only(live, readable_id) is not None}
        return RestCourse.model_validate(item)

    def courses(self) -> dict[str, RestCourse]:
        """Every course by readable id, as `course()` reads one (docs/platforms/mitxonline.md §6)."""
        everything = self._pages({}, "list courses")
        live_ids: set[str] = set()
        if any("live" not in item for item in everything):
            # The serializer has no `live`; the same listing filtered with it tells (docs/platforms/mitxonline.md §6).
            live_ids = {item["readable_id"] for item in self._pages({"live": "true"}, "list live courses")}
        return {
            item["readable_id"]: RestCourse.model_validate(
                {**item, "live": item.get("live", item["readable_id"] in live_ids)}
            )
            for item in everything
        }

    def _pages(self, params: dict[str, Any], step: str) -> list[dict[str, Any]]:
        """Every item of the course listing, following its pages (docs/platforms/mitxonline.md §6)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get("/api/internal/courses/", {"page_size": _PAGE_SIZE, "page": page, **params}, step=step)
            items += body.get("results", []) if isinstance(body, dict) else body
            if not isinstance(body, dict) or not body.get("next"):
                return items
            page += 1

    def program(self, readable_id: str) -> RestProgram | None:
        """The program with this readable id, or None (a 404: missing, or b2b-only, which
        this view shows to no caller it can authenticate, docs/platforms/mitxonline.md §14)."""
        try:
            body = self.get(f"/api/v2/programs/{readable_id}/", step=f"read program {readable_id}")
        except NotFound:
            return None
        # Shown here, so not b2b-only (the serializer has no such field).
        return RestProgram.model_validate({**body, "b2b_only": False})

    def organizations(self) -> list[RestOrganization]:
        body = self.get("/api/v0/b2b/organizations/", step="list organizations")
        return [RestOrganization.model_validate(item) for item in body]

    def contracts(self) -> list[RestContract]:
        body = self.get("/api/v0/b2b/contracts/", step="list contracts")
        return [RestContract.model_validate(item) for item in body]
