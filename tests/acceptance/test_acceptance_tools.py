"""What `make acceptance` does without a MITx Online (issue 29): the one line it prints
with no target, the target's settings file and environment, the run's prefix on every
name of a shipped catalog, and the report made from a run's records. The scenarios
themselves need a real MITx Online and never run in CI (docs/acceptance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from acceptance import __main__ as acceptance_main
from acceptance import real_mitxonline
from acceptance.report import Report, ScenarioResult, markdown
from acceptance.scenarios import (
    COMMAND_LINE,
    RETRY_LINE,
    SCENARIOS,
    Record,
    Step,
    diagnostics,
    is_write,
    starts,
)
from acceptance.target import NO_TARGET, TARGET_ENV, NoTarget, Prefix, load_target, new_prefix
from provider import catalog as catalog_schema
from provider.rules import org_key_problem

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {
    "manageCommand": [
        "kubectl",
        "exec",
        "-i",
        "-n",
        "mitxonline",
        "deploy/mitxonline-app",
        "--",
        "python",
        "manage.py",
    ],
    "mitxonlineUrl": "https://mitxonline.example/",
    "mitxonlineApiKey": "key",
    "edxLmsUrl": "https://lms.example",
    "edxStudioUrl": "https://studio.example",
    "edxClientId": "client",
    "edxClientSecret": "secret",
}


def test_without_a_target_it_prints_one_line_saying_what_to_set() -> None:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("COURSEWARE_ACCEPTANCE")}
    done = subprocess.run(
        [sys.executable, "-m", "acceptance"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == acceptance_main.EXIT_NO_TARGET
    assert done.stdout.splitlines() == [NO_TARGET]
    assert "COURSEWARE_ACCEPTANCE_TARGET" in NO_TARGET


def test_a_settings_file_and_the_environment_make_the_target(tmp_path: Path) -> None:
    path = tmp_path / "staging.yaml"
    path.write_text(yaml.safe_dump(SETTINGS))
    target = load_target(str(path), {TARGET_ENV["mitxonlineApiKey"]: "from-env"})
    assert target.manage_command == SETTINGS["manageCommand"]
    assert target.mitxonline_url == "https://mitxonline.example"
    assert target.mitxonline_api_key == "from-env"
    config = target.stack_config(session=False)
    assert config["mitxonline"] == {
        "url": "https://mitxonline.example",
        "manageCommand": SETTINGS["manageCommand"],
        "commandTimeout": 600,
        "session": False,
    }
    assert config["edx"] == {
        "lmsUrl": "https://lms.example",
        "studioUrl": "https://studio.example",
        "clientId": "client",
    }


def test_the_environment_alone_makes_a_target() -> None:
    environ = {TARGET_ENV[k]: (json.dumps(v) if k == "manageCommand" else v) for k, v in SETTINGS.items()}
    assert load_target(None, environ).manage_command[0] == "kubectl"


def test_a_target_that_lacks_a_setting_names_it(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({k: v for k, v in SETTINGS.items() if k != "edxClientSecret"}))
    with pytest.raises(NoTarget, match=r"edxClientSecret \(COURSEWARE_ACCEPTANCE_EDX_CLIENT_SECRET\)"):
        load_target(str(path), {})


@pytest.mark.parametrize("stack", ["uai-source", "idp-contract", "codes-contract", "single-course", "sandbox"])
def test_the_prefix_renames_everything_a_shipped_catalog_makes(stack: str) -> None:
    config = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    shipped = config["courseware:catalog"]
    prefix = Prefix(new_prefix())
    renamed = prefix.catalog(shipped)
    # Still a valid catalog, and every org key, name and course number carries the prefix.
    catalog_schema.Catalog.model_validate(renamed)
    for organization in renamed.get("organizations") or []:
        assert organization["org_key"].startswith(prefix.value) and org_key_problem(organization["org_key"]) is None
        assert organization["name"].startswith(prefix.value)
        assert organization["sso_organization_id"] not in json.dumps(shipped)
    for contract in renamed.get("contracts") or []:
        assert contract["name"].startswith(prefix.value) and contract["organization"].startswith(prefix.value)
    keys = [c["course_key"] for c in renamed.get("source_courses") or []] + renamed.get("existing_source_courses", [])
    assert keys and all(f"+{prefix.value}A.0001x" in key for key in keys)
    assert shipped == config["courseware:catalog"]  # the shipped catalog is left alone


def test_the_prefix_renames_the_program_workflow_s_programs_and_their_courses() -> None:
    shipped = yaml.safe_load((REPO / "stacks" / "Pulumi.program-contract.yaml").read_text())["config"]
    prefix = Prefix("TABCDE").scenario("J")
    renamed = prefix.catalog(shipped["courseware:catalog"])
    catalog_schema.Catalog.model_validate(renamed)
    program = renamed["programs"][0]
    assert program["readable_id"] == "program-v1:UAI+TABCDEJAIP"
    declared = {c["course_key"].rsplit("+", 1)[0] for c in renamed["source_courses"]}
    required, elective = program["requirements"]["required"], program["requirements"]["elective"]
    assert set(required) | set(elective) == declared
    assert all("+TABCDE" in key for key in declared)
    assert [c["programs"] for c in renamed["contracts"]] == [["program-v1:UAI+TABCDEJAIP"]] * 2


def test_each_scenario_names_its_own_organizations_and_shares_the_run_s_source_course() -> None:
    run, drift, seats = Prefix("TABCDE"), Prefix("TABCDE").scenario("B"), Prefix("TABCDE").scenario("C")
    assert (drift.org_key("BIGCO"), seats.org_key("BIGCO")) == ("TABCDEBBIGCO", "TABCDECBIGCO")
    assert drift.name("BigCo Codes Contract") == "TABCDEB BigCo Codes Contract"
    assert drift.sso_id("BIGCO") != seats.sso_id("BIGCO")
    key = "course-v1:UAI_SOURCE+A.0001x"
    assert run.course_key(key) == drift.course_key(key) == "course-v1:UAI_SOURCE+TABCDEA.0001x"


def test_the_provider_command_lines_are_counted_once_from_the_diagnostics() -> None:
    said = (
        " +  pulumi:pulumi:Stack courseware-x creating (3s) INFO provider.mitxonline.transport: create con... "
        "b2b_contract create X Y code exited 0 in 4.1 s\n"
        "Diagnostics:\n"
        "  pulumi:pulumi:Stack (courseware-x):\n"
        "    INFO provider.mitxonline.transport: create contract X: b2b_contract create X Y code exited 0 in 4.1 s\n"
        "    INFO provider.mitxonline.session: read listings: "
        "shell --no-imports -c <program: print_listings()> exited 0 in 0.2 s\n"
        "    INFO provider.mitxonline.session: command session 1 started in 21.0 s\n"
        "    WARNING provider.mitxonline.client: import X: try 1 failed, trying again in 2.0 s: command "
        "'b2b_contract import -' exited 1: django.db.utils.IntegrityError: duplicate key\n"
        "\nResources:\n    + 3 created\n"
        "    INFO provider.mitxonline.transport: not a diagnostic: b2b_codes validate exited 0 in 1.0 s\n"
    )
    lines = diagnostics(said)
    found = [(m["command"], m["exit"]) for m in COMMAND_LINE.finditer(lines)]
    assert found == [("b2b_contract create", "0"), ("shell", "0")]
    assert len(RETRY_LINE.findall(lines)) == 1


def test_a_shell_that_writes_a_program_counts_as_a_write_and_one_that_reads_does_not() -> None:
    said = (
        "\nDiagnostics:\n"
        "    INFO provider.mitxonline.transport: update MITx Online program program-v1:UAI+P: "
        "shell --no-imports -c <program: write_program('program-v1:UAI+P', 'T', True, False, [], [])> "
        "exited 0 in 0.2 s\n"
        "    INFO provider.mitxonline.transport: read program program-v1:UAI+P: "
        "shell --no-imports -c <program: print_program('program-v1:UAI+P')> exited 0 in 0.1 s\n"
        "    INFO provider.mitxonline.transport: read contract 7: b2b_contract export 7 exited 0 in 0.3 s\n"
        "    INFO provider.mitxonline.transport: add: b2b_courseware add 7 program-v1:UAI+P exited 0 in 1.0 s\n"
    )
    found = [(m["command"], is_write(m)) for m in COMMAND_LINE.finditer(diagnostics(said))]
    assert found == [("shell", True), ("shell", False), ("b2b_contract export", False), ("b2b_courseware add", True)]


def test_the_report_says_per_scenario_pass_or_fail_time_commands_and_starts(tmp_path: Path) -> None:
    record = Record(
        "seats", steps=[Step(["pulumi", "up"], 0, 12.34, commands=3, writes=2)], left=["organization TABCDEBIGCO"]
    )
    failed = Record("drift", steps=[Step(["pulumi", "preview"], 255, 1.0)])
    report = Report("TABCDE", "b3c9730", "http://127.0.0.1:1", "http://127.0.0.1:2", "2026-12-07T00:00:00Z")
    report.scenarios = [
        ScenarioResult("seats", True, 12.5, 4, record),
        ScenarioResult("drift", False, 1.0, None, failed, "ScenarioFailed: no drift"),
    ]
    as_json, as_markdown = report.write(tmp_path)
    data = json.loads(as_json.read_text())
    assert (data["passed"], data["failed"], data["mitxonline_commit"]) == (1, 1, "b3c9730")
    seats = data["scenarios"][0]
    assert (seats["commands"], seats["write_commands"], seats["process_starts"], seats["pulumi_runs"]) == (3, 2, 4, 1)
    page = as_markdown.read_text()
    assert page == markdown(data)
    assert "| seats | pass | 12.5 | 1 | 3 (2) | 4 |" in page and "| drift | **FAIL** |" in page
    assert "organization TABCDEBIGCO" in page and "ScenarioFailed: no drift" in page


def test_the_scenarios_come_in_the_issue_s_order() -> None:
    # The issue's nine, then the program workflow of issue 26 last, so each earlier
    # scenario keeps its letter in the names a run makes.
    assert list(SCENARIOS) == [
        "workflows", "drift", "seats", "protection", "adopt", "sessions", "sigkill", "env-stripped", "learner",
        "programs",
    ]  # fmt: skip


def test_the_manage_wrapper_logs_each_process_start_that_the_report_counts(tmp_path: Path) -> None:
    """scripts/real-mitxonline's `manage` (here with `echo` for Python): a start line
    before the process, an end line after it; `starts` counts the first kind only, so a
    session killed with its caller still counts."""
    layout = real_mitxonline.Layout(tmp_path)
    layout.root.mkdir()
    layout.env.write_text("MITX_ONLINE_ENVIRONMENT=acceptance\n")
    layout.manage.write_text(
        real_mitxonline.MANAGE.format(source=tmp_path, env=layout.env, python="echo", log=layout.commands_log)
    )
    layout.manage.chmod(0o755)
    done = subprocess.run(
        [str(layout.manage), "b2b_contract", "export", "x y"], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout) == (0, "manage.py b2b_contract export x y\n")
    lines = layout.commands_log.read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["start", "end"]
    assert lines[1].split("\t")[2:] == ["0", "b2b_contract export"]
    assert starts(layout.commands_log) == 1
