"""Driving a running sandbox (the local edX and MITx Online) through its CLI and HTTP ports.

The one `Sandbox` of every test package: the session fixtures (tests/conftest.py,
tests/sandbox/conftest.py), the providers' tests, the fault and end-to-end tests, and
the benchmarks. `cli` runs a sandbox command and returns its stdout (it must succeed);
`run` returns the whole finished process, for tests of the CLI itself (`check=False`
to look at a failure). A command is one word (`status`) or two (`fault add`), given as
one argument or two: `cli("fault add", ...)` and `cli("fault", "add", ...)` are the same.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from sandbox import cli as sandbox_cli

# A session start also builds the SQLite store; generous, so a loaded machine does not flake.
_CLI_TIMEOUT = 120
# `cloneTimeout` for stacks on a sandbox, whose clones take about a second (its clone
# delay, then a few requests): generous for a loaded machine, far below the 900 s default.
SANDBOX_CLONE_TIMEOUT = 60
# Commands of two words: `fault add`, `edx set-course`.
_GROUPS = ("fault", "edx")


def _cli_argv() -> list[str]:
    script = Path(sys.executable).parent / "courseware-sandbox"
    found = str(script) if script.exists() else shutil.which("courseware-sandbox")
    return [found] if found else [sys.executable, "-m", "sandbox.cli"]


def run_cli(*args: str, check: bool = True, timeout: float = _CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`courseware-sandbox ARGS`; with `check`, a non-zero exit fails the test."""
    argv = [*_cli_argv(), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"$ {' '.join(argv)}\n(exit {done.returncode})\n{done.stdout}\n{done.stderr}")
    return done


@dataclass
class Sandbox:
    state_dir: Path
    info: dict[str, Any]

    # The CLI ---------------------------------------------------------------------
    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`courseware-sandbox COMMAND --state-dir DIR ARGS`, the finished process."""
        head, *rest = args
        command = head.split()
        if len(command) == 1 and head in _GROUPS and rest:
            command, rest = [head, rest[0]], rest[1:]
        return run_cli(*command, "--state-dir", str(self.state_dir), *rest, check=check)

    def cli(self, *args: str) -> str:
        """`courseware-sandbox COMMAND --state-dir DIR ARGS`, which must succeed: its stdout."""
        return self.run(*args).stdout

    def fault(self, *options: str) -> dict[str, Any]:
        """`fault add OPTIONS`, e.g. fault("--path", "/api/v1/course_runs/", "--status", "503")."""
        rule: dict[str, Any] = json.loads(self.cli("fault add", *options))
        return rule

    def clear_faults(self) -> None:
        self.cli("fault clear")

    def wait_until_fired(self, rule_id: int, timeout: float = 300) -> None:
        """Until the fault rule `rule_id` has fired: the command or request it delays has started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rules = [json.loads(line) for line in self.cli("fault list").splitlines()]
            if any(r["id"] == rule_id and r["fired"] for r in rules):
                return
            time.sleep(0.2)
        raise AssertionError(f"fault rule {rule_id} never fired: the delayed command never started")

    def log(self) -> list[dict[str, Any]]:
        """Every HTTP request and command the sandbox has seen, oldest first."""
        return [json.loads(line) for line in self.cli("log").splitlines() if line.strip()]

    def add_client(self, username: str, *flags: str) -> dict[str, str]:
        return dict(json.loads(self.cli("edx add-client", username, *flags)))

    def manage(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """A MITx Online management command, run as the providers run it."""
        return subprocess.run([*self.info["manage_command"], *argv], capture_output=True, text=True, timeout=60)

    # Configuration and HTTP ------------------------------------------------------
    def stack_config(self, **mitxonline: Any) -> dict[str, str]:
        """The stack config the engine would pass to `configure()`: `project:key` -> string.
        `mitxonline` adds or replaces `courseware:mitxonline` settings (`cloneTimeout=3`)."""
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
                {
                    "url": self.info["mitxonline_url"],
                    "manageCommand": self.info["manage_command"],
                    # The sandbox clones in about a second: a clone that never comes fails fast.
                    "cloneTimeout": SANDBOX_CLONE_TIMEOUT,
                    **mitxonline,
                }
            ),
            "courseware:mitxonlineApiKey": self.info["mitxonline_api_key"],
        }

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

    @staticmethod
    def unique(prefix: str) -> str:
        """A name no other test uses: course key parts, slugs, org keys."""
        return unique(prefix)


