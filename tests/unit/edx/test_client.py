"""The edX client against httpx.MockTransport: tokens, retries, backoff, pagination, errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from provider.edx.client import EdxClient, RetryPolicy
from provider.edx.keys import CourseKey
from provider.edx.models import ManagedFields
from provider.errors import Conflict, HttpError, NotFound, RateLimited, ServerError, Unauthorized, Unreachable
from provider.settings import EdxSettings

SECRET = "s3cret-client-secret"
SETTINGS = EdxSettings.model_validate(
    {"lmsUrl": "http://lms.test", "studioUrl": "http://studio.test/", "clientId": "cid", "clientSecret": SECRET}
)
KEY = CourseKey.parse("course-v1:MITx+6.00x+1T2026")
RUN = {
    "id": str(KEY),
    "title": "Intro",
    "schedule": {"start": "2026-09-01T00:00:00Z", "end": "2026-12-15T00:00:00Z"},
    "pacing_type": "instructor_paced",
}
FIELDS = ManagedFields.model_validate(
    {
        "title": "Intro",
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-12-15T00:00:00Z",
        "enrollment_start": None,
        "enrollment_end": "2026-09-10T00:00:00Z",
        "pacing": "instructor_paced",
    }
)

Handler = Callable[[httpx.Request], httpx.Response]


class FakeEdx:
    """Answers the token endpoint itself and hands Studio requests to `studio`."""

    def __init__(self, studio: Handler, lifetime: int = 3600) -> None:
        self.studio = studio
        self.lifetime = lifetime
        self.tokens = 0
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.now = 1000.0
        self._lock = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if request.url.path == "/oauth2/access_token":
            with self._lock:
                self.tokens += 1
                number = self.tokens
            return httpx.Response(
                200, json={"access_token": f"jwt-{number}", "expires_in": self.lifetime, "token_type": "JWT"}
            )
        return self.studio(request)

    def client(self, retry: RetryPolicy | None = None) -> EdxClient:
        return EdxClient(
            SETTINGS,
            transport=httpx.MockTransport(self.handle),
            retry=retry or RetryPolicy(),
            sleep=self.sleeps.append,
            clock=lambda: self.now,
        )

    def studio_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "studio.test"]


def answers(*responses: httpx.Response | Exception) -> Handler:
    """A Studio that gives these answers in turn (raising the exceptions)."""
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle


def test_token_is_fetched_with_client_credentials_and_sent_as_jwt() -> None:
    edx = FakeEdx(answers(httpx.Response(200, json=RUN), httpx.Response(200, json=RUN)))
    client = edx.client()
    client.get_course_run(KEY)
    client.get_course_run(KEY)
    token_request = edx.requests[0]
    form = dict(httpx.QueryParams(token_request.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": SECRET,
        "token_type": "jwt",
    }
    assert edx.tokens == 1
    assert [r.headers["Authorization"] for r in edx.studio_requests()] == ["JWT jwt-1", "JWT jwt-1"]
    assert str(edx.studio_requests()[0].url) == "http://studio.test/api/v1/course_runs/course-v1:MITx+6.00x+1T2026/"


def test_token_is_renewed_shortly_before_it_expires() -> None:
    edx = FakeEdx(lambda request: httpx.Response(200, json=RUN), lifetime=600)
    client = edx.client()
    client.get_course_run(KEY)
    edx.now += 600 - 61
    client.get_course_run(KEY)
    assert edx.tokens == 1
    edx.now += 2
    client.get_course_run(KEY)
    assert edx.tokens == 2
    assert edx.studio_requests()[-1].headers["Authorization"] == "JWT jwt-2"


def test_threads_share_one_token() -> None:
    # Studio answers none of the eight until all eight are in flight: they all hold a
    # token at the same time, whatever order the threads run in.
    all_in_flight = threading.Barrier(8)

    def slow_studio(request: httpx.Request) -> httpx.Response:
        all_in_flight.wait(5)
        return httpx.Response(200, json=RUN)

    edx = FakeEdx(slow_studio)
    client = edx.client()
    threads = [threading.Thread(target=client.get_course_run, args=(KEY,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert edx.tokens == 1
    assert len(edx.studio_requests()) == 8


def test_a_401_gets_a_new_token_and_one_more_try() -> None:
    edx = FakeEdx(answers(httpx.Response(401, json={"detail": "expired"}), httpx.Response(200, json=RUN)))
    edx.client().get_course_run(KEY)
    assert edx.tokens == 2
    assert [r.headers["Authorization"] for r in edx.studio_requests()] == ["JWT jwt-1", "JWT jwt-2"]


def test_a_403_is_not_retried() -> None:
    body = {"detail": "You do not have permission to perform this action."}
    edx = FakeEdx(answers(httpx.Response(403, json=body)))
    with pytest.raises(Unauthorized) as caught:
        edx.client().get_course_run(KEY)
    assert caught.value.status == 403
    assert edx.tokens == 1


def test_reads_are_retried_on_5xx_with_capped_exponential_backoff() -> None:
    edx = FakeEdx(answers(*[httpx.Response(503, text="busy")] * 4, httpx.Response(200, json=RUN)))
    run = edx.client(RetryPolicy(attempts=5, backoff=1.0, max_backoff=3.0)).get_course_run(KEY)
    assert run.title == "Intro"
    assert edx.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_retry_after_seconds_is_honoured_on_429() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "Request was throttled."})
    edx = FakeEdx(answers(limited, httpx.Response(200, json=RUN)))
    edx.client().get_course_run(KEY)
    assert edx.sleeps == [7.0]


def test_retry_after_as_a_date_is_honoured_and_capped() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    much_later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    edx = FakeEdx(
        answers(
            httpx.Response(429, headers={"Retry-After": later}),
            httpx.Response(429, headers={"Retry-After": much_later}),
            httpx.Response(200, json=RUN),
        )
    )
    edx.client(RetryPolicy(max_retry_after=60.0)).get_course_run(KEY)
    assert 25.0 < edx.sleeps[0] <= 30.0
    assert edx.sleeps[1] == 60.0


def test_retries_run_out_into_typed_errors_carrying_the_answer() -> None:
    edx = FakeEdx(lambda request: httpx.Response(502, text="bad gateway"))
    with pytest.raises(ServerError) as caught:
        edx.client(RetryPolicy(attempts=3)).get_course_run(KEY)
    error = caught.value
    assert (error.method, error.status, error.body) == ("GET", 502, "bad gateway")
    assert error.url.endswith("/api/v1/course_runs/course-v1:MITx+6.00x+1T2026/")
    assert len(edx.studio_requests()) == 3

    edx = FakeEdx(lambda request: httpx.Response(429, headers={"Retry-After": "1"}))
    with pytest.raises(RateLimited) as limited:
        edx.client(RetryPolicy(attempts=2)).get_course_run(KEY)
    assert limited.value.retry_after == 1.0


def test_errors_never_carry_the_token_or_the_secret() -> None:
    edx = FakeEdx(lambda request: httpx.Response(500, text="Internal Server Error"))
    with pytest.raises(ServerError) as caught:
        edx.client(RetryPolicy(attempts=1)).get_course_run(KEY)
    text = f"{caught.value} {caught.value.body} {caught.value.url}"
    assert "jwt-1" not in text
    assert SECRET not in text
    assert SECRET not in repr(edx.client())


def test_404_is_not_found_and_find_answers_none() -> None:
    edx = FakeEdx(lambda request: httpx.Response(404, json={"detail": "Not found."}))
    client = edx.client()
    assert client.find_course_run(KEY) is None
    with pytest.raises(NotFound):
        client.get_course_run(KEY)
    assert len(edx.studio_requests()) == 2


def test_a_create_that_may_have_been_applied_is_not_repeated() -> None:
    edx = FakeEdx(answers(httpx.Response(500, text="DuplicateCourseError")))
    with pytest.raises(ServerError):
        edx.client().create_course_run(KEY, FIELDS)
    assert len(edx.studio_requests()) == 1

    request = httpx.Request("POST", "http://studio.test/")
    edx = FakeEdx(answers(httpx.ReadTimeout("timed out", request=request)))
    with pytest.raises(Unreachable):
        edx.client().create_course_run(KEY, FIELDS)
    assert len(edx.studio_requests()) == 1


def test_a_create_that_never_left_is_retried() -> None:
    request = httpx.Request("POST", "http://studio.test/")
    edx = FakeEdx(
        answers(
            httpx.ConnectError("refused", request=request),
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(201, json={**RUN, "org": "MITx", "number": "6.00x", "run": "1T2026"}),
        )
    )
    edx.client().create_course_run(KEY, FIELDS)
    posts = edx.studio_requests()
    assert len(posts) == 3
    assert posts[-1].read() == posts[0].read()


def test_patches_are_retried_and_never_puts() -> None:
    edx = FakeEdx(answers(httpx.Response(502), httpx.Response(200, json=RUN)))
    edx.client().patch_course_run(KEY, {"title": "Intro"})
    assert [r.method for r in edx.studio_requests()] == ["PATCH", "PATCH"]


def test_rerun_sends_no_enrollment_dates_and_clone_names_both_keys() -> None:
    bodies: list[bytes] = []

    def studio(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        if request.url.path.endswith("/clone/"):
            return httpx.Response(201, json={"message": "Course cloned successfully."})
        return httpx.Response(201, json=RUN)

    client = FakeEdx(studio).client()
    source = CourseKey.parse("course-v1:MITx+6.00x+SOURCE")
    client.rerun_course_run(source, KEY, FIELDS)
    client.clone_course_run(source, CourseKey.parse("course-v1:B2B+6.00x+C1"))
    rerun = httpx.Response(200, content=bodies[0]).json()
    assert rerun == {
        "run": "1T2026",
        "number": "6.00x",
        "title": "Intro",
        "pacing_type": "instructor_paced",
        "schedule": {"start": "2026-09-01T00:00:00Z", "end": "2026-12-15T00:00:00Z"},
    }
    assert httpx.Response(200, content=bodies[1]).json() == {
        "source_course_id": "course-v1:MITx+6.00x+SOURCE",
        "destination_course_id": "course-v1:B2B+6.00x+C1",
    }


def test_a_taken_rerun_key_is_a_conflict() -> None:
    body = {"run": ["Course run course-v1:MITx+6.00x+1T2026 already exists"]}
    edx = FakeEdx(answers(httpx.Response(400, json=body)))
    with pytest.raises(Conflict):
        edx.client().rerun_course_run(CourseKey.parse("course-v1:MITx+6.00x+SOURCE"), KEY, FIELDS)


def test_other_400s_are_plain_http_errors() -> None:
    edx = FakeEdx(answers(httpx.Response(400, json={"title": ["This field may not be blank."]})))
    with pytest.raises(HttpError) as caught:
        edx.client().patch_course_run(KEY, {"title": ""})
    assert type(caught.value) is HttpError
    assert "may not be blank" in str(caught.value)


def test_listing_follows_next() -> None:
    def studio(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        results = [{**RUN, "id": f"course-v1:MITx+N{page}+R{i}"} for i in range(2)]
        nxt = f"http://studio.test/api/v1/course_runs/?page={page + 1}&page_size=100" if page < 3 else None
        return httpx.Response(200, json={"next": nxt, "previous": None, "count": 6, "results": results})

    edx = FakeEdx(studio)
    runs = list(edx.client().list_course_runs())
    assert len(runs) == 6
    assert edx.studio_requests()[0].url.params["page_size"] == "100"
    assert runs[-1].id == "course-v1:MITx+N3+R1"
