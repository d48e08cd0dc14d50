"""edx:CourseRun through the real Pulumi CLI against the sandbox (issue 4).

Each behaviour the issue names is checked on what the engine reports (`--json`) and on
what Studio holds afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from provider.edx.client import EdxClient, RetryPolicy
from provider.edx.keys import CourseKey
from provider.settings import EdxSettings
from tests.e2e.harness import PulumiProject, Result
from tests.sandbox.helpers import Sandbox

PROGRAM = Path(__file__).parent / "program"
TOKEN = "pulumi-python:dynamic/edx:CourseRun"


@pytest.fixture
def studio(sandbox: Sandbox) -> Iterator[EdxClient]:
    """Studio as someone outside Pulumi sees it."""
    settings = EdxSettings.model_validate(
        {
            "lmsUrl": sandbox.info["edx_lms_url"],
            "studioUrl": sandbox.info["edx_studio_url"],
            "clientId": sandbox.info["edx_client_id"],
            "clientSecret": sandbox.info["edx_client_secret"],
        }
    )
    client = EdxClient(settings, retry=RetryPolicy(attempts=1))
    yield client
    client.close()


def project_for(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, PROGRAM)
    project.set_config(
        "edx",
        {
            "lmsUrl": sandbox.info["edx_lms_url"],
            "studioUrl": sandbox.info["edx_studio_url"],
            "clientId": sandbox.info["edx_client_id"],
        },
    )
    project.set_config("edxClientSecret", sandbox.info["edx_client_secret"], secret=True)
    return project


def run_spec(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": "run",
        "course_key": key,
        "title": "Engine test run",
        "start": "2026-09-01T00:00:00Z",
        "end": "2030-01-01T00:00:00Z",
        "enrollment_start": "2026-08-01T00:00:00Z",
        "enrollment_end": "2029-01-01T00:00:00Z",
        "pacing": "self_paced",
        **changes,
    }


def declare(project: PulumiProject, *runs: dict[str, Any]) -> None:
    project.set_config("runs", list(runs))


def run_steps(preview: Result) -> list[dict[str, Any]]:
    return [step for step in preview.json().get("steps", []) if step["urn"].endswith(f"{TOKEN}::run")]


def changed_inputs(step: dict[str, Any]) -> set[str]:
    """The input keys whose values differ between a step's old and new state."""
    old = (step.get("oldState") or {}).get("inputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    return {key for key in old.keys() | new.keys() if key != "__provider" and old.get(key) != new.get(key)}


def displayed_changes(result: Result) -> dict[str, tuple[str, str]]:
    """Field -> (old, new) for each `~ field: old => new` line of a `--diff` display.

    A refresh's `--json` steps carry the state before the refresh on both sides, so the
    refreshed values are only visible in the display.
    """
    found = re.findall(r"^\s+~ (\w+)\s*: (.+?) => (.+)$", result.stdout, flags=re.MULTILINE)
    return {name: (old, new) for name, old, new in found}


def test_lifecycle_create_update_drift_replace_retain(tmp_path: Path, sandbox: Sandbox, studio: EdxClient) -> None:
    key = f"course-v1:EngineX+{Sandbox.unique('N')}+1T2026"
    project = project_for(tmp_path, sandbox)

    # up creates the run in Studio.
    declare(project, run_spec(key))
    project.up()
    live = studio.get_course_run(CourseKey.parse(key))
    assert (live.title, live.pacing_type) == ("Engine test run", "self_paced")
    project.preview("--expect-no-changes")

    # Neither the client secret nor a JWT reaches the state.
    exported = json.dumps(project.export())
    assert sandbox.info["edx_client_secret"] not in exported
    assert "eyJ" not in exported  # every JWT starts with the base64 of '{"'

    # A title change previews as an in-place update of that field, and applies.
    declare(project, run_spec(key, title="Engine test run, renamed"))
    [step] = run_steps(project.run("preview", "--json"))
    assert step["op"] == "update"
    assert changed_inputs(step) == {"title"}
    project.up()
    assert studio.get_course_run(CourseKey.parse(key)).title == "Engine test run, renamed"

    # A change made through the Studio API shows in refresh on exactly that field...
    studio.patch_course_run(CourseKey.parse(key), {"schedule": {"enrollment_end": "2028-06-01T00:00:00Z"}})
    refresh = project.run("refresh", "--preview-only", "--expect-no-changes", "--diff", expect=7)
    assert displayed_changes(refresh) == {"enrollment_end": ('"2029-01-01T00:00:00Z"', '"2028-06-01T00:00:00Z"')}
    # ...and the next up (with a refresh, so the engine sees the live value) restores it.
    project.up("--refresh")
    live = studio.get_course_run(CourseKey.parse(key))
    assert live.schedule.enrollment_end == datetime(2029, 1, 1, tzinfo=UTC)
    project.run("refresh", "--preview-only", "--expect-no-changes")

    # A key change previews as a replacement, asked for by the key fields.
    other = f"course-v1:EngineX+{Sandbox.unique('N')}+1T2026"
    declare(project, run_spec(other, title="Engine test run, renamed"))
    steps = {step["op"]: step for step in run_steps(project.run("preview", "--json"))}
    assert "replace" in steps, steps.keys()
    assert {"course_key", "number"} <= set(steps["replace"].get("replaceReasons") or [])
    declare(project, run_spec(key, title="Engine test run, renamed"))

    # destroy retains the run (edX has no delete API) and says so.
    destroy = project.destroy()
    assert "retained in Studio" in destroy.stdout + destroy.stderr
    assert studio.get_course_run(CourseKey.parse(key)).title == "Engine test run, renamed"
    assert project.resources(TOKEN) == []


def test_destroy_retires_by_closing_enrollment(tmp_path: Path, sandbox: Sandbox, studio: EdxClient) -> None:
    key = f"course-v1:EngineX+{Sandbox.unique('N')}+1T2026"
    project = project_for(tmp_path, sandbox)
    declare(project, run_spec(key, on_delete="retire"))
    project.up()
    project.destroy()
    live = studio.get_course_run(CourseKey.parse(key))
    assert live.schedule.enrollment_end is not None
    assert abs(live.schedule.enrollment_end - datetime.now(UTC)) < timedelta(minutes=5)
    assert live.schedule.end == datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("effect", [["--status", "500"], ["--drop"]])
def test_a_lost_write_answer_leaves_exactly_one_run(
    tmp_path: Path, faults: Sandbox, studio: EdxClient, effect: list[str]
) -> None:
    key = f"course-v1:EngineX+{Sandbox.unique('N')}+1T2026"
    project = project_for(tmp_path, faults)
    declare(project, run_spec(key))
    faults.fault(
        "--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/", "--applied-then-error", *effect
    )
    # The create's answer is lost; create looks again and carries on with the run, and
    # the next up has nothing left to do.
    project.up()
    project.up()
    project.preview("--expect-no-changes")
    assert [run.id for run in studio.list_course_runs()].count(key) == 1
    [resource] = project.resources(TOKEN)
    assert resource["id"] == key
