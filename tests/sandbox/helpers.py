"""Driving a real sandbox through its CLI and HTTP ports."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CLI = [str(Path(sys.executable).parent / "courseware-sandbox")]


def run_cli(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr}")
    return result


@dataclass
class Sandbox:
    state_dir: Path
    info: dict[str, Any]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`courseware-sandbox <group/command> --state-dir DIR args...`"""
        head, *rest = args
        if head in ("fault", "edx"):
            return run_cli(head, rest[0], "--state-dir", str(self.state_dir), *rest[1:], check=check)
        return run_cli(head, "--state-dir", str(self.state_dir), *rest, check=check)

    def manage(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.info["manage_command"], *argv], capture_output=True, text=True, timeout=60)

    def token(self, client_id: str | None = None, client_secret: str | None = None, token_type: str = "jwt") -> str:
        response = httpx.post(
            self.info["edx_lms_url"] + "/oauth2/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id or self.info["edx_client_id"],
                "client_secret": client_secret or self.info["edx_client_secret"],
                "token_type": token_type,
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def studio(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.info["edx_studio_url"], headers={"Authorization": f"JWT {token or self.token()}"}
        )

    def lms(self, bearer: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return httpx.Client(base_url=self.info["edx_lms_url"], headers=headers)

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.cli("log").stdout.splitlines()]

    def add_client(self, username: str, *flags: str) -> dict[str, str]:
        return dict(json.loads(self.cli("edx", "add-client", username, *flags).stdout))


def start_sandbox(state_dir: Path, *flags: str) -> Sandbox:
    result = run_cli("start", "--state-dir", str(state_dir), *flags)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return Sandbox(state_dir, json.loads(lines[0]))


def unique(prefix: str = "R") -> str:
    """A run or number part no other test uses (the session sandbox is shared)."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create_run(studio: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"org": "SandboxX", "number": unique("N"), "run": "1T2026", "title": "A course", **fields}
    response = studio.post("/api/v1/course_runs/", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
