"""Adopting a hand-made MITx Online (issue 10): `courseware adopt` writes the catalog of
what an operator made with the runbook, the first `pulumi up` takes it all over without
a single platform write, `pulumi preview --expect-no-changes` passes, and a change of one
declared field then applies exactly that change."""

from __future__ import annotations

import csv
import io
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.harness import STACKS, PulumiProject, Result
from tests.sandbox.helpers import Sandbox

SOURCE = "course-v1:UAI_SOURCE+ADOPT1+SOURCE"
COURSE = "course-v1:UAI_SOURCE+ADOPT1"
ORG = "ADOPTU"
ORG_NAME = "Adopt University"
CODES = "ADOPTU/Adopt Codes"
# Commands that only read (docs/platforms/mitxonline.md §3, §5, §6); the codes are
# read by a `shell` that runs `b2b_codes output` itself.
READ_COMMANDS = {("b2b_list",), ("b2b_contract", "export"), ("b2b_codes", "output"), ("shell",)}
# The LMS token request is a POST that changes nothing (docs/platforms/edx.md §1).
TOKEN_PATH = "/oauth2/access_token"


def manage(sandbox: Sandbox, *args: str, expect: int = 0) -> str:
    done = subprocess.run(
        [*sandbox.info["manage_command"], *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == expect, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def contract_id(sandbox: Sandbox, slug: str) -> int:
    return int(yaml.safe_load(manage(sandbox, "b2b_contract", "export", slug))["source_contract_id"])


def wait_for_studio_runs(client: httpx.Client, count: int) -> None:
    """The contract runs are cloned in edX asynchronously (docs/platforms/mitxonline.md §9): wait until they are
    there."""
    for _ in range(200):
        if client.get("/api/v1/course_runs/", params={"page_size": 100}).json()["count"] >= count:
            return
        time.sleep(0.1)
    pytest.fail(f"edX never had {count} course runs")


def hand_made(sandbox: Sandbox) -> dict[str, int]:
    """What an operator makes with the runbook: Studio calls, then management commands."""
    with sandbox.studio() as client:
        return _hand_made(sandbox, client)


def _hand_made(sandbox: Sandbox, client: httpx.Client) -> dict[str, int]:
    created = client.post(
        "/api/v1/course_runs/",
        json={
            "org": "UAI_SOURCE",
            "number": "ADOPT1",
            "run": "SOURCE",
            "title": "Adoption 101",
            "pacing_type": "self_paced",
            "schedule": {
                "start": "2026-01-05T00:00:00Z",
                "end": "2030-12-31T00:00:00Z",
                "enrollment_start": "2026-01-01T00:00:00Z",
            },
            "team": [],
        },
    )
    assert created.status_code == 201, created.text
    manage(sandbox, "import_courserun", "--courserun", SOURCE, "--source-course", "--live", "--create-cms-page")
    manage(sandbox, "sandbox_keycloak_orgs", "add", "--name", ORG_NAME, "--alias", ORG)
    manage(sandbox, "sync_keycloak_orgs")
    # `create` twice: the second makes `adopt-codes-2` with the same name (docs/platforms/mitxonline.md §5).
    for _ in range(2):
        manage(sandbox, "b2b_contract", "create", ORG, "Adopt Codes", "code", "--max-learners", "5",
               "--start", "2026-01-01", "--end", "2030-12-31")  # fmt: skip
    # A contract outside its dates: created all the same, then exit 1 (docs/platforms/mitxonline.md §4).
    manage(sandbox, "b2b_contract", "create", ORG, "Adopt Later", "managed", "--start", "2099-01-01", expect=1)
    ids = {slug: contract_id(sandbox, slug) for slug in ("adopt-codes", "adopt-codes-2", "adopt-later")}
    manage(sandbox, "b2b_courseware", "add", str(ids["adopt-codes"]), COURSE)
    manage(sandbox, "b2b_codes", "validate", "--contract", str(ids["adopt-codes"]))
    manage(sandbox, "b2b_courseware", "add", str(ids["adopt-later"]), COURSE, expect=1)
    wait_for_studio_runs(client, 3)
    return ids


def courseware(project: PulumiProject, *args: str) -> Result:
    argv = ["courseware", *args]
    done = subprocess.run(argv, cwd=project.root, env=project.env, capture_output=True, text=True, timeout=600)
    return Result(argv, done.returncode, done.stdout, done.stderr)


def writes_since(sandbox: Sandbox, start: int) -> list[Any]:
    """Every request or command after `start` that may have changed a platform."""
    writes: list[Any] = []
    for entry in sandbox.log()[start:]:
        if entry["kind"] == "http" and entry["method"] not in ("GET", "HEAD") and entry["path"] != TOKEN_PATH:
            writes.append((entry["method"], entry["path"]))
        if entry["kind"] == "command":
            argv = entry["argv"]
            if tuple(argv[:1]) not in READ_COMMANDS and tuple(argv[:2]) not in READ_COMMANDS:
                writes.append(argv[:3])
    return writes


def commands_since(sandbox: Sandbox, start: int) -> list[str]:
    return [" ".join(e["argv"][:2]) for e in sandbox.log()[start:] if e["kind"] == "command"]


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, module_sandbox: Sandbox) -> tuple[PulumiProject, dict[str, int]]:
    ids = hand_made(module_sandbox)
    project = PulumiProject(tmp_path_factory.mktemp("adopt"), STACKS, stack="adopt")
    project.use_sandbox(module_sandbox.info)
    return project, ids


def test_adopt_then_up_writes_nothing_and_preview_is_empty(
    adopted: tuple[PulumiProject, dict[str, int]], module_sandbox: Sandbox, tmp_path: Path
) -> None:
    project, ids = adopted
    stack_file = project.root / "Pulumi.adopt.yaml"
    before = yaml.safe_load(stack_file.read_text())

    start = len(module_sandbox.log())
    result = courseware(project, "adopt", "--stack", "adopt", "--all")
    assert result.exit_code == 0, result
    assert writes_since(module_sandbox, start) == []
    # The duplicate is reported, not dropped in silence; the rest adopts exactly.
    assert f"contract {ids['adopt-codes-2']} (adopt-codes-2) of {ORG}" in result.stdout
    assert "should write nothing" in result.stdout

    text = stack_file.read_text()
    after = yaml.safe_load(text)
    assert after["encryptionsalt"] == before["encryptionsalt"]
    assert {k: v for k, v in after["config"].items() if k != "courseware:catalog"} == before["config"]
    assert "# no MITx Online read shows is_source_run" in text
    catalog = after["config"]["courseware:catalog"]
    assert [c["course_key"] for c in catalog["source_courses"]] == [SOURCE]
    assert catalog["source_courses"][0]["title"] == "Adoption 101"
    assert catalog["organizations"] == [
        {"org_key": ORG, "name": ORG_NAME, "sso_organization_id": catalog["organizations"][0]["sso_organization_id"],
         "org_key_prefix": "UAI_", "adopt": True}
    ]  # fmt: skip
    assert [(c["slug"], c.get("courses"), c.get("max_learners")) for c in catalog["contracts"]] == [
        ("adopt-codes", [COURSE], 5),
        ("adopt-later", [COURSE], None),
    ]
    assert all(entry["adopt"] is True for section in ("organizations", "contracts") for entry in catalog[section])

    # The proof: the first up adopts everything and writes nothing to either platform.
    start = len(module_sandbox.log())
    up = project.up()
    assert writes_since(module_sandbox, start) == [], str(up)
    project.preview("--expect-no-changes")
    contract = project.outputs()[f"contract:{CODES}"]
    assert (contract["contract_id"], contract["code_count"]) == (ids["adopt-codes"], 5)

    # One declared field changes: exactly that change is previewed and applied.
    catalog = project.config_value("catalog")
    catalog["contracts"][0]["max_learners"] = 7
    project.set_config("catalog", catalog)
    digest = project.preview_json()
    # A URN is urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>.
    changed = sorted(
        (step["urn"].split("::")[2].split("$")[-1], step["urn"].split("::")[-1], step["op"])
        for step in digest["steps"]
        if step["op"] != "same"
    )
    assert changed == [
        ("pulumi-python:dynamic/mitxonline:Contract", CODES, "update"),
        ("pulumi-python:dynamic/mitxonline:EnrollmentCodes", CODES, "update"),
    ], changed
    start = len(module_sandbox.log())
    project.up()
    written = writes_since(module_sandbox, start)
    assert written == [["b2b_contract", "modify", str(ids["adopt-codes"])], ["b2b_codes", "validate", "--contract"]]
    assert project.outputs()[f"contract:{CODES}"]["code_count"] == 7
    project.preview("--expect-no-changes")

    # The codes, as the CSV the organization gets.
    printed = courseware(project, "codes", CODES, "--stack", "adopt")
    assert printed.exit_code == 0, printed
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert len(rows) == 7 and {r["course_run"] for r in rows} == {r["course_run"] for r in rows[:1]}
    assert all(r["attach_link"] == f"https://learn.mit.edu/enrollmentcode/{r['code']}/" for r in rows)
    target = tmp_path / f"codes-{ids['adopt-codes']}.csv"
    by_id = courseware(project, "codes", str(ids["adopt-codes"]), "--stack", "adopt", "--csv", str(target))
    assert by_id.exit_code == 0, by_id
    assert target.read_text() == printed.stdout
