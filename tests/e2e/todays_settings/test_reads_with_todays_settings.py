"""Drift and reads tell the platform's truth with today's settings (issue 25).

A refresh without `--run-program` reads with the provider settings the last `up` saved
in state: a rotated API key or a moved URL went unnoticed, and drift said "No drift".
`courseware drift` and the documented refresh commands run the program, so they read
with the stack file's settings of today; a rejected key or an unreachable URL fails and
names the `courseware:` key to fix."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import courseware
from tests.sandbox.helpers import Sandbox


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory, module_sandbox: Sandbox) -> PulumiProject:
    """The UAI source course, applied once: its refresh reads edX and MITx Online's REST."""
    project = PulumiProject(
        tmp_path_factory.mktemp("todays-settings"),
        STACKS,
        stack="uai-source",
        stack_file=STACKS / "Pulumi.uai-source.yaml",
    )
    project.use_sandbox(module_sandbox.info)
    project.up()
    return project


@pytest.fixture
def project(applied: PulumiProject, module_sandbox: Sandbox) -> Iterator[PulumiProject]:
    """The applied stack; its settings point at the sandbox again after the test."""
    yield applied
    applied.use_sandbox(module_sandbox.info)


def closed_port_url() -> str:
    """A URL where nothing listens: a port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def with_mitxonline(project: PulumiProject, **changes: Any) -> None:
    project.set_config("mitxonline", {**project.config_value("mitxonline"), **changes})


def with_edx(project: PulumiProject, **changes: Any) -> None:
    project.set_config("edx", {**project.config_value("edx"), **changes})


def test_drift_in_sync_reads_with_the_stack_file(project: PulumiProject) -> None:
    in_sync = courseware(project, "drift", "--stack", "uai-source")
    assert in_sync.exit_code == 0, in_sync
    assert "No drift" in in_sync.stdout


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda p: p.set_config("mitxonlineApiKey", "rotated-key", secret=True), "`courseware:mitxonlineApiKey`"),
        (lambda p: with_mitxonline(p, url=closed_port_url()), "`courseware:mitxonline` url"),
        (lambda p: p.set_config("edxClientSecret", "rotated-secret", secret=True), "`courseware:edxClientSecret`"),
        (lambda p: with_edx(p, lmsUrl=closed_port_url()), "`courseware:edx` lmsUrl"),
    ],
    ids=["rotated-api-key", "moved-mitxonline-url", "rotated-edx-secret", "moved-lms-url"],
)
def test_a_wrong_setting_fails_drift_and_names_its_key(project: PulumiProject, change: Any, named: str) -> None:
    change(project)
    failed = courseware(project, "drift", "--stack", "uai-source")
    assert failed.exit_code == 1, failed
    # The one line CI keeps (stdout) says which key to fix.
    assert failed.stdout.startswith("Drift check failed:"), failed
    assert named in failed.stdout, failed
    assert "No drift" not in failed.stdout

    # The documented refresh commands read with the same settings, and say the same.
    for argv in (("refresh", "--preview-only", "--run-program"), ("preview", "--refresh", "--run-program")):
        refreshed = project.run(*argv, expect=None)
        assert refreshed.exit_code != 0, refreshed
        assert named in refreshed.stdout + refreshed.stderr, refreshed


def test_without_run_program_a_refresh_uses_the_states_settings(project: PulumiProject) -> None:
    """Why the flag is needed (docs/decisions.md): the engine's own refresh reads with
    the settings saved by the last `up`, and misses the rotated key."""
    project.set_config("mitxonlineApiKey", "rotated-key", secret=True)
    stale = project.run("refresh", "--preview-only", expect=None)
    assert stale.exit_code == 0, stale
    assert "mitxonlineApiKey" not in stale.stdout + stale.stderr
