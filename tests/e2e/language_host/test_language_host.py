"""The project's Python language host (toolchain/language-host) as the CLI uses it:
`pulumi about` reports it with the pinned version and the project's interpreter, a
policy-pack preview runs the pack through it, and runtime options it does not handle are
refused by name instead of being silently ignored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.e2e.harness import REPO, toolchain_bin
from tests.e2e.skeleton.test_engine_lifecycle import skeleton_project

PIN = (REPO / "toolchain" / "pulumi-version").read_text().strip()


def test_the_host_is_stamped_with_the_pinned_version() -> None:
    done = subprocess.run(
        [str(toolchain_bin() / "pulumi-language-python"), "-version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"v{PIN}"


def test_pulumi_about_reports_the_host_and_the_projects_interpreter(tmp_path: Path) -> None:
    project = skeleton_project(tmp_path)
    about = project.run("about")
    language = [line.split() for line in about.stdout.splitlines() if line.split()[:2] == ["language", "python"]]
    assert language == [["language", "python", PIN]], about
    # The host resolved the interpreter the project runs with (PULUMI_PYTHON_CMD) and
    # listed its packages.
    assert "courseware-as-code" in about.stdout and "pulumi" in about.stdout, about


def test_the_runtime_in_update_metadata_is_the_projects_interpreter(tmp_path: Path) -> None:
    # The engine asks the host's About for every preview, update and refresh; the host
    # answers from one interpreter start (no `pip --version`), and the answer must still
    # be the interpreter the project runs with and its version.
    project = skeleton_project(tmp_path)
    runtime = json.loads(project.run("about", "--json").stdout)["runtime"]
    interpreter = project.env["PULUMI_PYTHON_CMD"]
    executable, version = subprocess.run(
        [interpreter, "-c", "import platform, sys; print(sys.executable); print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert runtime == {"language": "python", "executable": executable, "version": version}, runtime


def test_a_policy_pack_preview_runs_the_pack_through_the_host(tmp_path: Path) -> None:
    project = skeleton_project(tmp_path)
    project.set_config("value", "policy")
    pack = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())
    preview = project.preview("--policy-pack", str(REPO / "policies"))
    # The CLI names each pack it ran, with its version, under "Policies".
    assert "Policies:" in preview.stdout and f"v{pack['version']}" in preview.stdout, preview


def test_runtime_options_the_host_does_not_handle_are_refused(tmp_path: Path) -> None:
    project = skeleton_project(tmp_path)
    project.set_config("value", "refused")
    (tmp_path / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "courseware",
                "runtime": {"name": "python", "options": {"toolchain": "uv", "typechecker": "mypy"}},
                "main": "program/",
            }
        )
    )
    refused = project.preview(expect=None)
    assert refused.exit_code != 0, refused
    output = refused.stdout + refused.stderr
    assert "'toolchain', 'typechecker'" in output and "handles only 'virtualenv'" in output, refused
    assert "Traceback" not in output
