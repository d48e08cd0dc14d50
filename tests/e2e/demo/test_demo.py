"""The README's demo command on a fresh state directory (issue 6).

The demo runs in a copy of the project, so its `.state/` (sandbox, backend) is new, and
with the environment `scripts/run` would give it (the bootstrap itself is proven by CI,
which runs `make test` from a clean clone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import PASSPHRASE, REPO, toolchain_bin

IGNORED = shutil.ignore_patterns(".git", ".venv", ".state", "__pycache__", "*.egg-info", ".*_cache")


def test_demo_applies_the_sandbox_stack_from_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(REPO, copy, ignore=IGNORED)
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{toolchain_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_HOME": str(copy / ".state" / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{copy / '.state' / 'backend'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    (copy / ".state" / "backend").mkdir(parents=True)
    try:
        done = subprocess.run(
            [str(copy / "scripts" / "demo")], cwd=copy, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        out = done.stdout
        assert "+ 20 created" in out
        assert "contract run course-v1:UAI_UCODE+A.0001x+1T" in out
        assert out.count("15 enrollment codes") == 2
        assert "courseware-sandbox log --state-dir .state/sandbox" in out
        # Secrets stay secret in what the demo prints.
        assert "sandbox-edx-client-secret" not in out + done.stderr
    finally:
        subprocess.run(
            [str(venv_bin / "courseware-sandbox"), "stop", "--state-dir", str(copy / ".state" / "sandbox")],
            capture_output=True,
            timeout=120,
        )
