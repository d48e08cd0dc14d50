"""The scenarios of `make acceptance`, each a function of a `Run`, in priority order.

Every scenario drives the real Pulumi CLI (tests/e2e/harness.py's `PulumiProject`, one
project and file backend per scenario under the run's directory) against the target,
with the run's prefix on every name it makes. After every `up`, `preview
--expect-no-changes` must pass (Terraform's "the plan after apply is empty").
A scenario fails by raising; its message goes into the report.
"""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from acceptance.target import Prefix, Target
from tests.e2e.harness import STACKS, PulumiProject, Result, stop_session

WORKFLOWS = ("uai-source", "idp-contract", "codes-contract", "single-course")
SOURCE_STACK = "uai-source"
# The provider's one INFO line per management command (provider/mitxonline/transport.py
# for a process, session.py for a command of a session) and per session started.
COMMAND_LINE = re.compile(
    r"INFO provider\.[\w.]+: (?P<step>.*?): (?P<command>[a-z_0-9]+(?: [a-z_]+)?)\b.* exited (?P<exit>-?\d+) in "
)
SESSION_LINE = re.compile(r"command session \S+ started in")
READS = ("b2b_list", "b2b_contract export", "b2b_codes output", "shell")
# A `shell` reads (codes, a b2b-only program), except the remote programs that write: the
# program's name follows `<program: ` in the provider's command line.
SHELL_WRITES = re.compile(r"<program: write_")


def is_write(command: re.Match[str]) -> bool:
    """Whether a provider command line the diagnostics show is a write."""
    if command["command"] == "shell":
        return SHELL_WRITES.search(command.group(0)) is not None
    return not command["command"].startswith(READS)


RETRY_LINE = re.compile(r"^ *WARNING provider\.[\w.]+: .*try \d+ failed, trying again.*$", re.M)


def diagnostics(said: str) -> str:
    """The CLI's Diagnostics section: each provider line once and whole (the progress
    lines above it repeat them, cut to the terminal's width)."""
    _, found, rest = said.partition("\nDiagnostics:\n")
    if not found:
        return ""
    return re.split(r"\n(?:Outputs|Resources|Policies):\n", rest, maxsplit=1)[0]


class ScenarioFailed(AssertionError):
    """What a scenario found wrong, in one sentence."""


@dataclass
class Step:
    """One CLI or manage.py invocation of a scenario, as the report lists it."""

    argv: list[str]
    exit_code: int
    seconds: float
    commands: int = 0
    writes: int = 0
    # Commands the provider tried again (its "try N failed, trying again" warnings).
    retries: int = 0


