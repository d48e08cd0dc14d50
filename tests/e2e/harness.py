"""Drive the real Pulumi CLI against a throwaway project, stack and file backend.

Each `PulumiProject` is a temporary directory with its own Pulumi.yaml (project
`courseware`, runtime python), a program copied in, and its own `file://` backend and
PULUMI_HOME, so tests never share state. Commands are argv lists; every result keeps
stdout and stderr so a failing assertion shows what the CLI said.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.sandbox.helpers import SANDBOX_CLONE_TIMEOUT

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
PASSPHRASE = "courseware-local"
# Long enough for a slow `up`, short enough that a hung engine fails the test.
COMMAND_TIMEOUT = 600
# `courseware:mitxonline.session` of every stack `use_sandbox` points at a sandbox:
# COURSEWARE_TEST_SESSION=off runs the e2e tests with one process per command (issue 15's
# off switch), a number with that many sessions; unset, the setting's default.
SESSION_SWITCH = os.environ.get("COURSEWARE_TEST_SESSION", "")


class _Ciphertexts:
    """The encryption salt and secret ciphertexts the real CLI wrote for a passphrase,
    kept by this test process for its later projects (docs/ci.md, "Where the time goes").

    A project whose stack file already holds a salt is initialized with it (`stack init`
    keeps a salt it finds, as on a second clone of a repository with a committed stack
    file), and a secret the CLI already encrypted under that salt and passphrase is
    written as the same `secure:` value: one `pulumi config set-all`, with its start-up and
    its passphrase key derivation, fewer per project. Whatever is not kept yet goes through
    the CLI, which is how it gets kept.
    """

    def __init__(self) -> None:
        self.salts: dict[str, str] = {}
        self.secure: dict[tuple[str, str, str], str] = {}

    def salt(self, passphrase: str | None) -> str | None:
        return self.salts.get(passphrase) if passphrase else None

    def keep_salt(self, passphrase: str | None, salt: str | None) -> None:
        if passphrase and salt:
            self.salts.setdefault(passphrase, salt)

    def known(self, salt: str | None, values: dict[str, str]) -> dict[str, str] | None:
        """Each key's kept ciphertext under `salt`, or None when one of them is not kept."""
        if salt is None:
            return None
        found: dict[str, str] = {}
        for key, value in values.items():
            ciphertext = self.secure.get((salt, key, value))
            if ciphertext is None:
                return None
            found[key] = ciphertext
        return found

    def keep(self, salt: str | None, values: dict[str, str], config: dict[str, Any]) -> None:
        for key, value in values.items():
            entry = config.get(f"courseware:{key}")
            if salt and isinstance(entry, dict) and isinstance(entry.get("secure"), str):
                self.secure[(salt, key, value)] = entry["secure"]


_CIPHERTEXTS = _Ciphertexts()


def session_setting(switch: str) -> bool | int | None:
    """The `session` value the switch asks for; None: leave the setting out."""
    if switch in ("", "on"):
        return None
    if switch == "off":
        return False
    if switch.isdigit() and int(switch) >= 1:
        return int(switch)
    raise ValueError(f"COURSEWARE_TEST_SESSION={switch!r}: use on, off or a pool size (1 to 8)")


@cache
def toolchain_bin() -> Path:
    """The directory of the pinned CLI (built once per machine by scripts/toolchain)."""
    done = subprocess.run(
        [str(REPO / "scripts" / "toolchain")], capture_output=True, text=True, check=True, timeout=3600
    )
    return Path(done.stdout.strip().splitlines()[-1])


@dataclass
class Result:
    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"$ {' '.join(self.argv)}\n(exit {self.exit_code})\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"

    def json(self) -> Any:
        return json.loads(self.stdout)