class InProcessSandbox(Sandbox):
    """A `Sandbox` whose `fault`, `log` and `edx` commands run the same click command
    in this process: the CLI contract is the same, without a Python start-up per call
    (the fault matrix makes hundreds of them, an end-to-end test one or two per step).
    Starting, stopping and `manage` stay real processes; tests/sandbox tests the CLI
    itself through `run_cli`."""

    def cli(self, *args: str) -> str:
        if args[0] in ("stop", "start", "status") or args[0].startswith("manage"):
            return super().cli(*args)
        head, *rest = args
        command = head.split()
        if len(command) == 1 and head in _GROUPS and rest:
            command, rest = [head, rest[0]], rest[1:]
        argv = [*command, "--state-dir", str(self.state_dir), *rest]
        result = CliRunner().invoke(sandbox_cli.main, argv, catch_exceptions=False)
        assert result.exit_code == 0, f"$ courseware-sandbox {' '.join(argv)}\n{result.output}"
        return result.stdout


def in_process(started: Sandbox) -> InProcessSandbox:
    """`started`, with its `fault`, `log` and `edx` commands run in this process."""
    return InProcessSandbox(started.state_dir, started.info)


# `make test TEST_PORTS=30000-30999` (the Makefile passes it on as COURSEWARE_TEST_PORTS):
# every sandbox a test starts listens in that range. Unset, a sandbox takes the ports the
# system gives (its ephemeral range), and a test that needs a fixed port base draws one
# from 20000-60000.
PORTS_SWITCH = "COURSEWARE_TEST_PORTS"
_DEFAULT_PORTS = (20000, 60000)
_PORTS_PER_SANDBOX = 3


def ports_range(value: str | None = None) -> tuple[int, int] | None:
    """The range `COURSEWARE_TEST_PORTS` asks for, as (lowest, highest); None when unset."""
    text = os.environ.get(PORTS_SWITCH, "") if value is None else value
    if not text.strip():
        return None
    low, _, high = text.partition("-")
    if not (low.strip().isdigit() and high.strip().isdigit()):
        raise ValueError(f"{PORTS_SWITCH}={text!r}: write a range of ports, e.g. 30000-30999")
    lowest, highest = int(low), int(high)
    if not 1024 <= lowest <= highest - _PORTS_PER_SANDBOX + 1 or highest > 65535:
        raise ValueError(f"{PORTS_SWITCH}={text!r}: a range within 1024-65535 of at least 3 ports, e.g. 30000-30999")
    return lowest, highest


def start_sandbox(state_dir: Path, *flags: str) -> Sandbox:
    """`courseware-sandbox start` on `state_dir`, which prints one connection line; stop
    it with `.cli("stop")`. Inside the range of `COURSEWARE_TEST_PORTS` when it is set."""
    if ports_range() is not None and "--port-base" not in flags:
        flags = ("--port-base", str(free_port_base()), *flags)
    done = run_cli("start", "--state-dir", str(state_dir), *flags)
    lines = done.stdout.splitlines()
    assert len(lines) == 1, f"sandbox start printed more than its connection line:\n{done.stdout}\n{done.stderr}"
    return Sandbox(state_dir, json.loads(lines[0]))


def free_port_base(after: int | None = None) -> int:
    """A port base above `after` whose three ports are free now, never the demo's 18600,
    inside the range of `COURSEWARE_TEST_PORTS` (20000-60000 when unset). Without `after`,
    the search starts at a random place: tests run in parallel."""
    lowest, highest = ports_range() or _DEFAULT_PORTS
    last = highest - _PORTS_PER_SANDBOX + 1
    start = random.randint(lowest, last) if after is None else after
    candidates: list[int] = [*range(start, last + 1), *range(lowest if after is None else start, start)]
    for base in candidates:
        if not 18600 - _PORTS_PER_SANDBOX < base < 18600 + _PORTS_PER_SANDBOX and _free(base):
            return base
    raise AssertionError(f"no three free ports in {lowest}-{highest} ({PORTS_SWITCH})")


def _free(base: int) -> bool:
    sockets = []
    try:
        for offset in range(_PORTS_PER_SANDBOX):
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("127.0.0.1", base + offset))
        return True
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()


def unique(prefix: str = "R") -> str:
    """A name no other test uses (the session sandbox is shared): a run or number part,
    a slug, an org key."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create_run(studio: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"org": "SandboxX", "number": unique("N"), "run": "1T2026", "title": "A course", **fields}
    response = studio.post("/api/v1/course_runs/", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
