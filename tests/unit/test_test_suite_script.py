"""scripts/test-suite (what `make test` and CI run) stops at the first failing check: a
lint failure must fail the suite, not scroll past above a green pytest."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _tools(bin_dir: Path, failing: str, called: Path) -> None:
    """Stand-ins for ruff, mypy and pytest that note each call; `failing` (e.g. "ruff check")
    exits 1."""
    for tool in ("ruff", "mypy", "pytest"):
        script = bin_dir / tool
        script.write_text(
            f'#!/bin/sh\necho "{tool} $*" >> "{called}"\ncase "{tool} $*" in "{failing}"*) exit 1 ;; esac\nexit 0\n'
        )
        script.chmod(0o755)


def run_suite(tmp_path: Path, failing: str) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    called = tmp_path / "called"
    _tools(bin_dir, failing, called)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "COURSEWARE_TEST_WORKERS": "0"}
    done = subprocess.run([str(REPO / "scripts" / "test-suite")], env=env, capture_output=True, text=True, check=False)
    lines = called.read_text().splitlines() if called.exists() else []
    return done.returncode, lines


def test_a_lint_failure_fails_the_suite_before_any_test(tmp_path: Path) -> None:
    code, called = run_suite(tmp_path, "ruff check")
    assert code != 0
    assert called == ["ruff check ."], called


def test_a_format_failure_fails_the_suite_too(tmp_path: Path) -> None:
    code, called = run_suite(tmp_path, "ruff format")
    assert code != 0
    assert called == ["ruff check .", "ruff format --check ."], called


def test_every_check_runs_when_all_pass(tmp_path: Path) -> None:
    code, called = run_suite(tmp_path, "nothing")
    assert code == 0
    assert [line.split()[0] for line in called] == ["ruff", "ruff", "mypy", "pytest"], called
