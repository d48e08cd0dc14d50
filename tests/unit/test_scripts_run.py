"""scripts/run on a shared backend (docs/team.md): a password never rides in the backend
URL, and the sandbox passphrase never encrypts a team's secrets.

Each run sets COURSEWARE_WITHOUT_CLI: what these tests prove happens after the toolchain
step, and without it a clone whose Pulumi CLI is not built yet would build it here, several
minutes inside the fast loop (`make check`). The e2e tests run every `pulumi` through
scripts/run with the CLI, under `make test`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASS"))}
    return subprocess.run(
        [str(REPO / "scripts" / "run"), *argv],
        env={**base, "COURSEWARE_WITHOUT_CLI": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_password_in_the_backend_url_is_refused_without_echoing_it() -> None:
    done = _run({"PULUMI_BACKEND_URL": "postgres://courseware_apply:s3cret-pw@db:5432/courseware"}, "true")
    assert done.returncode == 2
    assert "PGPASSWORD" in done.stderr and "s3cret-pw" not in done.stderr + done.stdout


def test_a_shared_backend_gets_no_passphrase_and_refuses_the_sandbox_one() -> None:
    url = {"PULUMI_BACKEND_URL": "postgres://courseware_apply@db:5432/courseware"}
    unset = _run(url, "sh", "-c", 'echo "${PULUMI_CONFIG_PASSPHRASE-unset}"')
    assert unset.returncode == 0 and unset.stdout.strip() == "unset", unset.stderr
    refused = _run({**url, "PULUMI_CONFIG_PASSPHRASE": "courseware-local"}, "true")
    assert refused.returncode == 2 and "team's own PULUMI_CONFIG_PASSPHRASE" in refused.stderr


def test_the_local_backend_keeps_the_sandbox_passphrase() -> None:
    done = _run({}, "sh", "-c", 'echo "$PULUMI_BACKEND_URL $PULUMI_CONFIG_PASSPHRASE"')
    assert done.returncode == 0 and done.stdout.split() == [f"file://{REPO}/.state/backend", "courseware-local"]


def test_without_the_cli_nothing_is_built_or_put_on_path(tmp_path: Path) -> None:
    # An empty cache and no `pulumi` on PATH: a fresh machine, where the toolchain step
    # would start a build of several minutes.
    path = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "pulumi").exists()]
    env = {"COURSEWARE_CACHE": str(tmp_path / "cache"), "PATH": os.pathsep.join(path)}
    done = _run(env, "sh", "-c", "command -v pulumi || echo none")
    assert done.returncode == 0 and done.stdout.strip() == "none", done.stderr
    assert not (tmp_path / "cache").exists()