@dataclass
class Record:
    """What one scenario did: its steps, the process starts the target logged, what it left."""

    name: str
    steps: list[Step] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Run:
    """One `make acceptance`: the target, the prefix, a directory per scenario."""

    def __init__(self, target: Target, prefix: Prefix, directory: Path) -> None:
        self.target = target
        self.prefix = prefix
        self.directory = directory
        self.record = Record("")
        self._source_ready = False
        # What the run's source course left: shared by the scenarios, never destroyed.
        self.left: list[str] = []
        # The stacks of the running scenario, cleaned up after it whether it passed or not.
        self.made: list[PulumiProject] = []

    # Stacks ------------------------------------------------------------------------
    def stack(self, name: str, catalog: dict[str, Any], **mitxonline: Any) -> PulumiProject:
        """A new project and stack `name` of the running scenario, aimed at the target,
        declaring `catalog`; cleaned up after the scenario."""
        project = self._project(self.directory / self.record.name / name, name, catalog, **mitxonline)
        self.made.append(project)
        return project

    def _project(self, root: Path, name: str, catalog: dict[str, Any], **mitxonline: Any) -> PulumiProject:
        project = PulumiProject(root, STACKS, stack=name)
        for key, value in self.target.stack_config(**mitxonline).items():
            project.set_config(key, value)
        project.set_config("edxClientSecret", self.target.edx_client_secret, secret=True)
        project.set_config("mitxonlineApiKey", self.target.mitxonline_api_key, secret=True)
        project.set_config("catalog", catalog)
        return project

    @property
    def names(self) -> Prefix:
        """The prefix of the running scenario: the run's, and the scenario's own letter."""
        return self.prefix.scenario(chr(ord("A") + list(SCENARIOS).index(self.record.name)))

    def shipped(self, name: str) -> dict[str, Any]:
        """The catalog of stacks/Pulumi.<name>.yaml with this scenario's names."""
        config = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"]
        return self.names.catalog(config["courseware:catalog"])

    def source(self) -> None:
        """The run's source course (the uai-source workflow), applied once per run."""
        if self._source_ready:
            return
        record, self.record = self.record, Record("source")
        try:
            shipped = yaml.safe_load((STACKS / f"Pulumi.{SOURCE_STACK}.yaml").read_text())["config"]
            catalog = self.prefix.catalog(shipped["courseware:catalog"])
            project = self._project(self.directory / "source", SOURCE_STACK, catalog)
            self.up(project)
            self.left = self.left_by(project)
        finally:
            record.steps.extend(self.record.steps)
            self.record = record
        self._source_ready = True

    # Operations, measured ----------------------------------------------------------
    def pulumi(self, project: PulumiProject, *args: str, expect: int | None = 0) -> Result:
        started = time.monotonic()
        result = project.run(*args, expect=None, env={"COURSEWARE_LOG_LEVEL": "INFO"})
        said = result.stdout + result.stderr
        logs = self.directory / self.record.name / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{len(self.record.steps):02d}-{args[0]}-{project.stack}.txt").write_text(said)
        lines = diagnostics(said)
        commands = [m for m in COMMAND_LINE.finditer(lines)]
        writes = [m for m in commands if is_write(m)]
        retries = RETRY_LINE.findall(lines)
        self.record.notes.extend(f"{project.stack}: {line.strip()}" for line in retries)
        self.record.steps.append(
            Step(
                ["pulumi", *args, "-s", project.stack],
                result.exit_code,
                time.monotonic() - started,
                len(commands),
                len(writes),
                len(retries),
            )
        )
        if expect is not None and result.exit_code != expect:
            raise ScenarioFailed(f"`pulumi {' '.join(args)}` exited {result.exit_code}, not {expect}:\n{_tail(said)}")
        return result

    def up(self, project: PulumiProject, *extra: str) -> Result:
        """`up`, then the empty preview every `up` must leave."""
        result = self.pulumi(project, "up", "--yes", "--skip-preview", *extra)
        self.pulumi(project, "preview", "--expect-no-changes")
        return result

    def manage(self, *args: str, expect: int | None = 0, env_i: bool = False) -> subprocess.CompletedProcess[str]:
        """A management command run by hand, as an operator would (drift, adoption)."""
        argv = [*(["env", "-i"] if env_i else []), *self.target.manage_command, *args]
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900, check=False)
        shown = ["manage.py", *(a if len(a) < 80 else "<program>" for a in args)]
        wrote = 0 if " ".join(args[:2]).startswith(READS) else 1
        self.record.steps.append(Step(shown, done.returncode, time.monotonic() - started, 1, wrote))
        if expect is not None and done.returncode != expect:
            raise ScenarioFailed(f"`{' '.join(shown)}` exited {done.returncode}:\n{_tail(done.stdout + done.stderr)}")
        return done

    def courseware(self, project: PulumiProject, *args: str) -> Result:
        argv = ["courseware", *args]
        started = time.monotonic()
        done = subprocess.run(
            argv, cwd=project.root, env=project.env, capture_output=True, text=True, timeout=900, check=False
        )
        self.record.steps.append(Step([*argv, "-s", project.stack], done.returncode, time.monotonic() - started))
        return Result(argv, done.returncode, done.stdout, done.stderr)

    # Clean-up -------------------------------------------------------------------------
    def clean_up(self) -> None:
        """Clean every stack of the scenario; a clean-up that fails is a note, not a failure."""
        made, self.made = self.made, []
        for project in made:
            try:
                self.clean(project)
            except Exception as failure:  # what stays is listed; the next stack is still cleaned
                self.record.notes.append(f"clean-up of {project.stack} failed: {str(failure).splitlines()[0]}")

    def clean(self, project: PulumiProject) -> None:
        """Unprotect, destroy what MITx Online lets go (contracts end, courseware is
        removed), list what stays: organizations, courses, runs, pages and edX runs have no
        delete (docs/destroy.md)."""
        self.record.left.extend(self.left_by(project))
        catalog = project.config_value("catalog") or {}
        for contract in catalog.get("contracts") or []:
            contract["protect"] = False
        project.set_config("catalog", catalog)
        self.pulumi(project, "up", "--yes", "--skip-preview", expect=None)
        self.pulumi(project, "destroy", "--yes", "--skip-preview", expect=None)

    def left_by(self, project: PulumiProject) -> list[str]:
        """What a stack made that no destroy removes from the platforms."""
        left = []
        for resource in project.export()["deployment"].get("resources") or []:
            kind = resource["type"].rsplit("/", 1)[-1]
            outputs = resource.get("outputs") or {}
            if kind.endswith(":Organization"):
                left.append(f"organization {outputs.get('org_key')}")
            elif kind.endswith((":Course", ":CoursePage")):
                found = outputs.get("readable_id") or outputs.get("course") or outputs.get("courseware_id")
                left.append(f"{kind} {found}")
            elif kind.endswith(":CourseRun"):
                left.append(f"{kind} {outputs.get('course_key') or outputs.get('courseware_id')}")
            elif kind.endswith(":Program"):
                left.append(f"program {outputs.get('readable_id')} (no command deletes a program)")
            elif kind.endswith(":Contract"):
                left.append(f"contract {outputs.get('slug')} (id {outputs.get('contract_id')}, made inactive)")
            elif kind.endswith(":ContractCourseware"):
                runs = ", ".join(outputs.get("run_keys") or [])
                left.append(f"contract runs {runs} (in MITx Online and edX; their codes stay)")
        return left


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def contract_of(project: PulumiProject, catalog: dict[str, Any], index: int = 0) -> dict[str, Any]:
    entry = catalog["contracts"][index]
    label = f"contract:{entry['organization']}/{entry['name']}"
    found: dict[str, Any] = project.outputs()[label]
    return found