class PulumiProject:
    def __init__(
        self,
        root: Path,
        program: Path,
        stack: str = "test",
        stack_file: Path | None = None,
        *,
        env: dict[str, str] | None = None,
        create: bool = True,
    ) -> None:
        """`env` replaces settings of the environment below (another backend, passphrase);
        `create=False` selects a stack that already exists there, as a second clone does."""
        self.root = root
        self.stack = stack
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(program, root / "program", dirs_exist_ok=True)
        if stack_file is not None:
            # A shipped stack file, with its encryption salt and secrets, as `stack init` finds it.
            shutil.copy(stack_file, root / f"Pulumi.{stack}.yaml")
        (root / "Pulumi.yaml").write_text(
            yaml.safe_dump({"name": "courseware", "runtime": "python", "main": "program/"})
        )
        (root / "backend").mkdir(exist_ok=True)
        venv_bin = Path(sys.executable).parent
        self.env = {
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{toolchain_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_HOME": str(root / "home"),
            "PULUMI_BACKEND_URL": f"file://{root / 'backend'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "NO_COLOR": "1",
            **(env or {}),
        }
        passphrase = self.env.get("PULUMI_CONFIG_PASSPHRASE")
        salt = _CIPHERTEXTS.salt(passphrase)
        if create and stack_file is None and salt is not None:
            self._stack_file().write_text(yaml.safe_dump({"encryptionsalt": salt}))
        self.run("stack", "init" if create else "select", stack)
        if create and stack_file is None:
            _CIPHERTEXTS.keep_salt(passphrase, self._stack_data().get("encryptionsalt"))

    def _stack_file(self) -> Path:
        return self.root / f"Pulumi.{self.stack}.yaml"

    def _stack_data(self) -> dict[str, Any]:
        path = self._stack_file()
        data = yaml.safe_load(path.read_text()) if path.exists() else None
        return data or {}

    def _write_stack_data(self, data: dict[str, Any]) -> None:
        self._stack_file().write_text(yaml.safe_dump(data, sort_keys=True))

    def run(self, *args: str, expect: int | None = 0, env: dict[str, str] | None = None) -> Result:
        # A global flag, placed first so that it stays a flag after a `--` in `args`.
        argv = ["pulumi", "--non-interactive", *args]
        done = subprocess.run(
            argv,
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        result = Result(argv, done.returncode, done.stdout, done.stderr)
        if expect is not None:
            assert result.exit_code == expect, str(result)
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start `pulumi ARGS` without waiting, for a test that interrupts it. The CLI
        leads a session of its own, so whatever it starts (its language host and provider
        plugins, each in a process group of its own, and their children) can be found and
        stopped with `stop_session` even after the CLI itself was killed."""
        return subprocess.Popen(
            ["pulumi", "--non-interactive", *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def processes(self) -> list[str]:
        """Every live process started for this project: its cmdline or environment names
        the project's own directory (`PULUMI_HOME`, the backend), as the CLI's, its
        language host's and its provider's do, and the commands the provider runs."""
        marker = str(self.root).encode()
        return [
            f"{pid}: {cmdline}"
            for pid, cmdline in _live_processes()
            if marker in cmdline.encode() or marker in _read(Path(f"/proc/{pid}/environ"))
        ]

    # Configuration ---------------------------------------------------------------
    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set `courseware:<key>`; objects and lists are stored as structured config."""
        if isinstance(value, (dict, list)):
            self._set_structured(key, value, secret=secret)
            return
        flags = ["--secret"] if secret else []
        # `--` first: generated secrets may start with `-` and must not read as flags.
        self.run("config", "set", *flags, f"courseware:{key}", "--", str(value))

    def use_sandbox(self, info: dict[str, Any]) -> None:
        """Point the platform settings at a running sandbox (its `start` line)."""
        self.set_config(
            "edx",
            {"lmsUrl": info["edx_lms_url"], "studioUrl": info["edx_studio_url"], "clientId": info["edx_client_id"]},
        )
        mitxonline = {
            "url": info["mitxonline_url"],
            "manageCommand": info["manage_command"],
            # The sandbox clones in about a second: a clone that never comes fails fast.
            "cloneTimeout": SANDBOX_CLONE_TIMEOUT,
        }
        session = session_setting(SESSION_SWITCH)
        if session is not None:
            mitxonline["session"] = session
        self.set_config("mitxonline", mitxonline)
        self.set_secrets(edxClientSecret=info["edx_client_secret"], mitxonlineApiKey=info["mitxonline_api_key"])

    def set_secrets(self, **values: str) -> None:
        """Set `courseware:<key>` secrets in one `pulumi config set-all`: one CLI start-up
        (and one passphrase key derivation) for all of them, not one per secret; none when
        the CLI already encrypted these values under this stack's salt (`_Ciphertexts`)."""
        data = self._stack_data()
        salt = data.get("encryptionsalt")
        known = _CIPHERTEXTS.known(salt, values)
        if known is not None:
            config = data.setdefault("config", {})
            for key, ciphertext in known.items():
                config[f"courseware:{key}"] = {"secure": ciphertext}
            self._write_stack_data(data)
            return
        pairs = [flag for key, value in values.items() for flag in ("--secret", f"courseware:{key}={value}")]
        self.run("config", "set-all", *pairs)
        _CIPHERTEXTS.keep(salt, values, self._stack_data().get("config") or {})

    def config_value(self, key: str) -> Any:
        data = yaml.safe_load(self._stack_file().read_text()) or {}
        return (data.get("config") or {}).get(f"courseware:{key}")

    def _set_structured(self, key: str, value: Any, *, secret: bool) -> None:
        # Structured values are written into the stack file, as an operator would; the
        # CLI's `config set --path` would turn every leaf into a string.
        assert not secret, "structured secrets are not used by this project"
        data = self._stack_data()
        data.setdefault("config", {})[f"courseware:{key}"] = value
        self._write_stack_data(data)

    # Operations ------------------------------------------------------------------
    def up(self, *extra: str, expect: int | None = 0) -> Result:
        return self.run("up", "--yes", "--skip-preview", *extra, expect=expect)

    def preview(self, *extra: str, expect: int | None = 0) -> Result:
        return self.run("preview", *extra, expect=expect)

    def preview_json(self, *extra: str, expect: int | None = 0) -> dict[str, Any]:
        result = self.run("preview", "--json", *extra, expect=expect)
        digest: dict[str, Any] = result.json()
        return digest

    def refresh(self, *extra: str, expect: int | None = 0) -> Result:
        return self.run("refresh", "--yes", *extra, expect=expect)

    def destroy(self, *extra: str, expect: int | None = 0) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", *extra, expect=expect)

    def export(self) -> dict[str, Any]:
        state: dict[str, Any] = self.run("stack", "export").json()
        return state

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        values: dict[str, Any] = self.run(*args).json()
        return values

    def resources(self, type_token: str) -> list[dict[str, Any]]:
        """The resources of one type in the current state (from `pulumi stack export`)."""
        deployment = self.export()["deployment"]
        return [r for r in deployment.get("resources") or [] if r["type"] == type_token]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # gone meanwhile, or not ours
        return b""


def _stat(pid: int) -> tuple[str, int, int]:
    """State, process group and session of `pid` (proc(5): fields 3, 5 and 6)."""
    text = _read(Path(f"/proc/{pid}/stat")).decode(errors="replace")
    if ")" not in text:
        return "X", 0, 0
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[3])


def _live_processes() -> list[tuple[int, str]]:
    """(pid, cmdline) of every process that still runs (not a zombie, not this one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        state = _stat(int(entry.name))[0]
        if state not in ("Z", "X"):
            cmdline = _read(entry / "cmdline").replace(b"\0", b" ").decode(errors="replace").strip()
            found.append((int(entry.name), cmdline))
    return found


def _groups_of_session(session: int) -> set[int]:
    groups = set()
    for pid, _ in _live_processes():
        _, group, of_session = _stat(pid)
        if of_session == session:
            groups.add(group)
    return groups


def stop_session(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Kill a CLI started by `PulumiProject.popen` and everything left of its session.

    Killing the CLI's process group is not enough: the CLI starts each plugin in a
    process group of its own (its language host, `pulumi-resource-pulumi-python` and the
    `python -m pulumi.dynamic` under it), and a CLI killed by SIGKILL leaves them running,
    adopted by init. They all keep the CLI's session, which only `setsid` would change:
    every process group of that session is killed, until none is left.
    """
    if process.poll() is None:
        process.kill()
    process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        groups = _groups_of_session(process.pid)
        if not groups:
            return
        assert time.monotonic() < deadline, f"processes of session {process.pid} survive SIGKILL: {sorted(groups)}"
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        time.sleep(0.1)


def change_summary(result: Result) -> dict[str, int]:
    """The `changeSummary` of a `preview --json` digest, or of `up/destroy/refresh --json`."""
    digest = result.json()
    summary: dict[str, int] = digest.get("changeSummary") or {}
    return summary
