"""`scripts/postgres` (sandbox/postgres.py): a local PostgreSQL started like the sandbox,
in its own directory, on a free port, with the team roles of docs/team.md, stopped
cleanly, and started again on the same port with its data."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.postgres import PostgresError, server_bin_dir
from tests.sandbox.postgres_helpers import postgres_cli, postgres_directory


@pytest.fixture
def directory() -> Iterator[Path]:
    with postgres_directory() as path:
        yield path


def _psql(info: dict[str, Any], role: str, sql: str) -> subprocess.CompletedProcess[str]:
    argv = [str(server_bin_dir() / "psql"), "--no-psqlrc", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
    env = {
        **os.environ,
        "PGHOST": info["host"],
        "PGPORT": str(info["port"]),
        "PGDATABASE": info["database"],
        "PGUSER": role,
        "PGPASSFILE": info["pgpassfile"],
    }
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


def test_start_stop_and_start_again_with_the_team_roles(directory: Path) -> None:
    info = postgres_cli("start", "--dir", str(directory))
    assert info["backend_url"] == f"postgres://courseware_apply@127.0.0.1:{info['port']}/courseware?sslmode=disable"
    assert stat.S_IMODE(Path(info["pgpassfile"]).stat().st_mode) == 0o600
    # Logins over TCP take the passwords from pgpass; the roles are what docs/team.md says.
    assert _psql(info, "courseware_apply", "CREATE TABLE pulumi_state (key text)").returncode == 0
    assert _psql(info, "courseware_preview", "SELECT count(*) FROM pulumi_state").stdout.strip() == "0"
    denied = _psql(info, "courseware_preview", "INSERT INTO pulumi_state VALUES ('x')")
    assert denied.returncode != 0 and "permission denied" in denied.stderr
    assert postgres_cli("start", "--dir", str(directory)) == info  # running: starts nothing

    assert postgres_cli("stop", "--dir", str(directory)) == {"stopped": True}
    assert postgres_cli("status", "--dir", str(directory))["running"] is False
    again = postgres_cli("start", "--dir", str(directory))
    assert again["port"] == info["port"]
    assert _psql(again, "courseware_apply", "SELECT count(*) FROM pulumi_state").stdout.strip() == "0"


def test_the_server_programs_are_found_under_debians_versioned_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for version in ("9", "15", "13"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "pg_ctl").touch()
    assert server_bin_dir(tmp_path) == tmp_path / "15" / "bin"


def test_missing_server_programs_say_how_to_install_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PostgresError, match=r"apt-get install -y postgresql"):
        server_bin_dir(tmp_path)
