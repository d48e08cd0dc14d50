"""docs/stack-file.md, "From an empty stack to a new partner", followed word for word (issue 16).

The commands and the YAML are read from the page itself, in order: each `sh` line runs as
typed (split as a shell splits it, `scripts/run` included, from the root of a copy of
the project), and each `yaml` block is added under `config:` of the stack file, as the
page says. Two things differ from the page, and only these: the sandbox is the test's
own, so its three ports and its state directory replace the demo's in the YAML; and the
values of `pulumi config set --secret KEY` come on standard input, as a person types
them at the prompt. The last command of the page, an empty `preview --expect-no-changes`,
must exit 0, like every other.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import REPO, STACKS, PulumiProject, Result
from tests.sandbox.helpers import Sandbox, free_port_base, start_sandbox

DOC = REPO / "docs" / "stack-file.md"
SECTION = "## From an empty stack to a new partner"
STACK_FILE = Path("stacks") / "Pulumi.partner.yaml"
IGNORED = shutil.ignore_patterns(".git", ".venv", ".state", "__pycache__", "*.egg-info", ".*_cache")
# The demo's sandbox, as the page names it (scripts/demo, stacks/Pulumi.sandbox.yaml).
DEMO_PORT_BASE = 18600
DEMO_STATE_DIR = "../.state/sandbox"
DEMO_CREDENTIALS = (
    "--edx-client-id",
    "courseware-sandbox",
    "--edx-client-secret",
    "sandbox-edx-client-secret",
    "--mitxonline-api-key",
    "sandbox-mitxonline-api-key",
)
COMMAND_TIMEOUT = 600
CODES = "NEWU/New University Codes"
# Step 7's CSV: in a place git ignores, so the codes never reach the repository.
SHEET = ".state/codes-newu.csv"
MANAGED = "NEWU/New University Staff"


@dataclass(frozen=True)
class Command:
    argv: list[str]


@dataclass(frozen=True)
class ConfigAddition:
    text: str


Step = Command | ConfigAddition


def walkthrough(page: str) -> list[Step]:
    """The section's `sh` lines and `yaml` blocks, in the order the page gives them."""
    section = page.split(SECTION, 1)[1].split("\n## ", 1)[0]
    steps: list[Step] = []
    for language, body in re.findall(r"```(sh|yaml)\n(.*?)```", section, re.S):
        body = textwrap.dedent(body)
        if language == "yaml":
            steps.append(ConfigAddition(body))
            continue
        for line in body.splitlines():
            argv = shlex.split(line, comments=True)
            if argv:
                steps.append(Command(argv))
    return steps