# Scenarios ------------------------------------------------------------------------------


def workflows(run: Run) -> None:
    """The shipped workflows, each its own stack; every `up` is followed by an empty
    preview, and a second `up` runs no write command."""
    run.source()
    for name in WORKFLOWS[1:]:
        catalog = run.shipped(name)
        project = run.stack(name, catalog)
        run.up(project)
        second = run.pulumi(project, "up", "--yes", "--skip-preview", "--expect-no-changes")
        if run.record.steps[-1].writes:
            raise ScenarioFailed(
                f"the second `up` of {name} ran {run.record.steps[-1].writes} write commands:\n{_tail(second.stdout)}"
            )
        contract = contract_of(project, catalog)
        if not contract.get("run_keys"):
            raise ScenarioFailed(f"{name}: the contract has no contract run: {contract}")


def drift(run: Run) -> None:
    """A contract changed by hand is found by `courseware drift` and put back by `up --refresh`."""
    run.source()
    catalog = run.shipped("single-course")
    project = run.stack("drift", catalog)
    run.up(project)
    contract = contract_of(project, catalog)
    run.manage("b2b_contract", "modify", str(contract["contract_id"]), "--max-learners", "12")
    found = run.courseware(project, "drift", "--stack", project.stack)
    if found.exit_code != 2 or "max_learners" not in found.stdout:
        raise ScenarioFailed(
            f"`courseware drift` did not report max_learners (exit {found.exit_code}):\n{found.stdout}{found.stderr}"
        )
    run.up(project, "--refresh")
    again = run.courseware(project, "drift", "--stack", project.stack)
    if again.exit_code != 0:
        raise ScenarioFailed(f"drift remains after `up --refresh` (exit {again.exit_code}):\n{again.stdout}")


def seats(run: Run) -> None:
    """15 -> 20 seats applies in place; 20 -> 10 is refused by preview, before any write."""
    run.source()
    catalog = run.shipped("single-course")
    project = run.stack("seats", catalog)
    run.up(project)
    catalog["contracts"][0]["max_learners"] = 20
    project.set_config("catalog", catalog)
    run.up(project)
    if contract_of(project, catalog)["code_count"] != 20:
        raise ScenarioFailed(f"20 seats made {contract_of(project, catalog)['code_count']} codes, not 20")
    catalog["contracts"][0]["max_learners"] = 10
    project.set_config("catalog", catalog)
    refused = run.pulumi(project, "preview", expect=None)
    if refused.exit_code == 0 or "lowering `max_learners` from 20 to 10" not in refused.stdout + refused.stderr:
        raise ScenarioFailed(
            f"lowering 20 -> 10 seats was not refused by preview (exit {refused.exit_code}):\n{_tail(refused.stdout)}"
        )
    catalog["contracts"][0]["max_learners"] = 20
    project.set_config("catalog", catalog)
    run.pulumi(project, "preview", "--expect-no-changes")


