"""edx:CourseRun provider methods called directly against the sandbox's Studio.

Each test uses its own course keys; `faults` clears the fault rules it added.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from provider import platforms
from provider.edx.client import EdxClient
from provider.edx.course_run import CourseRunProvider
from provider.edx.keys import CourseKey
from provider.errors import Drifted
from tests.sandbox.helpers import Sandbox

ORG = "PulumiX"


@pytest.fixture
def provider(sandbox: Sandbox) -> CourseRunProvider:
    configured = CourseRunProvider()
    configured.configure(ConfigureRequest(Config(sandbox.stack_config(), "courseware")))
    return configured


@pytest.fixture
def studio(provider: CourseRunProvider) -> EdxClient:
    """A client for looking at Studio (and changing it) behind the provider's back."""
    return platforms.edx()


def declared(provider: CourseRunProvider, key: str, **changes: Any) -> dict[str, Any]:
    news = {
        "course_key": key,
        "title": "Provider test run",
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-12-15T00:00:00Z",
        "enrollment_start": "2026-08-01T00:00:00Z",
        "enrollment_end": "2026-09-15T00:00:00Z",
        "pacing": "self_paced",
        "__provider": "serialised",
        **changes,
    }
    result = provider.check({}, news)
    assert result.failures == []
    return result.inputs


def new_key(org: str = ORG) -> str:
    return f"course-v1:{org}+{Sandbox.unique('N')}+{Sandbox.unique('R')}"


def writes(sandbox: Sandbox, key: str) -> list[tuple[str, str]]:
    """The non-GET Studio requests that touched `key`, in order."""
    return [
        (entry["method"], entry["path"])
        for entry in sandbox.log()
        if entry["kind"] == "http" and entry["method"] != "GET" and key in entry["path"]
    ]


def test_create_writes_every_declared_field(provider: CourseRunProvider, studio: EdxClient) -> None:
    key = new_key()
    result = provider.create(declared(provider, key))
    assert result.id == key
    live = studio.get_course_run(CourseKey.parse(key))
    assert live.title == "Provider test run"
    assert live.pacing_type == "self_paced"
    assert live.schedule.enrollment_end == datetime(2026, 9, 15, tzinfo=UTC)
    assert result.outs["enrollment_start"] == "2026-08-01T00:00:00Z"
    assert (result.outs["org"], result.outs["on_delete"]) == (ORG, "retain")


def test_create_adopts_a_matching_run_without_writing(provider: CourseRunProvider, sandbox: Sandbox) -> None:
    key = new_key()
    provider.create(declared(provider, key))
    before = len(writes(sandbox, key))
    again = provider.create(declared(provider, key))
    assert again.id == key
    assert len(writes(sandbox, key)) == before


def test_create_refuses_a_differing_run_unless_adopting(provider: CourseRunProvider, sandbox: Sandbox) -> None:
    key = new_key()
    provider.create(declared(provider, key))
    with pytest.raises(Drifted) as caught:
        provider.create(declared(provider, key, title="Someone else's run"))
    assert set(caught.value.differences) == {"title"}
    adopted = provider.create(declared(provider, key, title="Someone else's run", adopt=True))
    assert adopted.outs["title"] == "Someone else's run"
    assert writes(sandbox, key)[-1][0] == "PATCH"


def test_rerun_in_the_same_org_sets_the_enrollment_dates_afterwards(
    provider: CourseRunProvider, sandbox: Sandbox, studio: EdxClient
) -> None:
    source = new_key()
    provider.create(declared(provider, source, title="Source"))
    key = new_key()
    result = provider.create(declared(provider, key, source_key=source))
    assert [method for method, _ in writes(sandbox, key)] == ["PATCH"]
    assert [path for method, path in writes(sandbox, source) if method == "POST"][-1].endswith("/rerun/")
    live = studio.get_course_run(CourseKey.parse(key))
    assert live.title == "Provider test run"
    assert live.schedule.enrollment_start == datetime(2026, 8, 1, tzinfo=UTC)
    assert result.outs["source_key"] == source


def test_clone_into_another_org_patches_every_field(
    provider: CourseRunProvider, sandbox: Sandbox, studio: EdxClient
) -> None:
    source = new_key()
    provider.create(declared(provider, source, title="Source", pacing="instructor_paced"))
    key = new_key(org="OtherX")
    provider.create(declared(provider, key, source_key=source))
    posts = [entry["path"] for entry in sandbox.log() if entry.get("method") == "POST"]
    assert posts[-1] == "/api/v1/course_runs/clone/"
    live = studio.get_course_run(CourseKey.parse(key))
    assert (live.title, live.pacing_type) == ("Provider test run", "self_paced")


