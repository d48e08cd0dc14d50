"""The HTTP client for the edX LMS (token) and Studio (`/api/v1/course_runs/`).

docs/platforms/edx.md §4 lays down the rules this follows:

- a JWT from the LMS token endpoint (client credentials, `token_type=jwt`, docs/platforms/edx.md §1), cached
  until shortly before it expires and shared by the provider's worker threads;
  `Authorization: JWT <token>` (docs/platforms/edx.md §1); one retry with a new token after a 401;
- explicit timeouts, with a longer read timeout for rerun and clone, which copy the
  whole course inside the request (docs/platforms/edx.md §2, §4);
- retries with capped exponential backoff on 429, 5xx and connection errors, honouring
  `Retry-After` (docs/platforms/edx.md §4), through the retry helper (provider/attempts.py). A request that may have
reached the server
  (5xx, a timeout or a dropped connection after sending) is retried only when repeating
  it is harmless: GET, PATCH and the token request. A POST that creates, reruns or clones
  is retried only when it cannot have been applied (429, or no connection made); the
  caller looks the run up again after any other failure (docs/platforms/edx.md §4, "After a failed or
  timed-out POST, GET again before raising");
- pagination by following `next` (docs/platforms/edx.md §2);
- failures become provider.errors carrying method, URL, status and body, never the token
  or the client secret (which travel only in headers and the token request's form body).

`transport=` takes an httpx transport so tests can inject answers and faults.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provider import journal
from provider.attempts import Retry, attempt, backoff_pause
from provider.edx.keys import CourseKey
from provider.edx.models import ManagedFields, StudioCourseRun
from provider.errors import (
    ConfigKeys,
    HttpError,
    NotFound,
    PlatformError,
    Unauthorized,
    Unreachable,
    http_error,
    retryable_http,
)
from provider.logs import logger
from provider.settings import EdxSettings

if TYPE_CHECKING:
    # httpx is imported where a request is made, not with this module: the Pulumi program
    # imports it (through the resources it registers) and never sends a request, and
    # importing httpx costs about 0.1 s of CPU per process (docs/ci.md).
    import httpx

log = logger("edx.client")

_COURSE_RUNS = "/api/v1/course_runs/"
# docs/platforms/edx.md §2: the page size may be raised to at most 100.
_PAGE_SIZE = 100


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries. `attempts` counts the first try."""

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 8.0
    # A Retry-After longer than this is cut short: the provider process serves at most
    # four calls at once (docs/platforms/pulumi.md §2) and must not stall for minutes.
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    request: float = 60.0
    # Rerun and clone copy the course inside the request (docs/platforms/edx.md §2); MITx Online allows 60 s
    # and still sees proxies cut them, so give them longer and look again on failure.
    copy: float = 300.0


# Renew the token this long before it expires, so a request never carries a token that
# expires on the way.
_TOKEN_MARGIN = 60.0


@dataclass
class _Token:
    value: str
    expires_at: float


# What a rejected credential or an unreachable URL names (issue 25): the token request
# authenticates the OAuth client; Studio answers 403 when that client's user is not staff.
_LMS_KEYS = ConfigKeys(
    url="`courseware:edx` lmsUrl", credentials="`courseware:edx` clientId and `courseware:edxClientSecret`"
)
_STUDIO_KEYS = ConfigKeys(
    url="`courseware:edx` studioUrl", credentials="`courseware:edx` clientId (its user must be global staff)"
)


def _error(response: httpx.Response, step: str, keys: ConfigKeys) -> HttpError:
    request = response.request
    return http_error(
        request.method, str(request.url), response.status_code, response.text, step, response.headers, keys
    )