class Project:
    """A copy of the project sharing this test run's .venv, so `scripts/run` finds it
    installed, with a backend and Pulumi home of its own (`scripts/run`'s defaults)."""

    def __init__(self, root: Path, sandbox: Sandbox) -> None:
        self.root = root
        self.sandbox = sandbox
        shutil.copytree(REPO, root, ignore=IGNORED)
        (root / ".venv").symlink_to(Path(sys.prefix))
        inherited = ("PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE", "VIRTUAL_ENV")
        self.env = {k: v for k, v in os.environ.items() if k not in inherited}
        self.env["NO_COLOR"] = "1"

    def secret_for(self, argv: list[str]) -> str | None:
        """What a person types at the prompt of `pulumi config set --secret KEY`."""
        if "--secret" not in argv:
            return None
        values = {
            "edxClientSecret": self.sandbox.info["edx_client_secret"],
            "mitxonlineApiKey": self.sandbox.info["mitxonline_api_key"],
        }
        [key] = [arg for arg in argv if arg in values]
        return str(values[key])

    def run(self, argv: list[str], stdin: str | None = None) -> Result:
        done = subprocess.run(
            argv,
            cwd=self.root,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        return Result(argv, done.returncode, done.stdout, done.stderr)

    def add_config(self, text: str) -> None:
        """Add a block under `config:` of the stack file, with the test sandbox's ports
        and state directory in place of the demo's."""
        for offset, url in enumerate(("edx_lms_url", "edx_studio_url", "mitxonline_url")):
            text = text.replace(f"http://127.0.0.1:{DEMO_PORT_BASE + offset}", self.sandbox.info[url])
        text = text.replace(DEMO_STATE_DIR, str(self.sandbox.state_dir.resolve()))
        added = yaml.safe_load(text)
        if set(added) == {"config"}:  # a whole section, rather than keys to put in it
            added = added["config"]
        path = self.root / STACK_FILE
        data = yaml.safe_load(path.read_text()) or {}
        data.setdefault("config", {}).update(added)
        path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def demo_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox as `make demo` leaves it: the demo's credentials and the source course
    (the shipped `uai-source` stack, applied), on ports of the test's choosing."""
    root = tmp_path_factory.mktemp("demo")
    box = start_sandbox(
        root / "sandbox", "--port-base", str(free_port_base()), "--clone-delay", "0.2", *DEMO_CREDENTIALS
    )
    try:
        source = PulumiProject(
            root / "uai-source", STACKS, stack="uai-source", stack_file=STACKS / "Pulumi.uai-source.yaml"
        )
        source.use_sandbox(box.info)
        source.up()
        yield box
    finally:
        box.cli("stop")


def test_the_page_names_every_step_of_the_walkthrough() -> None:
    steps = walkthrough(DOC.read_text())
    commands = [" ".join(step.argv) for step in steps if isinstance(step, Command)]
    assert commands == [
        "scripts/run pulumi stack init partner",
        "scripts/run pulumi config set --stack partner --secret edxClientSecret",
        "scripts/run pulumi config set --stack partner --secret mitxonlineApiKey",
        "scripts/run pulumi preview --stack partner --policy-pack policies",
        "scripts/run pulumi up --stack partner --yes --policy-pack policies",
        "scripts/run courseware summary --stack partner",
        f"scripts/run courseware codes --stack partner {CODES} --csv {SHEET}",
        "scripts/run pulumi preview --stack partner --expect-no-changes",
    ]
    added = [yaml.safe_load(step.text) for step in steps if isinstance(step, ConfigAddition)]
    assert [sorted(block) for block in added] == [["config"], ["courseware:catalog"]]
    assert sorted(added[0]["config"]) == ["courseware:edx", "courseware:mitxonline"]


def test_the_codes_csv_of_step_7_goes_where_git_ignores_it() -> None:
    """docs/adopting.md: codes never go in the repository (issue 24)."""
    [codes] = [s.argv for s in walkthrough(DOC.read_text()) if isinstance(s, Command) and "codes" in s.argv]
    sheet = codes[codes.index("--csv") + 1]
    ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", sheet], cwd=REPO)
    assert ignored.returncode == 0, f"{sheet} is not ignored by git"


def test_expect_no_changes_exits_7_when_there_are_changes(tmp_path: Path, demo_sandbox: Sandbox) -> None:
    """What step 8 of the page says of a stack with changes, and what the plan summary
    counts for that first preview against what the CLI counts."""
    project = Project(tmp_path / "project", demo_sandbox)
    for step in walkthrough(DOC.read_text()):
        if isinstance(step, ConfigAddition):
            project.add_config(step.text)
        elif "preview" in step.argv:
            break
        else:
            assert project.run(step.argv, stdin=project.secret_for(step.argv)).exit_code == 0
    preview = project.run(["scripts/run", "pulumi", "preview", "--stack", "partner", "--expect-no-changes", "--json"])
    assert preview.exit_code == 7, str(preview)
    digest: dict[str, Any] = json.loads(preview.stdout)
    counted = digest["changeSummary"]
    plan = project.run(["scripts/run", "courseware", "plan-summary"], stdin=preview.stdout)
    assert plan.exit_code == 0, str(plan)
    platform_creates = sum(
        1
        for s in digest["steps"]
        if s["op"] == "create" and s["newState"].get("custom", True) and not s["urn"].endswith("::destroy-guard")
    )
    assert f"\n{platform_creates} to create\n" in plan.stdout, plan.stdout
    assert f"`pulumi preview` counts them too and says {counted['create']} to create." in plan.stdout, plan.stdout


def test_following_the_page_brings_a_new_partner_to_an_applied_state(tmp_path: Path, demo_sandbox: Sandbox) -> None:
    project = Project(tmp_path / "project", demo_sandbox)
    printed: dict[str, Result] = {}
    for step in walkthrough(DOC.read_text()):
        if isinstance(step, ConfigAddition):
            project.add_config(step.text)
            continue
        result = project.run(step.argv, stdin=project.secret_for(step.argv))
        assert result.exit_code == 0, str(result)
        printed[" ".join(step.argv)] = result
        if step.argv[1:4] == ["pulumi", "config", "set"]:
            # The secret went in through standard input, encrypted; never in the clear.
            assert str(project.secret_for(step.argv)) not in (project.root / STACK_FILE).read_text()

    # Step 5 listed what step 6 made: the organization, both contracts and their parts.
    preview = printed["scripts/run pulumi preview --stack partner --policy-pack policies"].stdout
    for name in ("mitxonline:Organization", "mitxonline:EnrollmentCodes", CODES, MANAGED):
        assert name in preview, preview
    summary = printed["scripts/run courseware summary --stack partner"].stdout
    assert f"{CODES} (id " in summary
    assert "5 enrollment codes" in summary
    assert re.search(r"contract run course-v1:UAI_NEWU\+A\.0001x\+1T\d+C\d{4}_en", summary), summary

    outputs = json.loads(
        project.run(["scripts/run", "pulumi", "stack", "output", "--stack", "partner", "--json"]).stdout
    )
    assert outputs[f"contract:{CODES}"]["code_count"] == 5
    assert "code_count" not in outputs[f"contract:{MANAGED}"]
    assert len(outputs[f"contract:{MANAGED}"]["run_keys"]) == 1

    # Step 7's sheet: five codes of the contract's run, readable by its owner only.
    sheet = project.root / SHEET
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    rows = list(csv.DictReader(sheet.read_text().splitlines()))
    assert len(rows) == 5
    assert {row["course_run"] for row in rows} == set(outputs[f"contract:{CODES}"]["run_keys"])
    # The managed contract has no codes, and `courseware codes` says so.
    managed = project.run(["scripts/run", "courseware", "codes", "--stack", "partner", MANAGED])
    assert managed.exit_code == 1, str(managed)
    assert f"contract {MANAGED} has no enrollment codes" in managed.stderr
    assert "--show-secrets" not in managed.stderr
