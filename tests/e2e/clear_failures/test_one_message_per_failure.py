"""A platform failure reads as one message per failing resource, never a Python traceback,
through the real CLI against the sandbox (issue 14, item 8).

- A Studio 500 and a failed management command: the CLI's diagnostics show, for each
  failing resource, one error naming the step and the platform's answer, and the next
  step to take.
- `courseware drift` whose refresh fails writes one clear failure line to stdout (what
  the CI recipe keeps as drift.md), the details to stderr, and exits 1.
- `courseware plan-summary` given a failed preview exits 1 instead of summarising the
  part of the plan the preview reached.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject, Result
from tests.faults.conftest import contract, source_course
from tests.sandbox.helpers import Sandbox

SOURCE = "course-v1:UAI_SOURCE+CF.0001x+SOURCE"
COURSE = "course-v1:UAI_SOURCE+CF.0001x"
ORG = "CLEAR"


def diagnostics(result: Result) -> dict[str, list[str]]:
    """The CLI's `Diagnostics:` section: each resource's header line -> its lines."""
    blocks: dict[str, list[str]] = {}
    header = None
    inside = False
    for line in result.stdout.splitlines():
        if line == "Diagnostics:":
            inside = True
        elif inside and line and not line.startswith(" "):
            break
        elif inside and line.startswith("  ") and not line.startswith("    "):
            header = line.strip()
            blocks[header] = []
        elif inside and header is not None and line.strip():
            blocks[header].append(line.strip())
    return blocks


def failing(result: Result, resource_type: str) -> dict[str, list[str]]:
    """The diagnostics blocks of failing resources of one type."""
    return {
        header: lines
        for header, lines in diagnostics(result).items()
        if header.startswith(f"pulumi-python:dynamic/{resource_type} ") and any(x.startswith("error:") for x in lines)
    }


def courseware(project: PulumiProject, *args: str, stdin: str | None = None) -> Result:
    argv = ["courseware", *args]
    done = subprocess.run(
        argv, cwd=project.root, env=project.env, capture_output=True, text=True, input=stdin, timeout=600
    )
    return Result(argv, done.returncode, done.stdout, done.stderr)


def test_failures_read_as_one_message_each(tmp_path: Path, module_sandbox: Sandbox) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="clear")
    project.use_sandbox(module_sandbox.info)
    project.set_config(
        "catalog",
        {
            "source_courses": [source_course(SOURCE)],
            "organizations": [{"org_key": ORG, "name": "Clear Failures"}],
            "contracts": [contract(ORG, f"Clear {n}", [COURSE], protect=False) for n in range(3)],
        },
    )

    # Studio answers 500 to every create.
    module_sandbox.fault(
        "--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/",
        "--status", "500", "--body", '{"detail": "Studio broke"}', "--times", "99",
    )  # fmt: skip
    failed = project.up(expect=None)
    assert failed.exit_code != 0, failed
    assert "Traceback" not in failed.stdout + failed.stderr, failed
    [(header, lines)] = failing(failed, "edx:CourseRun").items()
    assert SOURCE in header
    [error] = [line for line in lines if line.startswith("error:")]
    assert f"create {SOURCE}: POST" in error and "answered 500" in error and "Studio broke" in error, lines
    assert any(line.startswith("Next step: the platform failed on its side") for line in lines), lines
    module_sandbox.clear_faults()

    # Every contract import fails.
    module_sandbox.fault(
        "--command", "b2b_contract import", "--fail", "--times", "99", "--body", "CommandError: MITx Online is down"
    )
    failed = project.up(expect=None)
    assert failed.exit_code != 0, failed
    assert "Traceback" not in failed.stdout + failed.stderr, failed
    blocks = failing(failed, "mitxonline:Contract")
    assert blocks, failed
    for header, lines in blocks.items():
        [error] = [line for line in lines if line.startswith("error:")]
        assert "b2b_contract" in error and "exited 1" in error, (header, lines)
        assert any("MITx Online is down" in line for line in lines), (header, lines)
        assert any(line.startswith("Next step:") for line in lines), (header, lines)
    module_sandbox.clear_faults()
    project.up()


def test_a_failed_drift_check_or_preview_says_it_failed(tmp_path: Path, module_sandbox: Sandbox) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="clear")
    project.use_sandbox(module_sandbox.info)
    source = "course-v1:UAI_SOURCE+CF.0002x+SOURCE"
    project.set_config("catalog", {"source_courses": [{**source_course(source), "mitxonline": None}]})
    project.up()

    # A drift check whose reads fail: one line on stdout, the details on stderr.
    module_sandbox.fault(
        "--app", "studio", "--method", "GET", "--path", "/api/v1/course_runs/*",
        "--status", "500", "--body", '{"detail": "Studio reads broke"}', "--times", "999",
    )  # fmt: skip
    drift = courseware(project, "drift", "--stack", "clear")
    assert drift.exit_code == 1, drift
    [line] = drift.stdout.splitlines()
    assert line.startswith("Drift check failed: `pulumi refresh` exited"), drift
    assert "edx:CourseRun" in line and "answered 500" in line, drift
    assert "Traceback" not in drift.stdout + drift.stderr, drift
    assert "Studio reads broke" in drift.stderr, drift

    # A preview that failed halfway is not summarised as if it were the plan.
    preview = project.run("preview", "--refresh", "--json", expect=None)
    assert preview.exit_code != 0, preview
    summary = courseware(project, "plan-summary", stdin=preview.stdout)
    assert summary.exit_code == 1, summary
    assert "the preview failed" in summary.stderr and "answered 500" in summary.stderr, summary
    assert "to delete" not in summary.stdout and "to create" not in summary.stdout, summary
    module_sandbox.clear_faults()
