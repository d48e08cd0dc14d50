"""Programs and the programs of a contract through the real CLI (issue 26): create,
modify (title, requirements added, removed and reordered), drift made by hand, removal
of a program from a contract (runs kept or retired); each `up` followed by an empty
preview, and a second `up` that runs no command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import commands_since, courseware, source_course, writes_since
from tests.sandbox.helpers import Sandbox


class ProgramContract:
    """Three source courses, one program over them, a code contract selling it."""

    def __init__(self) -> None:
        self.org_key = Sandbox.unique("PG").upper()
        self.numbers = [Sandbox.unique(chr(ord("A") + i)) for i in range(4)]
        self.courses = [f"course-v1:UAI_SOURCE+{n}" for n in self.numbers]
        self.program = f"program-v1:UAI+{self.org_key}"
        self.name = f"{self.org_key} Contract"
        self.label = f"{self.org_key}/{self.name}"

    def catalog(
        self,
        *,
        title: str = "AI Foundations",
        b2b_only: bool = False,
        required: list[int] | None = None,
        elective: list[int] | None = None,
        contract: dict[str, Any] | None = None,
        programs: list[str] | None = None,
        courses: list[str] | None = None,
        declare_program: bool = True,
    ) -> dict[str, Any]:
        required = [0, 1] if required is None else required
        elective = [2] if elective is None else elective
        entry = {
            "organization": self.org_key,
            "name": self.name,
            "membership_type": "code",
            "max_learners": 2,
            "programs": [self.program] if programs is None else programs,
            "courses": courses or [],
            **(contract or {}),
        }
        catalog: dict[str, Any] = {
            "source_courses": [source_course(n) for n in self.numbers],
            "programs": [
                {
                    "readable_id": self.program,
                    "title": title,
                    "b2b_only": b2b_only,
                    "requirements": {
                        "required": [self.courses[i] for i in required],
                        "elective": [self.courses[i] for i in elective],
                    },
                }
            ],
            "organizations": [{"org_key": self.org_key, "name": f"{self.org_key} University"}],
            "contracts": [entry],
        }
        if not declare_program:
            del catalog["programs"]
        return catalog


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def test_the_shipped_program_stack_converges(tmp_path: Path, module_sandbox: Sandbox) -> None:
    """stacks/Pulumi.program-contract.yaml: one program, a code and a managed contract;
    its second `up` runs no command and the next preview is empty."""
    stack = "program-contract"
    project = PulumiProject(tmp_path, STACKS, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
    project.use_sandbox(module_sandbox.info)
    project.up()
    outputs = project.outputs()
    code = outputs["contract:UPROG/University of Programs Contract"]
    managed = outputs["contract:PROGU/Program University Contract"]
    assert len(code["run_keys"]) == 3 and code["code_count"] == 30
    assert all(key.startswith("course-v1:UAI_UPROG+A.010") for key in code["run_keys"])
    assert len(managed["run_keys"]) == 3 and "code_count" not in managed
    _settled(project, module_sandbox)


def _program(sandbox: Sandbox, readable_id: str) -> dict[str, Any]:
    """The program as `/api/v2/programs/` shows it, read apart from the provider."""
    import httpx

    body: dict[str, Any] = httpx.get(f"{sandbox.info['mitxonline_url']}/api/v2/programs/{readable_id}/").json()
    return body


def _courses(program: dict[str, Any], kind: str) -> list[str]:
    return [item["readable_id"] for item in program["requirements"]["courses"][kind]]


def _export(sandbox: Sandbox, contract_id: int) -> dict[str, Any]:
    done = sandbox.manage("b2b_contract", "export", str(contract_id))
    assert done.returncode == 0, done.stdout + done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _settled(project: PulumiProject, sandbox: Sandbox) -> None:
    """The next preview is empty and a second `up` runs no command."""
    project.preview("--expect-no-changes")
    start = len(sandbox.log())
    project.up()
    assert commands_since(sandbox, start) == []


def test_a_program_sold_to_a_contract_converges_and_follows_its_declaration(
    project: PulumiProject, sandbox: Sandbox
) -> None:
    declared = ProgramContract()
    project.set_config("catalog", declared.catalog())
    project.up()
    live = _program(sandbox, declared.program)
    assert live["title"] == "AI Foundations" and live["live"] is True
    assert _courses(live, "required") == declared.courses[:2]
    assert _courses(live, "electives") == declared.courses[2:3]
    contract = project.outputs()[f"contract:{declared.label}"]
    run_keys = contract["run_keys"]
    # One run per course of the program, keyed `UAI_` by the program path; codes for each.
    assert len(run_keys) == 3 and all(k.startswith(f"course-v1:UAI_{declared.org_key}+") for k in run_keys)
    assert contract["code_count"] == 6
    assert [p["readable_id"] for p in _export(sandbox, contract["contract_id"])["programs"]] == [declared.program]
    _settled(project, sandbox)

    # Title, a course added, one removed and the order changed: one program edit, and
    # the contract gets the run of the course the program gained.
    project.set_config("catalog", declared.catalog(title="AI Foundations II", required=[1, 3, 0], elective=[]))
    project.up()
    live = _program(sandbox, declared.program)
    assert live["title"] == "AI Foundations II"
    assert _courses(live, "required") == [declared.courses[1], declared.courses[3], declared.courses[0]]
    assert _courses(live, "electives") == []
    run_keys = project.outputs()[f"contract:{declared.label}"]["run_keys"]
    assert any(declared.numbers[3] in key for key in run_keys)
    _settled(project, sandbox)


def test_drift_made_by_hand_is_seen_and_undone(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = ProgramContract()
    project.set_config("catalog", declared.catalog())
    project.up()
    contract_id = project.outputs()[f"contract:{declared.label}"]["contract_id"]
    edits = [
        ("sandbox_program_admin", "set", declared.program, "--title", "Renamed by hand"),
        ("sandbox_program_admin", "set", declared.program, "--not-live"),
        ("sandbox_program_admin", "requirements", declared.program, "--required", declared.courses[1],
         "--required", declared.courses[0], "--elective", declared.courses[2]),
        ("sandbox_program_admin", "unlink", str(contract_id), declared.program),
    ]  # fmt: skip
    for edit in edits:
        done = sandbox.manage(*edit)
        assert done.returncode == 0, done.stdout + done.stderr
        drift = project.preview("--refresh", "--expect-no-changes", expect=None)
        assert drift.exit_code != 0, drift
        project.run("refresh", "--yes", "--run-program")
        project.up()
        _settled(project, sandbox)
    live = _program(sandbox, declared.program)
    assert live["title"] == "AI Foundations" and live["live"] is True
    assert _courses(live, "required") == declared.courses[:2]
    assert [p["readable_id"] for p in _export(sandbox, contract_id)["programs"]] == [declared.program]


@pytest.mark.parametrize("retire", [False, True])
def test_removing_a_program_from_a_contract_keeps_or_retires_its_runs(
    project: PulumiProject, sandbox: Sandbox, retire: bool
) -> None:
    declared = ProgramContract()
    project.set_config("catalog", declared.catalog())
    project.up()
    contract = project.outputs()[f"contract:{declared.label}"]
    runs = contract["run_keys"]

    # The contract keeps a course of its own, so it still has courseware.
    kept = declared.courses[3]
    project.set_config(
        "catalog", declared.catalog(programs=[], courses=[kept], contract={"remove_program_runs": retire})
    )
    preview = project.run("preview", "--json")
    summary = courseware(project, "plan-summary", stdin=preview.stdout)
    assert summary.exit_code == 0, summary
    if retire:
        for run in runs:
            assert f"(through program `{declared.program}`, remove_program_runs: true): contract run `{run}` is " in (
                summary.stdout
            ), summary.stdout
    else:
        assert f"unlinks program `{declared.program}`: its contract run(s) " in summary.stdout, summary.stdout
        assert "stay live and learners keep them" in summary.stdout
    project.up()
    assert _export(sandbox, contract["contract_id"])["programs"] == []
    live_runs = {
        run["courseware_id"]
        for course in declared.courses[:3]
        for run in httpx_course(sandbox, course)["courseruns"]
        if run["b2b_contract"] == contract["contract_id"] and run["live"]
    }
    assert live_runs == (set() if retire else set(runs))
    _settled(project, sandbox)

    # The program itself leaves the stack: no command deletes a program, so MITx Online
    # keeps it, and the stack forgets it.
    project.set_config(
        "catalog",
        declared.catalog(programs=[], courses=[kept], contract={"remove_program_runs": retire}, declare_program=False),
    )
    removed = project.up()
    assert f"MITx Online program {declared.program} is retained" in removed.stdout, removed
    assert project.resources("pulumi-python:dynamic/mitxonline:Program") == []
    assert _program(sandbox, declared.program)["title"] == "AI Foundations"
    _settled(project, sandbox)


def httpx_course(sandbox: Sandbox, course: str) -> dict[str, Any]:
    import httpx

    body = httpx.get(
        f"{sandbox.info['mitxonline_url']}/api/internal/courses/",
        params={"readable_id": course},
        headers={"Authorization": f"Api-Key {sandbox.info['mitxonline_api_key']}"},
    ).json()
    [found] = [item for item in body["results"] if item["readable_id"] == course]
    result: dict[str, Any] = found
    return result


def test_adopt_expresses_programs_and_contract_programs(
    project: PulumiProject, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A contract selling a program, made by one stack, adopted by another: the catalog
    `courseware adopt` writes declares the program (title, flags, requirements in order)
    and the contract's programs; its first `up` writes nothing and preview is empty."""
    declared = ProgramContract()
    project.set_config("catalog", declared.catalog(required=[1, 0], elective=[2]))
    project.up()
    contract_id = project.outputs()[f"contract:{declared.label}"]["contract_id"]

    other = PulumiProject(tmp_path / "adopter", STACKS, stack="adopter")
    other.use_sandbox(sandbox.info)
    adopted = courseware(other, "adopt", "--stack", "adopter", "--contract", str(contract_id))
    assert adopted.exit_code == 0, adopted
    catalog = other.config_value("catalog")
    [program] = catalog["programs"]
    assert program == {
        "readable_id": declared.program,
        "title": "AI Foundations",
        "live": True,
        "b2b_only": False,
        "requirements": {"required": [declared.courses[1], declared.courses[0]], "elective": [declared.courses[2]]},
        "adopt": True,
    }
    [contract] = catalog["contracts"]
    assert contract["programs"] == [declared.program] and "courses" not in contract
    start = len(sandbox.log())
    other.up()
    # No write: `writes_since` takes every `shell` for a read, so look for a program edit too.
    assert writes_since(sandbox, start) == []
    ran = [" ".join(e["argv"]) for e in sandbox.log()[start:] if e["kind"] == "command"]
    assert not [argv for argv in ran if "write_program(" in argv]
    other.preview("--expect-no-changes")