def protection(run: Run) -> None:
    """`destroy` of a stack with a protected contract stops before any platform write."""
    run.source()
    catalog = run.shipped("codes-contract")
    project = run.stack("protection", catalog)
    run.up(project)
    before = contract_of(project, catalog)
    refused = run.pulumi(project, "destroy", "--yes", "--skip-preview", expect=None)
    if refused.exit_code == 0 or "protect" not in refused.stdout + refused.stderr:
        raise ScenarioFailed(f"destroy of a protected contract was not refused:\n{_tail(refused.stdout)}")
    if run.record.steps[-1].writes:
        raise ScenarioFailed("the refused destroy ran write commands")
    # The destroy guard is deleted first and refuses, so nothing left the state: a CMS page
    # forgotten by a refused destroy would be planned again here (issue 28).
    run.pulumi(project, "preview", "--expect-no-changes")
    after = contract_of(project, catalog)
    if after["code_count"] != before["code_count"]:
        raise ScenarioFailed(f"codes changed: {before['code_count']} -> {after['code_count']}")


def adopt(run: Run) -> None:
    """A contract made by hand with the runbook's commands is adopted by `courseware
    adopt`; the first `up` writes nothing and the preview after it is empty."""
    run.source()
    course = run.prefix.course_key("course-v1:UAI_SOURCE+A.0001x")
    org_key = run.names.org_key("ADOPTU")
    name = run.names.name("Adopt University Codes")
    run.manage(
        "b2b_contract", "create", run.names.name("Adopt University"), name, "code", "--create", "--org-key", org_key,
        "--max-learners", "5", "--start", "2026-01-01", "--end", "2030-12-31",
    )  # fmt: skip
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    exported = json.loads(run.manage("b2b_contract", "export", slug).stdout)
    contract_id = str(exported["source_contract_id"])
    run.manage("b2b_courseware", "add", contract_id, course)
    run.manage("b2b_codes", "validate", "--contract", contract_id)
    project = run.stack("adopt", {"organizations": [], "contracts": []})
    written = run.courseware(project, "adopt", "--stack", project.stack, "--org", org_key)
    if written.exit_code != 0:
        raise ScenarioFailed(f"`courseware adopt` failed:\n{written.stdout}{written.stderr}")
    first = run.pulumi(project, "up", "--yes", "--skip-preview")
    if run.record.steps[-1].writes:
        raise ScenarioFailed(f"the first `up` after adopt ran write commands:\n{_tail(first.stdout)}")
    run.pulumi(project, "preview", "--expect-no-changes")


def sessions(run: Run) -> None:
    """Three organizations imported in parallel, with command sessions and without: both
    converge; the report shows the process starts of each."""
    run.source()
    course = run.prefix.course_key("course-v1:UAI_SOURCE+A.0001x")
    for session in (False, True):
        tag = "ON" if session else "OFF"
        catalog = {
            "existing_source_courses": [course],
            "organizations": [
                {
                    "org_key": run.names.org_key(f"PAR{tag}{n}"),
                    "name": run.names.name(f"Parallel {tag} {n}"),
                    "sso_organization_id": run.names.sso_id(f"PAR{tag}{n}"),
                }
                for n in range(3)
            ],
            "contracts": [
                {
                    "organization": run.names.org_key(f"PAR{tag}{n}"),
                    "name": run.names.name(f"Parallel {tag} {n} Staff"),
                    "membership_type": "managed",
                    "start": "2026-01-01",
                    "end": "2030-12-31",
                    "courses": [course],
                }
                for n in range(3)
            ],
        }
        project = run.stack(f"sessions-{tag.lower()}", catalog, session=session)
        run.up(project, "--parallel", "8")


