"""A code contract with two courses through the real CLI against the sandbox (issue 5):
a second `up` changes nothing and runs no command; 15 -> 20 seats previews as an in-place
update and tops the codes up; dropping a course runs `b2b_courseware remove`; a change
made behind Pulumi's back shows up in a refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import source_course
from tests.sandbox.helpers import Sandbox

CONTRACT = "pulumi-python:dynamic/mitxonline:Contract"
CODES = "pulumi-python:dynamic/mitxonline:EnrollmentCodes"


class Declared:
    """A catalog with one organization and one code contract over two source courses."""

    def __init__(self) -> None:
        self.org_key = Sandbox.unique("E2E").upper()
        self.numbers = [Sandbox.unique("A"), Sandbox.unique("B")]
        self.courses = [f"course-v1:UAI_SOURCE+{n}" for n in self.numbers]
        self.label = f"{self.org_key}/{self.org_key} Contract"

    def catalog(self, seats: int = 15, courses: list[str] | None = None) -> dict[str, Any]:
        return {
            "source_courses": [source_course(n) for n in self.numbers],
            "organizations": [{"org_key": self.org_key, "name": f"{self.org_key} University"}],
            "contracts": [
                {
                    "organization": self.org_key,
                    "name": f"{self.org_key} Contract",
                    "membership_type": "code",
                    "max_learners": seats,
                    "courses": self.courses if courses is None else courses,
                }
            ],
        }


def commands_since(sandbox: Sandbox, start: int) -> list[str]:
    two_words = ("b2b_contract", "b2b_courseware", "b2b_codes", "b2b_list")
    argvs = [e["argv"] for e in sandbox.log()[start:] if e["kind"] == "command"]
    return [f"{a[0]} {a[1]}" if a[0] in two_words else a[0] for a in argvs]


def step_ops(digest: dict[str, Any], token: str) -> list[str]:
    """The operations of the preview's steps on resources of type `token`."""
    # A URN is urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>.
    return [step["op"] for step in digest.get("steps", []) if step["urn"].split("::")[2].split("$")[-1] == token]


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def test_contract_lifecycle(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = Declared()
    project.set_config("catalog", declared.catalog())
    project.up()
    contract = project.outputs()[f"contract:{declared.label}"]
    assert len(contract["run_keys"]) == 2 and contract["code_count"] == 30
    # Each resource's state keeps one frame of the stack that registered it: the line of
    # this project its source position names (provider/sdk_tuning.py, item 4).
    ours = [r for r in project.export()["deployment"]["resources"] if r["type"].startswith("pulumi-python:dynamic/")]
    assert ours
    for resource in ours:
        frames = [frame.get("sourcePosition") for frame in resource["stackTrace"]]
        assert frames == [resource["sourcePosition"]] and "/provider/" in frames[0], resource

    # A second up changes nothing and costs no command.
    start = len(sandbox.log())
    project.preview("--expect-no-changes")
    project.up()
    assert commands_since(sandbox, start) == []

    # 15 -> 20 seats: an in-place update of the contract and of its codes, nothing replaced.
    project.set_config("catalog", declared.catalog(seats=20))
    digest = project.preview_json()
    assert step_ops(digest, CONTRACT) == ["update"]
    assert step_ops(digest, CODES) == ["update"]
    start = len(sandbox.log())
    project.up()
    ran = commands_since(sandbox, start)
    assert ran.count("b2b_contract modify") == 1 and ran.count("b2b_codes validate") == 1
    assert project.outputs()[f"contract:{declared.label}"]["code_count"] == 40

    # Dropping a course removes it with one `b2b_courseware remove`.
    project.set_config("catalog", declared.catalog(seats=20, courses=declared.courses[:1]))
    start = len(sandbox.log())
    project.up()
    assert commands_since(sandbox, start).count("b2b_courseware remove") == 1
    contract = project.outputs()[f"contract:{declared.label}"]
    assert len(contract["run_keys"]) == 1 and contract["code_count"] == 20

    # No drift, read with two commands for the whole refresh: one `shell` prints both
    # `b2b_list` tables, one runs `b2b_codes output --all` (docs/decisions.md).
    start = len(sandbox.log())
    project.run("refresh", "--preview-only", "--expect-no-changes")
    assert sorted(commands_since(sandbox, start)) == ["shell", "shell"]  # the listings, the codes

    # Drift made by hand shows in a refresh preview.
    sandbox.cli("manage", "b2b_contract", "modify", str(contract["contract_id"]), "--max-learners", "9")
    drift = project.run("refresh", "--preview-only", "--expect-no-changes", expect=None)
    assert drift.exit_code == 7, str(drift)  # --expect-no-changes found changes (docs/platforms/mitxonline.md §13)
    assert "max_learners" in drift.stdout
