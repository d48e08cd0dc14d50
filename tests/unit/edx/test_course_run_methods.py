"""edx:CourseRun create, read, update and delete against an in-memory Studio served
through httpx.MockTransport, including lost answers. The same behaviours run against
the sandbox in tests/provider/edx/."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from provider import platforms
from provider.edx.client import EdxClient, RetryPolicy
from provider.edx.course_run import CourseRunProvider
from provider.errors import Drifted, ServerError
from provider.platforms import Platforms
from provider.settings import EdxSettings, PlatformSettings

SETTINGS = EdxSettings.model_validate(
    {"lmsUrl": "http://lms.test", "studioUrl": "http://studio.test", "clientId": "cid", "clientSecret": "x"}
)
KEY = "course-v1:MITx+6.00x+1T2026"
PROVIDER = CourseRunProvider()


class Studio:
    """Just enough of docs/platforms/edx.md §2, §7 to exercise the provider's decisions."""

    def __init__(self) -> None:
        self.runs: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        # Apply the next matching write, then answer 500 (a lost answer).
        self.lose_answer_to: str | None = None

    def add(self, key: str, **changes: Any) -> None:
        self.runs[key.casefold()] = {
            "id": key,
            "title": "Intro",
            "schedule": {
                "start": "2026-09-01T00:00:00Z",
                "end": "2026-12-15T00:00:00Z",
                "enrollment_start": None,
                "enrollment_end": None,
            },
            "pacing_type": "instructor_paced",
            **changes,
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/access_token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        path = request.url.path.removeprefix("/api/v1/course_runs/")
        self.calls.append((request.method, path))
        body = json.loads(request.content) if request.content else {}
        response = self.route(request.method, path.rstrip("/"), body)
        if self.lose_answer_to is not None and self.lose_answer_to == request.method + " " + path:
            self.lose_answer_to = None
            return httpx.Response(500, text="proxy error")
        return response

    def route(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        if method == "POST" and path == "":
            key = f"course-v1:{body['org']}+{body['number']}+{body['run']}"
            self.add(key, title=body["title"], pacing_type=body.get("pacing_type", "instructor_paced"))
            self.runs[key.casefold()]["schedule"].update(body.get("schedule", {}))
            return httpx.Response(201, json=self.runs[key.casefold()])
        if method == "POST" and path == "clone":
            source = self.runs[body["source_course_id"].casefold()]
            self.runs[body["destination_course_id"].casefold()] = {
                **json.loads(json.dumps(source)),
                "id": body["destination_course_id"],
            }
            return httpx.Response(201, json={"message": "Course cloned successfully."})
        if method == "POST" and path.endswith("/rerun"):
            source = self.runs[path.removesuffix("/rerun").casefold()]
            org = source["id"].split(":")[1].split("+")[0]
            key = f"course-v1:{org}+{body['number']}+{body['run']}"
            run = {**json.loads(json.dumps(source)), "id": key, "title": body.get("title", source["title"])}
            run["schedule"].update(body.get("schedule", {}), enrollment_start=None, enrollment_end=None)
            self.runs[key.casefold()] = run
            return httpx.Response(201, json=run)
        run = self.runs.get(path.casefold())
        if run is None:
            return httpx.Response(404, json={"detail": "Not found."})
        if method == "PATCH":
            run["schedule"].update(body.pop("schedule", {}))
            run.update({k: v for k, v in body.items() if k in ("title", "pacing_type")})
        return httpx.Response(200, json=run)

    def writes(self) -> list[tuple[str, str]]:
        return [call for call in self.calls if call[0] != "GET"]


@pytest.fixture
def studio() -> Iterator[Studio]:
    fake = Studio()
    client = EdxClient(
        SETTINGS, transport=httpx.MockTransport(fake.handle), retry=RetryPolicy(attempts=2), sleep=lambda s: None
    )
    platforms.install(Platforms(PlatformSettings(), edx=client))
    yield fake
    client.close()


def declared(**changes: Any) -> dict[str, Any]:
    news = {
        "course_key": KEY,
        "title": "Intro",
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-12-15T00:00:00Z",
        "enrollment_end": "2026-09-15T00:00:00Z",
        "pacing": "self_paced",
        "__provider": "p",
        **changes,
    }
    result = PROVIDER.check({}, news)
    assert result.failures == []
    return result.inputs


def test_create_posts_a_blank_run_with_every_field(studio: Studio) -> None:
    result = PROVIDER.create(declared())
    assert result.id == KEY
    assert studio.writes() == [("POST", "")]
    assert result.outs["pacing"] == "self_paced"
    assert result.outs["enrollment_end"] == "2026-09-15T00:00:00Z"
    assert result.outs["on_delete"] == "retain"


def test_create_adopts_a_matching_run_without_writing(studio: Studio) -> None:
    studio.add(KEY, pacing_type="self_paced")
    studio.runs[KEY.casefold()]["schedule"]["enrollment_end"] = "2026-09-15T00:00:00+00:00"
    result = PROVIDER.create(declared())
    assert result.id == KEY
    assert studio.writes() == []


def test_create_refuses_a_differing_run_unless_adopting(studio: Studio) -> None:
    studio.add(KEY, title="Hand-made")
    with pytest.raises(Drifted) as caught:
        PROVIDER.create(declared())
    assert set(caught.value.differences) == {"title", "pacing", "enrollment_end"}
    assert studio.writes() == []

    result = PROVIDER.create(declared(adopt=True))
    assert studio.writes() == [("PATCH", f"{KEY}/")]
    assert result.outs["title"] == "Intro"


def test_a_lost_create_answer_is_found_again(studio: Studio) -> None:
    studio.lose_answer_to = "POST "
    result = PROVIDER.create(declared())
    assert result.outs["title"] == "Intro"
    assert studio.writes() == [("POST", "")]
    assert len(studio.runs) == 1


def test_a_failed_create_that_left_nothing_raises(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        if method == "POST":
            return httpx.Response(500, text="DuplicateCourseError")
        return httpx.Response(404, json={"detail": "Not found."})

    monkeypatch.setattr(studio, "route", broken)
    with pytest.raises(ServerError):
        PROVIDER.create(declared())


def test_a_rerun_within_the_org_then_patches_the_enrollment_dates(studio: Studio) -> None:
    studio.add("course-v1:MITx+6.00x+SOURCE")
    result = PROVIDER.create(declared(source_key="course-v1:MITx+6.00x+SOURCE"))
    assert studio.writes() == [("POST", "course-v1:MITx+6.00x+SOURCE/rerun/"), ("PATCH", f"{KEY}/")]
    assert result.outs["enrollment_end"] == "2026-09-15T00:00:00Z"
    assert result.outs["source_key"] == "course-v1:MITx+6.00x+SOURCE"


def test_a_copy_into_another_org_is_a_clone_then_a_patch(studio: Studio) -> None:
    studio.add("course-v1:UAI_SOURCE+6.00x+SOURCE", title="Source title")
    result = PROVIDER.create(declared(source_key="course-v1:UAI_SOURCE+6.00x+SOURCE"))
    assert studio.writes() == [("POST", "clone/"), ("PATCH", f"{KEY}/")]
    assert result.outs["title"] == "Intro"


def test_read_returns_live_values_as_inputs_and_empty_when_gone(studio: Studio) -> None:
    state = PROVIDER.create(declared(on_delete="retire")).outs
    studio.runs[KEY.casefold()]["title"] = "Changed in Studio"
    read = PROVIDER.read(KEY, state)
    assert read.id == KEY
    assert read.outs["title"] == "Changed in Studio"
    assert read.outs["on_delete"] == "retire"
    assert read.inputs is not None
    assert read.inputs["title"] == "Changed in Studio"
    assert "source_key" not in read.inputs
    # Refresh calls diff with the read outputs against the state's inputs.
    assert PROVIDER.diff(KEY, read.outs, declared(on_delete="retire")).changes is True

    del studio.runs[KEY.casefold()]
    gone = PROVIDER.read(KEY, state)
    assert (gone.id, gone.outs) == ("", {})


def test_update_patches_only_what_differs(studio: Studio) -> None:
    state = PROVIDER.create(declared()).outs
    result = PROVIDER.update(KEY, state, declared(title="Intro, again"))
    assert studio.writes()[-1] == ("PATCH", f"{KEY}/")
    assert result.outs["title"] == "Intro, again"
    assert studio.calls.count(("PATCH", f"{KEY}/")) == 1
    PROVIDER.update(KEY, result.outs, declared(title="Intro, again", on_delete="retire"))
    assert studio.calls.count(("PATCH", f"{KEY}/")) == 1


def test_delete_retains_with_a_warning(studio: Studio, caplog: pytest.LogCaptureFixture) -> None:
    state = PROVIDER.create(declared()).outs
    with caplog.at_level(logging.WARNING, logger="provider"):
        PROVIDER.delete(KEY, state)
    assert studio.writes() == [("POST", "")]
    assert "retained in Studio" in caplog.text


def test_delete_retires_by_closing_enrollment_now(studio: Studio) -> None:
    news = declared(end="2030-01-01T00:00:00Z", enrollment_end="2029-01-01T00:00:00Z", on_delete="retire")
    state = PROVIDER.create(news).outs
    PROVIDER.delete(KEY, state)
    schedule = studio.runs[KEY.casefold()]["schedule"]
    closed = datetime.fromisoformat(schedule["enrollment_end"])
    assert abs(closed - datetime.now(UTC)) < timedelta(minutes=1)
    assert schedule["end"] == "2030-01-01T00:00:00Z"