def test_a_b2b_only_program_is_read_inside_mitxonline(project: PulumiProject, sandbox: Sandbox) -> None:
    """MITx Online's programs API hides a b2b-only program (a 404): it is read by one
    `shell` (`print_program`), and a refresh finds nothing to change."""
    import httpx

    declared = ProgramContract()
    project.set_config("catalog", declared.catalog(b2b_only=True))
    project.up()
    hidden = httpx.get(f"{sandbox.info['mitxonline_url']}/api/v2/programs/{declared.program}/")
    assert hidden.status_code == 404
    assert len(project.outputs()[f"contract:{declared.label}"]["run_keys"]) == 3
    project.preview("--refresh", "--expect-no-changes")
    _settled(project, sandbox)
    done = sandbox.manage("sandbox_program_admin", "set", declared.program, "--not-b2b-only")
    assert done.returncode == 0, done.stdout + done.stderr
    drift = project.preview("--refresh", "--expect-no-changes", expect=None)
    assert drift.exit_code != 0 and "b2b_only" in drift.stdout, drift
    project.run("refresh", "--yes", "--run-program")
    project.up()
    assert httpx.get(f"{sandbox.info['mitxonline_url']}/api/v2/programs/{declared.program}/").status_code == 404
    _settled(project, sandbox)
