"""A PostgreSQL of a test's own, started and stopped through `sandbox/postgres.py` (the
code behind `scripts/postgres`), for the tests of it and the team-state tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def postgres_cli(*args: str) -> dict[str, Any]:
    """`scripts/postgres ARGS`, which must succeed: its JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.postgres", *args], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    info: dict[str, Any] = json.loads(done.stdout)
    return info


@contextmanager
def postgres_directory() -> Iterator[Path]:
    """A fresh directory for one PostgreSQL, stopped and removed afterwards. In the
    system's temporary directory and open to others: run as root, the server runs as
    `postgres`, which can enter neither pytest's private /tmp/pytest-of-root nor a clone
    under /root."""
    parent = Path(tempfile.mkdtemp(prefix="courseware-postgres-"))
    parent.chmod(0o755)
    directory = parent / "postgres"
    try:
        yield directory
    finally:
        if directory.exists():
            postgres_cli("stop", "--dir", str(directory))
        shutil.rmtree(parent, ignore_errors=True)