def sigkill(run: Run) -> None:
    """SIGKILL of the CLI while its `up` runs commands, then the documented recovery
    (docs/reliability.md, "Interrupted `pulumi up`"): cancel, refresh --clear-pending-creates, up."""
    run.source()
    catalog = run.shipped("codes-contract")
    project = run.stack("sigkill", catalog)
    started = time.monotonic()
    process = project.popen("up", "--yes", "--skip-preview")
    organization = catalog["organizations"][0]["name"]
    # Kill once MITx Online is at work: the import has made the organization (REST shows
    # it), while the contract's courseware and codes are still to come.
    with httpx.Client(base_url=run.target.mitxonline_url, timeout=30) as client:
        while time.monotonic() - started < 600:
            if process.poll() is not None:
                raise ScenarioFailed(f"`up` ended (exit {process.returncode}) before it could be killed")
            listed = client.get(
                "/api/v0/b2b/organizations/", headers={"Authorization": f"Api-Key {run.target.mitxonline_api_key}"}
            )
            if listed.status_code == 200 and organization in [o["name"] for o in listed.json()]:
                break
            time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    stop_session(process)
    run.record.steps.append(Step(["pulumi", "up", "(SIGKILL)"], -9, time.monotonic() - started))
    run.pulumi(project, "cancel", "--yes")
    run.pulumi(project, "refresh", "--yes", "--clear-pending-creates")
    run.up(project)
    contract = contract_of(project, catalog)
    if contract["code_count"] != 15:
        raise ScenarioFailed(f"after recovery the contract has {contract['code_count']} codes, not 15")


def env_stripped(run: Run) -> None:
    """The codes workflow through `env -i` in front of the prefix (no environment passed,
    as `kubectl exec` passes none)."""
    run.source()
    catalog = run.shipped("codes-contract")
    project = run.stack("env-stripped", catalog, manageCommand=["env", "-i", *run.target.manage_command])
    run.up(project)


LEARNER_PROGRAM = r"""
import json, uuid
from django.contrib.auth import get_user_model
from django.test import Client
from b2b.models import ContractPage
from courses.models import CourseRunEnrollment

code, run_key, contract_id, host = {args!r}
User = get_user_model()
said = {{}}

def learner(tag):
    name = f"acceptance-{{tag}}-{{uuid.uuid4().hex[:8]}}"
    user = User.objects.create_user(username=name, email=f"{{name}}@example.com", password=uuid.uuid4().hex)
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return user, client

first, client = learner("first")
attached = client.post(f"/api/v0/b2b/attach/{{code}}/")
said["attach"] = attached.status_code
contract = ContractPage.objects.get(id=contract_id)
said["member_of_contract"] = first.b2b_contracts.filter(id=contract_id).exists()
said["member_of_organization"] = first.b2b_organizations.filter(id=contract.organization_id).exists()
enrolled = client.post(f"/api/v0/b2b/enroll/{{run_key}}/", data={{}}, content_type="application/json")
said["enroll"] = enrolled.status_code
said["enroll_body"] = enrolled.content.decode()[:300]
enrollment = CourseRunEnrollment.objects.filter(user=first, run__courseware_id=run_key).first()
said["enrolled"] = enrollment is not None
# Whether edX took the enrollment too (a real LMS; the sandbox's has no registration API).
said["edx_enrolled"] = bool(enrollment and enrollment.edx_enrolled)
second, other = learner("second")
refused = other.post(f"/api/v0/b2b/attach/{{code}}/")
said["second_attach"] = refused.status_code
said["second_body"] = refused.content.decode()[:200]
said["second_member"] = second.b2b_contracts.filter(id=contract_id).exists()
print("LEARNER " + json.dumps(said))
"""


