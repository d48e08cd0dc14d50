"""A state written by the code before the resources' fields were derived from their
declared models upgrades with an empty preview (issue 19), but for the stack's destroy
guard, which the first `up` adds without a platform call (issue 28).

The state holds each provider pickled by module path and class name, and each resource's
properties by name, so moving a provider class or renaming a property would strand every
existing stack. This test makes that state for real: it applies the shipped `sandbox`
stack with the provider package as it was at `OLD_CODE` (taken from git), then previews
and refreshes the same stack with today's package, which must find nothing to change.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

from tests.e2e.harness import REPO, PulumiProject
from tests.e2e.learner_data import writes_since
from tests.sandbox.helpers import Sandbox

# The last commit whose resource modules listed their fields four times (and whose
# program mapped catalog entries itself): docs/decisions.md §19.
OLD_CODE = "8b4027608013ddfb4e6176020a79b13b777ed179"


def _old_tree(into: Path) -> Path:
    """`provider/` and `stacks/` as they were at OLD_CODE."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", OLD_CODE, "provider", "stacks"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _imported_from(project: PulumiProject, env: dict[str, str]) -> Path:
    """Where `provider` is imported from in the project's folder, as the CLI's processes find it."""
    done = subprocess.run(
        [sys.executable, "-c", "import provider.program; print(provider.program.__file__)"],
        cwd=project.root,
        env={**project.env, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return Path(done.stdout.strip())


def test_a_state_written_by_the_old_code_upgrades_with_no_changes(tmp_path: Path, module_sandbox: Sandbox) -> None:
    old = _old_tree(tmp_path / "old")
    assert not (old / "provider" / "resource.py").exists(), "OLD_CODE must predate the derived declarations"
    project = PulumiProject(
        tmp_path / "project", old / "stacks", stack="sandbox", stack_file=old / "stacks" / "Pulumi.sandbox.yaml"
    )
    project.use_sandbox(module_sandbox.info)
    # PYTHONPATH reaches the program and the dynamic-provider process the CLI starts, and
    # comes before the editable install of today's package.
    old_code = {"PYTHONPATH": str(old)}
    assert _imported_from(project, old_code) == old / "provider" / "program.py"

    project.run("up", "--yes", "--skip-preview", env=old_code)
    written = project.export()["deployment"]["resources"]
    types = {r["type"] for r in written if r["type"].startswith("pulumi-python:dynamic/")}
    assert types == {
        "pulumi-python:dynamic/edx:CourseRun",
        "pulumi-python:dynamic/mitxonline:Course",
        "pulumi-python:dynamic/mitxonline:CourseRun",
        "pulumi-python:dynamic/mitxonline:CoursePage",
        "pulumi-python:dynamic/mitxonline:Organization",
        "pulumi-python:dynamic/mitxonline:Contract",
        "pulumi-python:dynamic/mitxonline:ContractCourseware",
        "pulumi-python:dynamic/mitxonline:EnrollmentCodes",
    }

    # Today's package: check and diff unpickle the old state's providers, and the program
    # registers the same URNs with the same properties.
    assert _imported_from(project, {}) != old / "provider" / "program.py"
    # The one change is the stack's destroy guard, which touches no platform (issue 28).
    commands = len([e for e in module_sandbox.log() if e["kind"] == "command"])
    plan = project.preview_json()
    changed = [(step["op"], step["urn"].rsplit("::", 1)[-1]) for step in plan["steps"] if step["op"] != "same"]
    assert changed == [("create", "destroy-guard")], plan["steps"]
    assert len([e for e in module_sandbox.log() if e["kind"] == "command"]) == commands
    start = len(module_sandbox.log())
    project.up()
    assert writes_since(module_sandbox, start) == []
    project.preview("--expect-no-changes")
    # Read unpickles them too, and finds the live objects as the old code left them.
    project.run("refresh", "--preview-only", "--expect-no-changes")
    urns = {r["urn"] for r in project.export()["deployment"]["resources"]}
    assert {urn for urn in urns if not urn.endswith("::destroy-guard")} == {r["urn"] for r in written}
