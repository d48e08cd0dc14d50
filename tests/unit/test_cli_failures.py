"""`courseware plan-summary` and `courseware drift` when what they read failed (issue 14, item 8)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from click.testing import CliRunner

from provider import cli

URN = "urn:pulumi:s::courseware::courseware:catalog:SourceCourse$pulumi-python:dynamic/edx:CourseRun::K"
STACK_URN = "urn:pulumi:s::courseware::pulumi:pulumi:Stack::courseware-s"
DELETE = {"op": "delete", "urn": URN, "oldState": {"custom": True, "outputs": {"title": "T"}}}


def test_a_failed_preview_is_not_summarised_as_a_plan() -> None:
    digest = {
        "steps": [DELETE],
        "diagnostics": [
            {"urn": STACK_URN, "severity": "error", "message": "update failed"},
            {"urn": URN, "severity": "error", "message": "read K: GET … answered 500\nNext step: …"},
        ],
    }
    result = CliRunner().invoke(cli.main, ["plan-summary"], input=json.dumps(digest))
    assert result.exit_code == 1
    assert "to delete" not in result.stdout and "The preview failed" in result.stdout
    # The resource's own error first, named by its type and name.
    assert "the preview failed (2 error(s))" in result.stderr
    assert "pulumi-python:dynamic/edx:CourseRun K: read K: GET … answered 500" in result.stderr


def test_a_preview_with_warnings_only_is_summarised() -> None:
    digest = {"steps": [DELETE], "diagnostics": [{"urn": URN, "severity": "warning", "message": "careful"}]}
    result = CliRunner().invoke(cli.main, ["plan-summary"], input=json.dumps(digest))
    assert result.exit_code == 0 and "1 to delete" in result.stdout


def refresh_failing(monkeypatch: pytest.MonkeyPatch, events: list[dict[str, Any]], code: int = 255) -> None:
    stdout = "\n".join(json.dumps(e) for e in events)

    def run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, code, stdout, "error: update failed")

    monkeypatch.setattr(cli.subprocess, "run", run)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_drift_check_writes_one_line_to_stdout(monkeypatch: pytest.MonkeyPatch, as_json: bool) -> None:
    events = [{"diagnosticEvent": {"urn": URN, "severity": "error", "message": "read K: answered 500\nNext step: x"}}]
    refresh_failing(monkeypatch, events)
    result = CliRunner().invoke(cli.main, ["drift", *(["--json"] if as_json else [])])
    assert result.exit_code == 1
    line = json.loads(result.stdout)["error"] if as_json else result.stdout.strip()
    failed = "Drift check failed: `pulumi refresh` exited 255"
    assert line == f"{failed}: pulumi-python:dynamic/edx:CourseRun K: read K: answered 500"
    assert "Next step: x" in result.stderr


def test_a_drift_check_with_no_output_still_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    refresh_failing(monkeypatch, [])
    result = CliRunner().invoke(cli.main, ["drift"])
    assert result.exit_code == 1
    assert result.stdout.strip() == "Drift check failed: `pulumi refresh` exited 255: error: update failed"
