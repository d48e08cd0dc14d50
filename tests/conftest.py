"""Shared fixtures: a running sandbox (the local edX and MITx Online) per test session.

`sandbox` starts `courseware-sandbox` on a fresh state directory once per session and
stops it at the end. Tests share it, so each test uses its own object names (see
`Sandbox.unique`) and clears the fault rules it added (`Sandbox.fault` does so itself
through the `faults` fixture).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# A session start also builds the SQLite store; generous, so a loaded machine does not flake.
_CLI_TIMEOUT = 120


def _cli_argv() -> list[str]:
    script = Path(sys.executable).parent / "courseware-sandbox"
    found = str(script) if script.exists() else shutil.which("courseware-sandbox")
    return [found] if found else [sys.executable, "-m", "sandbox.cli"]


@dataclass
class Sandbox:
    state_dir: Path
    info: dict[str, Any]

    def cli(self, *args: str) -> str:
        """Run `courseware-sandbox COMMAND --state-dir DIR ARGS` and return its stdout;
        COMMAND may be two words (`fault add`)."""
        argv = [*_cli_argv(), *args[0].split(), "--state-dir", str(self.state_dir), *args[1:]]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_CLI_TIMEOUT)
        assert done.returncode == 0, f"$ {' '.join(argv)}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def fault(self, *options: str) -> dict[str, Any]:
        """`fault add OPTIONS`, e.g. fault("--path", "/api/v1/course_runs/", "--status", "503")."""
        rule: dict[str, Any] = json.loads(self.cli("fault add", *options))
        return rule

    def clear_faults(self) -> None:
        self.cli("fault clear")

    def log(self) -> list[dict[str, Any]]:
        """Every HTTP request and command the sandbox has seen, oldest first."""
        return [json.loads(line) for line in self.cli("log").splitlines() if line.strip()]

    def stack_config(self) -> dict[str, str]:
        """The stack config the engine would pass to `configure()`: `project:key` -> string."""
        return {
            "courseware:edx": json.dumps(
                {
                    "lmsUrl": self.info["edx_lms_url"],
                    "studioUrl": self.info["edx_studio_url"],
                    "clientId": self.info["edx_client_id"],
                }
            ),
            "courseware:edxClientSecret": self.info["edx_client_secret"],
            "courseware:mitxonline": json.dumps(
                {"url": self.info["mitxonline_url"], "manageCommand": self.info["manage_command"]}
            ),
            "courseware:mitxonlineApiKey": self.info["mitxonline_api_key"],
        }

    @staticmethod
    def unique(prefix: str) -> str:
        """A name no other test uses: course key parts, slugs, org keys."""
        return f"{prefix}{uuid.uuid4().hex[:8]}"


def start_sandbox(state_dir: Path, *flags: str) -> Sandbox:
    """`courseware-sandbox start` on `state_dir`; stop it with `.cli("stop")`."""
    argv = [*_cli_argv(), "start", "--state-dir", str(state_dir), *flags]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=_CLI_TIMEOUT)
    assert done.returncode == 0, f"sandbox did not start:\n{done.stdout}\n{done.stderr}"
    return Sandbox(state_dir, json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    try:
        yield running
    finally:
        running.cli("stop")


@pytest.fixture
def faults(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox, with every fault rule cleared after the test."""
    yield sandbox
    sandbox.clear_faults()
