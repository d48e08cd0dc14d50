"""The CLI contract: start (idempotent, detached), stop, restart persistence, manage, log."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx

from tests.sandbox.helpers import Sandbox, create_run, free_port_base, run_cli, start_sandbox

KEYS = {
    "edx_lms_url",
    "edx_studio_url",
    "mitxonline_url",
    "edx_client_id",
    "edx_client_secret",
    "mitxonline_api_key",
    "manage_command",
}


def test_start_prints_the_contract_line(fresh_sandbox: Sandbox) -> None:
    info = fresh_sandbox.info
    assert set(info) == KEYS
    assert info["manage_command"][-3:] == ["manage", "--state-dir", str(fresh_sandbox.state_dir.resolve())]
    assert Path(info["manage_command"][0]).is_absolute()
    for key in ("edx_lms_url", "edx_studio_url", "mitxonline_url"):
        assert httpx.get(info[key] + "/__sandbox__/ping").status_code == 200


def test_start_is_idempotent(fresh_sandbox: Sandbox) -> None:
    pid = json.loads(fresh_sandbox.cli("status"))["pid"]
    again = start_sandbox(fresh_sandbox.state_dir)
    assert again.info == fresh_sandbox.info
    assert json.loads(fresh_sandbox.cli("status"))["pid"] == pid


def test_restart_keeps_state_and_credentials(fresh_sandbox: Sandbox) -> None:
    with fresh_sandbox.studio() as studio:
        run = create_run(studio)
    assert json.loads(fresh_sandbox.cli("stop")) == {"stopped": True}
    assert json.loads(fresh_sandbox.cli("status"))["running"] is False
    with httpx.Client() as client:
        try:
            client.get(fresh_sandbox.info["edx_studio_url"] + "/__sandbox__/ping")
            raise AssertionError("server still answers after stop")
        except httpx.ConnectError:
            pass
    restarted = start_sandbox(fresh_sandbox.state_dir)
    assert restarted.info["edx_client_secret"] == fresh_sandbox.info["edx_client_secret"]
    assert restarted.info["mitxonline_api_key"] == fresh_sandbox.info["mitxonline_api_key"]
    with restarted.studio() as studio:
        assert studio.get(f"/api/v1/course_runs/{run['id']}/").json()["id"] == run["id"]


def test_port_base(tmp_path: Path) -> None:
    base = free_port_base()
    box = start_sandbox(tmp_path / "s", "--port-base", str(base))
    try:
        assert box.info["edx_lms_url"].endswith(f":{base}")
        assert box.info["edx_studio_url"].endswith(f":{base + 1}")
        assert box.info["mitxonline_url"].endswith(f":{base + 2}")
    finally:
        box.cli("stop")


def test_busy_ports_held_by_another_sandbox_are_reported_in_one_line(tmp_path: Path) -> None:
    base = free_port_base()
    holder = start_sandbox(tmp_path / "first", "--port-base", str(base))
    try:
        refused = run_cli("start", "--state-dir", str(tmp_path / "second"), "--port-base", str(base), check=False)
        assert refused.returncode == 1
        [line] = refused.stderr.splitlines()
        held = holder.state_dir.resolve()
        assert line.startswith(
            f"Error: ports {base}-{base + 2} are not free: {base}, {base + 1}, {base + 2} held by the sandbox of "
            f"{held} (stop it with `courseware-sandbox stop --state-dir {held}`); "
            "or choose other ports with --port-base "
        ), line
        assert refused.stdout == ""
        # The port base it offers is free: the second sandbox starts there.
        offered = int(line.split("--port-base ")[1].split()[0])
        second = start_sandbox(tmp_path / "second", "--port-base", str(offered))
        try:
            assert second.info["edx_lms_url"] == f"http://127.0.0.1:{offered}"
        finally:
            second.cli("stop")
    finally:
        holder.cli("stop")


def test_busy_port_held_by_another_program_is_reported_in_one_line(tmp_path: Path) -> None:
    base = free_port_base()
    with socket.socket() as other:
        other.bind(("127.0.0.1", base + 1))
        other.listen()
        refused = run_cli("start", "--state-dir", str(tmp_path / "s"), "--port-base", str(base), check=False)
    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith(
        f"Error: ports {base}-{base + 2} are not free: {base + 1} held by another program (not a sandbox); "
        "or choose other ports with --port-base "
    ), line
    assert json.loads(run_cli("status", "--state-dir", str(tmp_path / "s")).stdout)["running"] is False


def test_start_on_another_port_base_restarts_on_those_ports(tmp_path: Path) -> None:
    first_base = free_port_base()
    box = start_sandbox(tmp_path / "s", "--port-base", str(first_base))
    try:
        with box.studio() as studio:
            run = create_run(studio)
        second_base = free_port_base(after=first_base + 3)
        moved = start_sandbox(tmp_path / "s", "--port-base", str(second_base))
        assert moved.info["edx_lms_url"] == f"http://127.0.0.1:{second_base}"
        assert moved.info["edx_client_secret"] == box.info["edx_client_secret"]
        with moved.studio() as studio:
            assert studio.get(f"/api/v1/course_runs/{run['id']}/").status_code == 200
        # The same port base again: nothing restarts.
        pid = json.loads(moved.cli("status"))["pid"]
        start_sandbox(tmp_path / "s", "--port-base", str(second_base))
        assert json.loads(moved.cli("status"))["pid"] == pid
    finally:
        box.cli("stop")


def test_log_lines(fresh_sandbox: Sandbox) -> None:
    token = fresh_sandbox.token()
    with fresh_sandbox.studio(token) as studio:
        studio.get("/api/v1/course_runs/course-v1:A+B+C/", params={"client_secret": "hush"})
    fresh_sandbox.manage("b2b_list", "organizations")
    entries = fresh_sandbox.log()
    http = [e for e in entries if e["kind"] == "http"]
    assert [(e["method"], e["path"], e["status"]) for e in http] == [
        ("POST", "/oauth2/access_token", 200),
        ("GET", "/api/v1/course_runs/course-v1:A+B+C/", 404),
    ]
    assert all({"time", "duration_ms", "app"} <= set(e) for e in http)
    commands = [e for e in entries if e["kind"] == "command"]
    assert [(e["argv"], e["exit_code"]) for e in commands] == [(["b2b_list", "organizations"], 0)]
    text = fresh_sandbox.cli("log")
    for secret in (token, "hush", fresh_sandbox.info["edx_client_secret"]):
        assert secret not in text


def test_manage_works_while_stopped_and_exit_status_passes_through(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.cli("stop")
    assert fresh_sandbox.manage("b2b_list", "organizations").returncode == 0
    unknown = fresh_sandbox.manage("no_such_command")
    assert unknown.returncode == 1
    assert fresh_sandbox.log()[-1]["exit_code"] == 1


def test_command_delay(fresh_sandbox: Sandbox) -> None:
    start_sandbox(fresh_sandbox.state_dir, "--command-delay", "0.8")
    started = time.monotonic()
    assert fresh_sandbox.manage("b2b_list", "organizations").returncode == 0
    assert time.monotonic() - started >= 0.8
    assert fresh_sandbox.log()[-1]["duration_ms"] >= 800


def test_stop_when_not_running(tmp_path: Path) -> None:
    assert json.loads(run_cli("stop", "--state-dir", str(tmp_path / "none")).stdout) == {"stopped": False}


def test_fixed_credentials_seed_a_new_state_and_must_match_later(tmp_path: Path) -> None:
    state = tmp_path / "fixed"
    flags = ["--edx-client-id", "demo-client", "--edx-client-secret", "demo-secret"]
    box = start_sandbox(state, *flags, "--mitxonline-api-key", "demo-key")
    try:
        assert (box.info["edx_client_id"], box.info["edx_client_secret"], box.info["mitxonline_api_key"]) == (
            "demo-client",
            "demo-secret",
            "demo-key",
        )
        token = httpx.post(
            box.info["edx_lms_url"] + "/oauth2/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": "demo-client",
                "client_secret": "demo-secret",
                "token_type": "jwt",
            },
        )
        assert token.status_code == 200, token.text
        refused = run_cli("start", "--state-dir", str(state), "--edx-client-secret", "other", check=False)
        assert refused.returncode == 1
        assert "already has other values for edx_client_secret" in refused.stderr
    finally:
        box.cli("stop")
