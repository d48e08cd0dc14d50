"""Fault rules: status (with Retry-After), latency, dropped connections, failing commands,
and writes applied but answered with an error; each fires a set number of times."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.sandbox.helpers import Sandbox, create_run


def _eventually(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Poll `condition` until it holds or `deadline` seconds pass: a wait for something
    observable, not a sleep that guesses how long the server takes."""
    give_up = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.05)
    return True


RUNS = "/api/v1/course_runs/"


def add_fault(sandbox: Sandbox, *flags: str) -> dict[str, object]:
    return dict(json.loads(sandbox.cli("fault", "add", *flags)))


def test_status_with_retry_after_fires_the_given_number_of_times(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    rule = add_fault(
        sandbox, "--method", "GET", "--path", f"{RUNS}{run['id']}/*", "--status", "429",
        "--retry-after", "2", "--body", '{"detail": "slow down"}', "--times", "2",
    )  # fmt: skip
    for _ in range(2):
        response = studio.get(f"{RUNS}{run['id']}/")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
        assert response.text == '{"detail": "slow down"}'
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 200
    listed = [json.loads(line) for line in sandbox.cli("fault", "list").splitlines()]
    assert next(r for r in listed if r["id"] == rule["id"])["remaining"] == 0


def test_method_filter(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    add_fault(sandbox, "--method", "PATCH", "--path", f"{RUNS}{run['id']}/", "--status", "503")
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 200
    assert studio.patch(f"{RUNS}{run['id']}/", json={"title": "x"}).status_code == 503
    assert studio.get(f"{RUNS}{run['id']}/").json()["title"] == "A course"  # not applied


def test_regex_path_and_app_filter(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    number = run["number"]
    add_fault(sandbox, "--app", "lms", "--path-regex", rf"/api/courses/v1/courses/.*{number}.*", "--status", "502")
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 200  # Studio is not the LMS
    with sandbox.lms() as lms:
        assert lms.get(f"/api/courses/v1/courses/{run['id']}/").status_code == 502
        assert lms.get(f"/api/courses/v1/courses/{run['id']}/").status_code == 200


def test_latency(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    add_fault(sandbox, "--path", f"{RUNS}{run['id']}/", "--latency", "5")
    # The delayed answer outlasts a client that waits a tenth of the latency; the rule
    # fired once, so the next request is answered well within it. (No stopwatch: the
    # client's own timeout tells the two apart, with a margin no load can close.)
    with pytest.raises(httpx.ReadTimeout):
        studio.get(f"{RUNS}{run['id']}/", timeout=0.5)
    assert studio.get(f"{RUNS}{run['id']}/", timeout=4).status_code == 200


def test_dropped_connection(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    add_fault(sandbox, "--path", f"{RUNS}{run['id']}/", "--drop")
    with pytest.raises(httpx.RemoteProtocolError):
        studio.get(f"{RUNS}{run['id']}/")
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 200


def test_write_applied_then_500(studio: httpx.Client, sandbox: Sandbox) -> None:
    source = create_run(studio)
    target = source["id"].replace("+1T2026", "+9T2026").replace("SandboxX", "CloneX")
    add_fault(sandbox, "--method", "POST", "--path", f"{RUNS}clone/", "--applied-then-error")
    body = {"source_course_id": source["id"], "destination_course_id": target}
    assert studio.post(f"{RUNS}clone/", json=body).status_code == 500
    assert studio.get(f"{RUNS}{target}/").status_code == 200  # the clone happened


def test_write_applied_then_dropped(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    add_fault(sandbox, "--method", "PATCH", "--path", f"{RUNS}{run['id']}/", "--applied-then-error", "--drop")
    with pytest.raises(httpx.RemoteProtocolError):
        studio.patch(f"{RUNS}{run['id']}/", json={"title": "Applied"})
    assert studio.get(f"{RUNS}{run['id']}/").json()["title"] == "Applied"


def test_failing_command_does_not_run(sandbox: Sandbox) -> None:
    add_fault(sandbox, "--command", "b2b_list organizations", "--fail", "--body", "CommandError: injected")
    failed = sandbox.manage("b2b_list", "organizations")
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "CommandError: injected" in failed.stderr
    again = sandbox.manage("b2b_list", "organizations")
    assert again.returncode == 0
    assert again.stdout != ""


def test_command_applied_then_error(sandbox: Sandbox) -> None:
    add_fault(sandbox, "--command", "b2b_list", "--applied-then-error")
    result = sandbox.manage("b2b_list", "organizations")
    assert result.returncode == 1
    assert result.stdout != ""  # it ran
    assert "sandbox fault" in result.stderr


def test_command_rule_matches_leading_words_only(sandbox: Sandbox) -> None:
    add_fault(sandbox, "--command", "b2b_list contracts", "--fail")
    assert sandbox.manage("b2b_list", "organizations").returncode == 0
    assert sandbox.manage("b2b_list", "contracts").returncode == 1


def test_fault_add_needs_a_target_and_an_effect(sandbox: Sandbox) -> None:
    assert sandbox.run("fault", "add", "--status", "500", check=False).returncode == 2
    assert sandbox.run("fault", "add", "--path", "/x", check=False).returncode == 2
    assert sandbox.run("fault", "add", "--command", "b2b_list", "--status", "500", check=False).returncode == 2


def test_fault_clear(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    add_fault(sandbox, "--path", f"{RUNS}{run['id']}/", "--status", "500", "--times", "5")
    assert json.loads(sandbox.cli("fault", "clear"))["cleared"] >= 1
    assert sandbox.cli("fault", "list") == ""
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 200


def test_clone_completes_although_the_client_timed_out(studio: httpx.Client, sandbox: Sandbox) -> None:
    """docs/platforms/edx.md §2, §9: a slow clone cut by a proxy/client timeout still completes on the server."""
    source = create_run(studio)
    target = source["id"].replace("+1T2026", "+8T2026").replace("SandboxX", "SlowX")
    add_fault(sandbox, "--method", "POST", "--path", f"{RUNS}clone/", "--latency", "1.5")
    body = {"source_course_id": source["id"], "destination_course_id": target}
    with pytest.raises(httpx.ReadTimeout):
        studio.post(f"{RUNS}clone/", json=body, timeout=0.5)
    assert studio.get(f"{RUNS}{target}/").status_code == 404  # not yet
    # The server goes on after the client gave up: the run appears once its latency is
    # over, however long the machine takes to get there.
    assert _eventually(lambda: studio.get(f"{RUNS}{target}/").status_code == 200)
