"""The README's demo command (issues 6 and 16): from nothing, run twice, and on busy ports.

The demo runs in a copy of the project, so its `.state/` (sandbox, backend) is new, and
with the environment `scripts/run` would give it (the bootstrap itself is proven by CI,
which runs `make test` from a clean clone). It runs on ports the test chooses, never the
demo's default 18600-18602, which a developer's own `make demo` may hold.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.harness import PASSPHRASE, REPO, toolchain_bin
from tests.sandbox.helpers import free_port_base, run_cli, start_sandbox

IGNORED = shutil.ignore_patterns(".git", ".venv", ".state", "__pycache__", "*.egg-info", ".*_cache")
DEMO_TIMEOUT = 900


class Demo:
    """A copy of the project and the environment `scripts/run` gives `scripts/demo`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(REPO, root, ignore=IGNORED)
        self.venv_bin = Path(sys.executable).parent
        self.env = {
            **os.environ,
            "PATH": f"{self.venv_bin}{os.pathsep}{toolchain_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_HOME": str(root / ".state" / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{root / '.state' / 'backend'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
        (root / ".state" / "backend").mkdir(parents=True)
        self.port_base: str | None = None
        # A clone: the demo must leave it clean (issue 24).
        git = ["git", "-c", "user.name=demo", "-c", "user.email=demo@example.edu"]
        for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
            subprocess.run([*git, *argv], cwd=root, check=True, capture_output=True)

    @property
    def state_dir(self) -> Path:
        """The sandbox of the last run: `.state/sandbox`, or `.state/sandbox-N` on port base N."""
        return self.root / ".state" / ("sandbox" if self.port_base in (None, "18600") else f"sandbox-{self.port_base}")

    def changed_files(self) -> str:
        return subprocess.run(
            ["git", "status", "--porcelain"], cwd=self.root, capture_output=True, text=True, check=True
        ).stdout

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        if "--port-base" in args:
            self.port_base = args[args.index("--port-base") + 1]
        return subprocess.run(
            [str(self.root / "scripts" / "demo"), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )

    def sandbox_pid(self) -> int | None:
        pid: int | None = json.loads(run_cli("status", "--state-dir", str(self.state_dir)).stdout)["pid"]
        return pid

    def stop(self) -> None:
        run_cli("stop", "--state-dir", str(self.state_dir), check=False)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    copy = Demo(tmp_path / "project")
    try:
        yield copy
    finally:
        copy.stop()


def resources_section(stdout: str) -> str:
    """The `Resources:` block of `pulumi up`: what it created, changed or left alone."""
    match = re.search(r"^Resources:\n((?:    .*\n)+)", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def test_demo_applies_the_sandbox_stack_from_nothing_and_a_second_run_reuses_its_sandbox(demo: Demo) -> None:
    base = free_port_base()
    first = demo.run("--port-base", str(base))
    assert first.returncode == 0, f"{first.stdout}\n{first.stderr}"
    out = first.stdout
    # As the CLI counts them: the stack, its components, its platform resources and its
    # destroy guard (provider/destroy_guard.py).
    assert "+ 21 created" in out
    assert "contract run course-v1:UAI_UCODE+A.0001x+1T" in out
    assert out.count("15 enrollment codes") == 2
    assert "course-v1:UAI_SOURCE+A.0001x+SOURCE (MITx Online run: is_source_run true)" in out
    assert f"courseware-sandbox log --state-dir .state/sandbox-{base}" in out
    assert f"courseware drift --stack sandbox-{base}" in out
    assert f"curl http://127.0.0.1:{base + 1}/api/v1/course_runs/" in out
    # Secrets stay secret in what the demo prints.
    assert "sandbox-edx-client-secret" not in out + first.stderr
    # The stack on the chosen ports is a file of its own, which git ignores: the clone
    # stays clean, and the tracked stack file keeps the demo's ports (issue 24).
    assert demo.changed_files() == ""
    tracked = (demo.root / "stacks" / "Pulumi.sandbox.yaml").read_text()
    assert tracked == (REPO / "stacks" / "Pulumi.sandbox.yaml").read_text()
    stack_file = (demo.root / "stacks" / f"Pulumi.sandbox-{base}.yaml").read_text()
    config = yaml.safe_load(stack_file)["config"]
    assert config["courseware:edx"]["lmsUrl"] == f"http://127.0.0.1:{base}"
    assert config["courseware:edx"]["studioUrl"] == f"http://127.0.0.1:{base + 1}"
    assert config["courseware:mitxonline"]["url"] == f"http://127.0.0.1:{base + 2}"
    assert config["courseware:mitxonline"]["manageCommand"][-1] == f"../.state/sandbox-{base}"
    assert stack_file.startswith("# The `sandbox` stack")
    pid = demo.sandbox_pid()
    assert pid is not None

    # `make demo` again: the same sandbox answers, and the apply finds nothing to do.
    second = demo.run("--port-base", str(base))
    assert second.returncode == 0, f"{second.stdout}\n{second.stderr}"
    assert demo.sandbox_pid() == pid
    section = resources_section(second.stdout)
    assert re.fullmatch(r"    \d+ unchanged\n", section), section

    # Stopped in between, the next run starts it again on the same ports and state.
    demo.stop()
    third = demo.run("--port-base", str(base))
    assert third.returncode == 0, f"{third.stdout}\n{third.stderr}"
    assert demo.sandbox_pid() not in (None, pid)
    assert re.fullmatch(r"    \d+ unchanged\n", resources_section(third.stdout))
    assert demo.changed_files() == ""


def test_demo_on_ports_another_sandbox_holds_fails_in_one_line(demo: Demo, tmp_path: Path) -> None:
    base = free_port_base()
    other = start_sandbox(tmp_path / "someone-elses-demo", "--port-base", str(base))
    try:
        refused = demo.run("--port-base", str(base))
    finally:
        other.cli("stop")
    assert refused.returncode == 1, f"{refused.stdout}\n{refused.stderr}"
    [line] = refused.stderr.splitlines()
    held = other.state_dir.resolve()
    assert line.startswith(
        f"Error: ports {base}-{base + 2} are not free: {base}, {base + 1}, {base + 2} held by the sandbox of "
        f"{held} (stop it with `courseware-sandbox stop --state-dir {held}`); or choose other ports with --port-base "
    ), line
    offered = line.split("--port-base ")[1].split()[0]
    assert line.endswith(f" (free now); with make: `make demo PORT_BASE={offered}`"), line
    # Nothing went further: no login, no stack, no sandbox of the demo's own.
    assert "pulumi up" not in refused.stdout
    assert demo.sandbox_pid() is None


def test_demo_refuses_a_port_base_that_is_not_a_number(demo: Demo) -> None:
    refused = demo.run("--port-base", "next")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "scripts/demo: --port-base must be a number, e.g. --port-base 18700 (got 'next')"
    ]


@pytest.mark.parametrize(
    ("assignment", "command"),
    [
        ((), "scripts/run scripts/demo"),
        (("PORT_BASE=18700",), "scripts/run scripts/demo --port-base 18700"),
    ],
)
def test_make_demo_passes_the_readme_port_base_to_the_demo(assignment: tuple[str, ...], command: str) -> None:
    # `make -n` prints what `make demo PORT_BASE=N` (README.md) would run, without running it.
    # Under `make test` this is a make inside a make: without the outer make's variables it
    # prints no "Entering directory" lines and takes no flags of the outer one.
    outer = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    env = {name: value for name, value in os.environ.items() if name not in outer}
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo", *assignment],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert planned.stdout.split() == command.split()
