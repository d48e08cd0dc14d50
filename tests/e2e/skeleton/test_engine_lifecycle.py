"""The walking skeleton: the real CLI runs a dynamic resource (the benchmark's no-I/O one)
through preview, up, refresh, an empty preview and destroy (issue 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.harness import REPO, PulumiProject, change_summary

PROGRAM = Path(__file__).parent / "program"
BASELINE = REPO / "bench" / "baseline_program" / "baseline.py"
TOKEN = "pulumi-python:dynamic/courseware:Baseline"


def skeleton_project(root: Path) -> PulumiProject:
    """A project running the skeleton program, with the benchmark's no-I/O resource
    beside it, where the program and the dynamic-provider process both import it."""
    project = PulumiProject(root, PROGRAM)
    shutil.copy(BASELINE, project.root / "program" / BASELINE.name)
    return project


def test_cli_reports_the_pinned_version(tmp_path: Path) -> None:
    project = skeleton_project(tmp_path)
    pin = (Path(__file__).parents[3] / "toolchain" / "pulumi-version").read_text().strip()
    assert project.run("version").stdout.strip() == f"v{pin}"


def test_lifecycle_through_the_real_engine(tmp_path: Path) -> None:
    project = skeleton_project(tmp_path)
    project.set_config("value", "first")

    preview = project.run("preview", "--json")
    assert change_summary(preview) == {"create": 2}  # the stack and the resource

    up = project.up()
    assert "+ 2 created" in up.stdout
    [resource] = project.resources(TOKEN)
    assert resource["outputs"]["value"] == "first"
    assert project.outputs() == {"value": "first"}

    # Nothing changed: the empty-diff gate passes, and a refresh finds no drift.
    project.preview("--expect-no-changes")
    refresh = project.run("refresh", "--preview-only", "--expect-no-changes", "--json")
    assert change_summary(refresh).get("update", 0) == 0

    # A changed declaration is an in-place update, and the gate now fails with exit 7.
    project.set_config("value", "second")
    gated = project.preview("--expect-no-changes", expect=7)
    assert "~ 1 to update" in gated.stdout
    assert change_summary(project.run("preview", "--json")) == {"same": 1, "update": 1}
    project.up()
    assert project.outputs() == {"value": "second"}

    destroy = project.destroy()
    assert "- 2 deleted" in destroy.stdout
    assert project.resources(TOKEN) == []


def test_config_values_that_look_like_flags_stay_values(tmp_path: Path) -> None:
    # Generated secrets (token_urlsafe) can start with `-`; the harness must not pass them as flags.
    project = skeleton_project(tmp_path)
    project.set_config("edxClientSecret", "-looks-like-a-flag", secret=True)
    shown = project.run("config", "get", "courseware:edxClientSecret")
    assert shown.stdout.strip() == "-looks-like-a-flag"