def learner(run: Run) -> None:
    """A new learner redeems a code of the codes workflow, is then a member of the
    contract's organization and enrolls in its run; the same code is refused for a second."""
    run.source()
    catalog = run.shipped("codes-contract")
    if not run.target.keycloak:
        # MITx Online adds a learner who attaches to an organization with an SSO id to that
        # Keycloak organization (b2b/api.py, add_user_org_membership), and fails with
        # KeycloakAdminImproperlyConfiguredError where it has no Keycloak.
        del catalog["organizations"][0]["sso_organization_id"]
        run.record.notes.append("the organization has no SSO id: this MITx Online has no Keycloak")
    project = run.stack("learner", catalog)
    run.up(project)
    contract = contract_of(project, catalog)
    label = f"{catalog['contracts'][0]['organization']}/{catalog['contracts'][0]['name']}"
    sheet = run.courseware(project, "codes", label, "--stack", project.stack)
    if sheet.exit_code != 0:
        raise ScenarioFailed(f"`courseware codes` failed: {sheet.stderr}")
    rows = list(csv.DictReader(io.StringIO(sheet.stdout)))
    code, run_key = _code_and_run(rows)
    host = run.target.mitxonline_url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    program = LEARNER_PROGRAM.format(args=(code, run_key, int(contract["contract_id"]), host))
    done = run.manage("shell", "--no-imports", "-c", program)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("LEARNER ")), None)
    if line is None:
        raise ScenarioFailed(f"the learner program printed no result:\n{_tail(done.stdout + done.stderr)}")
    said = json.loads(line.removeprefix("LEARNER "))
    run.record.notes.append(f"learner path: {json.dumps(said)}")
    expected = {
        "attach": 201,
        "member_of_contract": True,
        "member_of_organization": True,
        "second_attach": 404,
        "second_member": False,
    }
    wrong = {key: said.get(key) for key, value in expected.items() if said.get(key) != value}
    if said.get("enroll") != 201 or not said.get("enrolled"):
        wrong["enroll"] = f"{said.get('enroll')} {said.get('enroll_body')}"
    if wrong:
        raise ScenarioFailed(f"the learner's path went wrong: {wrong}")


def _code_and_run(rows: list[dict[str, str]]) -> tuple[str, str]:
    """The first code of the sheet and its contract run, whatever the header's wording."""
    if not rows:
        raise ScenarioFailed("the codes sheet is empty")
    row = rows[0]
    code = next(v for k, v in row.items() if "code" in k.lower() and "link" not in k.lower())
    run_key = next(v for v in row.values() if v.startswith("course-v1:"))
    return code, run_key


def starts(path: Path | None) -> int:
    """The `start` lines of the target's process log (scripts/real-mitxonline's `manage`)."""
    if path is None or not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.startswith("start\t"))


def programs(run: Run) -> None:
    """The program workflow (stacks/Pulumi.program-contract.yaml): a program of three new
    source courses sold to a code and a managed contract converges, a second `up` runs no
    write; then the program's title, the order of its required courses and `b2b_only`
    change in place (the remote program `write_program` inside MITx Online, and a
    b2b-only program read by `print_program`), each `up` followed by an empty preview."""
    catalog = run.shipped("program-contract")
    project = run.stack("programs", catalog)
    run.up(project)
    second = run.pulumi(project, "up", "--yes", "--skip-preview", "--expect-no-changes")
    if run.record.steps[-1].writes:
        raise ScenarioFailed(
            f"the second `up` ran {run.record.steps[-1].writes} write commands:\n{_tail(second.stdout)}"
        )
    courses = len(catalog["programs"][0]["requirements"]["required"]) + len(
        catalog["programs"][0]["requirements"]["elective"]
    )
    for index in range(len(catalog["contracts"])):
        runs = contract_of(project, catalog, index).get("run_keys") or []
        if len(runs) != courses:
            raise ScenarioFailed(
                f"contract {index}: {len(runs)} contract runs for a program of {courses} courses: {runs}"
            )
    program = catalog["programs"][0]
    program["title"] = f"{program['title']}, Second Edition"
    program["requirements"]["required"].reverse()
    project.set_config("catalog", catalog)
    run.up(project)
    program["b2b_only"] = True
    project.set_config("catalog", catalog)
    run.up(project)


SCENARIOS: dict[str, Callable[[Run], None]] = {
    "workflows": workflows,
    "drift": drift,
    "seats": seats,
    "protection": protection,
    "adopt": adopt,
    "sessions": sessions,
    "sigkill": sigkill,
    "env-stripped": env_stripped,
    "learner": learner,
    "programs": programs,
}


def process_starts(target: Target, before: int) -> int | None:
    """manage.py processes started since the target's log counted `before`."""
    if target.commands_log is None:
        return None
    return starts(target.commands_log) - before