def test_update_patches_only_and_read_shows_drift(
    provider: CourseRunProvider, sandbox: Sandbox, studio: EdxClient
) -> None:
    key = new_key()
    state = provider.create(declared(provider, key)).outs
    news = declared(provider, key, title="Renamed")
    assert provider.diff(key, state, news).changes is True
    state = provider.update(key, state, news).outs
    assert state["title"] == "Renamed"
    assert {method for method, _ in writes(sandbox, key)} <= {"POST", "PATCH"}

    studio.patch_course_run(CourseKey.parse(key), {"pacing_type": "instructor_paced"})
    read = provider.read(key, state)
    assert read.outs["pacing"] == "instructor_paced"
    assert read.inputs is not None and read.inputs["pacing"] == "instructor_paced"
    # Refresh diffs the read outputs against the state's inputs.
    assert provider.diff(key, read.outs, news).changes is True

    sandbox.cli("edx delete-course", key)
    gone = provider.read(key, state)
    assert (gone.id, gone.outs) == ("", {})


def test_delete_retains_or_retires(
    provider: CourseRunProvider, sandbox: Sandbox, studio: EdxClient, caplog: pytest.LogCaptureFixture
) -> None:
    kept = new_key()
    state = provider.create(
        declared(provider, kept, end="2030-01-01T00:00:00Z", enrollment_end="2029-01-01T00:00:00Z")
    ).outs
    with caplog.at_level(logging.WARNING, logger="provider"):
        provider.delete(kept, state)
    assert "retained in Studio" in caplog.text
    assert studio.get_course_run(CourseKey.parse(kept)).schedule.enrollment_end == datetime(2029, 1, 1, tzinfo=UTC)

    retired = new_key()
    news = declared(
        provider, retired, end="2030-01-01T00:00:00Z", enrollment_end="2029-01-01T00:00:00Z", on_delete="retire"
    )
    provider.delete(retired, provider.create(news).outs)
    live = studio.get_course_run(CourseKey.parse(retired))
    assert live.schedule.enrollment_end is not None
    assert abs(live.schedule.enrollment_end - datetime.now(UTC)) < timedelta(minutes=1)
    assert live.schedule.end == datetime(2030, 1, 1, tzinfo=UTC)


def test_a_lost_create_answer_leaves_one_run(provider: CourseRunProvider, faults: Sandbox, studio: EdxClient) -> None:
    key = new_key()
    faults.fault("--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/", "--applied-then-error")
    result = provider.create(declared(provider, key))
    assert result.outs["title"] == "Provider test run"
    posts = [e for e in faults.log() if e.get("method") == "POST" and e["path"] == "/api/v1/course_runs/"]
    assert posts[-1]["status"] == 500
    matching = [run for run in studio.list_course_runs() if run.id == key]
    assert len(matching) == 1


def test_reads_ride_out_throttling_and_server_errors(provider: CourseRunProvider, faults: Sandbox) -> None:
    key = new_key()
    state = provider.create(declared(provider, key)).outs
    faults.fault(
        "--app",
        "studio",
        "--method",
        "GET",
        "--path",
        f"/api/v1/course_runs/{key}/",
        "--status",
        "429",
        "--retry-after",
        "1",
    )
    faults.fault("--app", "studio", "--method", "GET", "--path", f"/api/v1/course_runs/{key}/", "--status", "503")
    assert provider.read(key, state).id == key
    statuses = [e["status"] for e in faults.log() if e.get("path") == f"/api/v1/course_runs/{key}/"]
    assert statuses[-3:] == [429, 503, 200]


def test_one_token_serves_every_call_of_the_process(provider: CourseRunProvider, sandbox: Sandbox) -> None:
    """Issue 27: the provider asks the LMS for a JWT once while it is valid, however many
    runs its four worker threads create and read. (MITx Online's own calls to edX take a
    JWT each, as the real one does: the log names them `caller: mitxonline`.)"""
    before = len(sandbox.log())
    keys = [new_key() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(lambda key: provider.create(declared(provider, key)), keys))
        list(pool.map(lambda done: provider.read(done.id, done.outs), created))
    http = [e for e in sandbox.log()[before:] if e["kind"] == "http" and e["caller"] == "client"]
    tokens = [e for e in http if e["path"] == "/oauth2/access_token"]
    assert len(tokens) == 1, tokens
    assert len([e for e in http if e["app"] == "studio"]) >= 2 * len(keys)