def _not_sent(exc: httpx.TransportError) -> bool:
    """Raised before the request left this machine: repeating it is always safe."""
    import httpx

    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class EdxClient:
    """The client of one edX: thread-safe, holds the only copy of the JWT. The provider
    process has one per settings (`provider/platforms.py` builds it)."""

    def __init__(
        self,
        settings: EdxSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeouts: Timeouts = Timeouts(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        self._settings = settings
        self._lms = str(settings.lms_url).rstrip("/")
        self._studio = str(settings.studio_url).rstrip("/")
        self._retry = retry
        self._timeouts = timeouts
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeouts.request, connect=timeouts.connect),
            headers={"Accept": "application/json"},
        )
        self._token_lock = threading.Lock()
        self._token: _Token | None = None

    def __repr__(self) -> str:
        return f"EdxClient(lms={self._lms!r}, studio={self._studio!r})"

    def close(self) -> None:
        self._http.close()

    # -- transport ---------------------------------------------------------------------

    def _send_once(self, request: httpx.Request, step: str, keys: ConfigKeys) -> httpx.Response:
        import httpx

        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            raise Unreachable(
                request.method, str(request.url), reason, step, sent=not _not_sent(exc), key=keys.url
            ) from exc
        if response.is_success:
            return response
        raise _error(response, step, keys)

    def _send(
        self, build: Callable[[], httpx.Request], *, step: str, idempotent: bool, keys: ConfigKeys = _STUDIO_KEYS
    ) -> httpx.Response:
        policy = self._retry
        retry = Retry(
            tries=policy.attempts,
            retryable=lambda failure: retryable_http(failure, repeatable=idempotent),
            log=log,
            pause=backoff_pause(policy.backoff, policy.max_backoff, policy.max_retry_after),
            sleep=self._sleep,
            level=logging.INFO,
        )
        # `build` runs per try, so a retry after a token renewal carries the new token.
        return attempt(lambda: self._send_once(build(), step, keys), step=step, retry=retry).value

    # -- authentication (docs/platforms/edx.md §1) -----------------------------------------------------------

    def _fetch_token(self) -> _Token:
        url = f"{self._lms}/oauth2/access_token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self._settings.client_id,
            "client_secret": self._settings.client_secret.get_secret_value(),
            "token_type": "jwt",
        }
        started = self._clock()
        # Asking for a token changes nothing on the server, so it is always retried.
        response = self._send(
            lambda: self._http.build_request("POST", url, data=form), step="edX token", idempotent=True, keys=_LMS_KEYS
        )
        try:
            payload = response.json()
            value = str(payload["access_token"])
            lifetime = float(payload["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformError(f"edX token: POST {url} answered without access_token/expires_in") from exc
        # Short-lived tokens are renewed at half their life rather than never cached.
        margin = min(_TOKEN_MARGIN, lifetime / 2)
        return _Token(value, started + lifetime - margin)

    def _current_token(self, stale: str | None = None) -> str:
        """The cached JWT, renewed when near expiry or when `stale` was just rejected."""
        with self._token_lock:
            token = self._token
            if token is None or token.value == stale or self._clock() >= token.expires_at:
                token = self._token = self._fetch_token()
            return token.value

    def _studio_call(
        self,
        method: str,
        url: str,
        *,
        step: str,
        idempotent: bool,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        import httpx

        token = self._current_token()

        def build() -> httpx.Request:
            return self._http.build_request(
                method,
                url,
                json=json,
                params=params,
                headers={"Authorization": f"JWT {token}"},
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )

        try:
            response = self._send(build, step=step, idempotent=idempotent)
        except Unauthorized as exc:
            # docs/platforms/edx.md §4: retry once with a new token after a 401 (a revoked or clock-skewed JWT).
            # A 403 means the user is not staff (docs/platforms/edx.md §1); a new token will not change that.
            if exc.status != 401:
                raise
            token = self._current_token(stale=token)
            response = self._send(build, step=step, idempotent=idempotent)
        if method != "GET":
            journal.record(f"{step} (`{method} {httpx.URL(url).path}`)")
        return response

    # -- Studio course runs (docs/platforms/edx.md §2, §7) ---------------------------------------------------

    def _run_url(self, key: CourseKey) -> str:
        # A literal `+` is fine in a path (docs/platforms/edx.md §6); the trailing slash is required
        # (docs/platforms/edx.md §6).
        return f"{self._studio}{_COURSE_RUNS}{key}/"

    def get_course_run(self, key: CourseKey) -> StudioCourseRun:
        """GET /api/v1/course_runs/{key}/ (docs/platforms/edx.md §2); raises NotFound."""
        response = self._studio_call("GET", self._run_url(key), step=f"read {key}", idempotent=True)
        return StudioCourseRun.model_validate(response.json())

    def find_course_run(self, key: CourseKey) -> StudioCourseRun | None:
        """The run, or None when Studio answers 404."""
        try:
            return self.get_course_run(key)
        except NotFound:
            return None

    def list_course_runs(self) -> Iterator[StudioCourseRun]:
        """Every run Studio lists, following `next` (docs/platforms/edx.md §2); in no particular order."""
        url: str | None = f"{self._studio}{_COURSE_RUNS}"
        params: dict[str, Any] | None = {"page_size": _PAGE_SIZE}
        while url is not None:
            response = self._studio_call("GET", url, step="list course runs", idempotent=True, params=params)
            page = response.json()
            for item in page.get("results", []):
                yield StudioCourseRun.model_validate(item)
            # `next` is absolute and already carries the page size.
            url, params = page.get("next"), None

    def create_course_run(self, key: CourseKey, fields: ManagedFields) -> StudioCourseRun:
        """POST /api/v1/course_runs/ (docs/platforms/edx.md §2). Enrollment dates go in the schedule too."""
        body = {"org": key.org, "number": key.number, "run": key.run, **fields.patch_body(_ALL_FIELDS)}
        response = self._studio_call(
            "POST", f"{self._studio}{_COURSE_RUNS}", step=f"create {key}", idempotent=False, json=body
        )
        return StudioCourseRun.model_validate(response.json())

    def rerun_course_run(self, source: CourseKey, key: CourseKey, fields: ManagedFields) -> StudioCourseRun:
        """POST /api/v1/course_runs/{source}/rerun/ (docs/platforms/edx.md §2): same org only; enrollment dates
        are discarded by the server (docs/platforms/edx.md §2), so they are not sent."""
        body = {"run": key.run, "number": key.number, **fields.patch_body(_ALL_FIELDS - _ENROLLMENT)}
        response = self._studio_call(
            "POST",
            f"{self._run_url(source)}rerun/",
            step=f"rerun {source} as {key}",
            idempotent=False,
            json=body,
            timeout=self._copy_timeout(),
        )
        return StudioCourseRun.model_validate(response.json())

    def clone_course_run(self, source: CourseKey, key: CourseKey) -> None:
        """POST /api/v1/course_runs/clone/ (docs/platforms/edx.md §2): any org; answers a message, not the run."""
        body = {"source_course_id": str(source), "destination_course_id": str(key)}
        self._studio_call(
            "POST",
            f"{self._studio}{_COURSE_RUNS}clone/",
            step=f"clone {source} to {key}",
            idempotent=False,
            json=body,
            timeout=self._copy_timeout(),
        )

    def patch_course_run(self, key: CourseKey, body: dict[str, Any]) -> StudioCourseRun:
        """PATCH /api/v1/course_runs/{key}/ (docs/platforms/edx.md §2). Never PUT: it would erase the team
        (docs/platforms/edx.md §2).
        Setting fields to given values is idempotent, so it is retried like a read."""
        response = self._studio_call("PATCH", self._run_url(key), step=f"update {key}", idempotent=True, json=body)
        return StudioCourseRun.model_validate(response.json())

    def _copy_timeout(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(self._timeouts.copy, connect=self._timeouts.connect)


_ENROLLMENT = frozenset({"enrollment_start", "enrollment_end"})
_ALL_FIELDS = frozenset(ManagedFields.model_fields)
