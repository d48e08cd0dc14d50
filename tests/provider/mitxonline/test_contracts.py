"""mitxonline:Organization, Contract, ContractCourseware and EnrollmentCodes against the
sandbox: workflow 3 of docs/platforms/mitxonline.md §11, the seat change, removal, and the commands each
step costs."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from provider import platforms
from provider.edx.keys import CourseKey
from provider.errors import PlatformError, Refused
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.contract_courseware import ContractCoursewareProvider
from provider.mitxonline.enrollment_codes import EnrollmentCodesProvider
from provider.mitxonline.organization import OrganizationProvider
from tests.provider.mitxonline.conftest import Commands, SourceCourse, checked, configured, make_source_course
from tests.sandbox.helpers import Sandbox

SSO_ID = "0b5c4a62-7d57-4f38-a0bb-1e1f0e4c4b51"


@dataclass
class Org:
    key: str
    name: str


@pytest.fixture
def org(mitxonline: Sandbox) -> Org:
    key = Sandbox.unique("BIG").upper()
    return Org(key, f"BigCo {key}")


def contract_inputs(sandbox: Sandbox, org: Org, **changes: Any) -> dict[str, Any]:
    provider = configured(sandbox, ContractProvider)
    fields = {"organization": org.key, "organization_name": org.name, "name": f"{org.name} Contract",
              "membership_type": "code", "max_learners": 15, **changes}  # fmt: skip
    return checked(provider, **fields)


def courseware_inputs(sandbox: Sandbox, contract_id: int, *courses: str, **changes: Any) -> dict[str, Any]:
    provider = configured(sandbox, ContractCoursewareProvider)
    return checked(provider, contract_id=contract_id, courses=list(courses), clone_timeout=60, **changes)


def codes_inputs(sandbox: Sandbox, contract_id: int, run_keys: list[str], seats: int = 15) -> dict[str, Any]:
    provider = configured(sandbox, EnrollmentCodesProvider)
    return checked(provider, contract_id=contract_id, membership_type="code", max_learners=seats, run_keys=run_keys)


def export(sandbox: Sandbox, contract_id: int, commands: Commands | None = None) -> dict[str, Any]:
    """The contract as `b2b_contract export` shows it; the test's own command is not counted."""
    document: dict[str, Any] = json.loads(sandbox.cli("manage", "b2b_contract", "export", str(contract_id)))
    if commands is not None:
        commands.take()
    return document


@pytest.fixture
def source(mitxonline: Sandbox) -> SourceCourse:
    return make_source_course(mitxonline, Sandbox.unique("A"))


def test_workflow_3_single_course_contract_with_15_then_20_codes(
    mitxonline: Sandbox, commands: Commands, org: Org, source: SourceCourse
) -> None:
    commands.take()
    organizations = configured(mitxonline, OrganizationProvider)
    org_inputs = checked(
        organizations, org_key=org.key, name=org.name, sso_organization_id=SSO_ID, org_key_prefix="UAI_"
    )
    pending = organizations.create(org_inputs)
    assert pending.outs["organization_id"] is None
    assert commands.take() == ["shell"]  # both b2b_list tables in one command

    contracts = configured(mitxonline, ContractProvider)
    created = contracts.create(contract_inputs(mitxonline, org, sso_organization_id=SSO_ID))
    contract_id = created.outs["contract_id"]
    # The organization's read listed the contracts too: the slug check needs no command.
    assert commands.take() == ["b2b_contract import"]
    exported = export(mitxonline, contract_id, commands)
    assert exported["organization"]["org_key"] == org.key
    assert exported["organization"]["sso_organization_id"] == SSO_ID
    assert (exported["contract"]["membership_type"], exported["contract"]["max_learners"]) == ("code", 15)

    courseware = configured(mitxonline, ContractCoursewareProvider)
    attached = courseware.create(courseware_inputs(mitxonline, contract_id, source.course))
    run_key = f"course-v1:UAI_{org.key}+{source.course.split('+')[1]}+1T{contract_id}C{dt.date.today().year}_en"
    assert attached.outs["run_keys"] == [run_key]
    assert commands.take() == ["b2b_courseware add"]
    assert platforms.edx().find_course_run(CourseKey.parse(run_key)) is not None

    codes = configured(mitxonline, EnrollmentCodesProvider)
    made = codes.create(codes_inputs(mitxonline, contract_id, [run_key]))
    assert (made.outs["count"], made.outs["expected_count"]) == (15, 15)
    assert len({row["code"] for row in made.outs["codes"]}) == 15
    # The codes come back through one `shell` that runs `b2b_codes output` (docs/decisions.md).
    assert commands.take() == ["b2b_codes validate", "shell"]

    # Seats 15 -> 20: an in-place update of the contract, then of the codes.
    more = contract_inputs(mitxonline, org, sso_organization_id=SSO_ID, max_learners=20)
    assert contracts.diff(str(contract_id), created.outs, more).changes is True
    assert contracts.diff(str(contract_id), created.outs, more).replaces == []
    contracts.update(str(contract_id), created.outs, more)
    assert commands.take() == ["b2b_contract modify"]
    assert export(mitxonline, contract_id, commands)["contract"]["max_learners"] == 20
    topped = codes.update(str(contract_id), made.outs, codes_inputs(mitxonline, contract_id, [run_key], seats=20))
    assert topped.outs["count"] == 20
    # An update reads the codes it holds first (extra codes stop it before any write).
    assert commands.take() == ["shell", "b2b_codes validate", "shell"]

    # A refresh: the organization now exists, and reads cost shared listings only.
    platforms.mitxonline().shared.forget()
    commands.take()
    refreshed = organizations.read(org.key, pending.outs)
    assert refreshed.outs is not None and refreshed.outs["organization_id"] is not None
    assert refreshed.outs["sso_organization_id"] == SSO_ID
    contract_read = contracts.read(str(contract_id), created.outs)
    assert contract_read.inputs is not None and contract_read.inputs["max_learners"] == 20
    codes_read = codes.read(str(contract_id), topped.outs)
    assert codes_read.outs is not None and codes_read.outs["count"] == 20
    assert commands.take() == ["shell", "shell"]  # the listings, the codes


def test_a_second_create_adopts_the_contract_and_its_courseware(
    mitxonline: Sandbox, commands: Commands, org: Org, source: SourceCourse
) -> None:
    contracts = configured(mitxonline, ContractProvider)
    first = contracts.create(contract_inputs(mitxonline, org))
    courseware = configured(mitxonline, ContractCoursewareProvider)
    inputs = courseware_inputs(mitxonline, first.outs["contract_id"], source.course)
    courseware.create(inputs)
    platforms.mitxonline().shared.forget()
    commands.take()
    again = contracts.create(contract_inputs(mitxonline, org))
    assert again.id == first.id
    courseware.create(inputs)
    assert "b2b_contract import" not in commands.take()
    assert [row for row in commands.take() if row.startswith("b2b_courseware")] == []


def test_two_courses_are_added_in_one_command_and_one_is_removed(
    mitxonline: Sandbox, commands: Commands, org: Org, source: SourceCourse
) -> None:
    other = make_source_course(mitxonline, Sandbox.unique("B"))
    contract_id = configured(mitxonline, ContractProvider).create(contract_inputs(mitxonline, org)).outs["contract_id"]
    courseware = configured(mitxonline, ContractCoursewareProvider)
    commands.take()
    both = courseware.create(courseware_inputs(mitxonline, contract_id, source.course, other.course))
    assert len(both.outs["run_keys"]) == 2
    assert commands.take() == ["b2b_courseware add"]

    updated = courseware.update(str(contract_id), both.outs, courseware_inputs(mitxonline, contract_id, source.course))
    assert commands.take() == ["b2b_courseware remove"]
    assert list(updated.outs["contract_runs"]) == [source.course]
    read = courseware.read(str(contract_id), both.outs)
    assert read.inputs is not None and read.inputs["courses"] == [source.course]


def test_a_contract_changed_behind_the_providers_back_shows_on_read(mitxonline: Sandbox, org: Org) -> None:
    contracts = configured(mitxonline, ContractProvider)
    created = contracts.create(contract_inputs(mitxonline, org))
    mitxonline.cli("manage", "b2b_contract", "modify", str(created.outs["contract_id"]), "--max-learners", "9")
    platforms.mitxonline().shared.forget()
    read = contracts.read(created.id, created.outs)
    assert read.inputs is not None and read.inputs["max_learners"] == 9
    assert contracts.diff(created.id, read.outs or {}, contract_inputs(mitxonline, org)).changes is True


def test_delete_makes_the_contract_inactive_for_good(mitxonline: Sandbox, commands: Commands, org: Org) -> None:
    contracts = configured(mitxonline, ContractProvider)
    created = contracts.create(contract_inputs(mitxonline, org))
    commands.take()
    contracts.delete(created.id, created.outs)
    assert commands.take() == ["b2b_contract modify"]
    assert export(mitxonline, created.outs["contract_id"])["contract"]["active"] is False
    inactive = {**created.outs, "active": False}
    reactivate = contract_inputs(mitxonline, org)
    assert (
        "never be made active again"
        in {f.property: f.reason for f in contracts.check(inactive, reactivate).failures}["active"]
    )
    with pytest.raises(Refused, match="can never be modified again"):
        contracts.update(created.id, inactive, contract_inputs(mitxonline, org, max_learners=30, active=False))


def test_a_future_contract_is_dated_after_import_and_then_refuses_changes(
    mitxonline: Sandbox, commands: Commands, org: Org, source: SourceCourse
) -> None:
    start = dt.date.today() + dt.timedelta(days=60)
    end = start + dt.timedelta(days=365)
    contracts = configured(mitxonline, ContractProvider)
    commands.take()
    created = contracts.create(contract_inputs(mitxonline, org, start=start.isoformat(), end=end.isoformat()))
    assert commands.take() == ["shell", "b2b_contract import", "b2b_contract modify"]
    contract_id = created.outs["contract_id"]
    assert export(mitxonline, contract_id, commands)["contract"]["contract_start"] == start.isoformat()

    with pytest.raises(Refused, match="outside its dates"):
        contracts.update(created.id, created.outs, contract_inputs(mitxonline, org, start=start.isoformat(),
                                                                   end=end.isoformat(), max_learners=20))  # fmt: skip
    assert commands.take() == []

    # `add` makes the run and then exits 1 (docs/platforms/mitxonline.md §4): maybe applied, read back, done.
    courseware = configured(mitxonline, ContractCoursewareProvider)
    attached = courseware.create(
        courseware_inputs(mitxonline, contract_id, source.course, make_codes=True, contract_start=start.isoformat())
    )
    assert len(attached.outs["run_keys"]) == 1
    codes = configured(mitxonline, EnrollmentCodesProvider).create(
        codes_inputs(mitxonline, contract_id, attached.outs["run_keys"])
    )
    assert codes.outs["count"] == 15


def test_an_add_that_fails_after_doing_its_work_is_adopted(
    mitxonline: Sandbox, faults: Sandbox, org: Org, source: SourceCourse
) -> None:
    contract_id = configured(mitxonline, ContractProvider).create(contract_inputs(mitxonline, org)).outs["contract_id"]
    faults.fault("--command", "b2b_courseware add", "--applied-then-error")
    attached = configured(mitxonline, ContractCoursewareProvider).create(
        courseware_inputs(mitxonline, contract_id, source.course)
    )
    assert len(attached.outs["run_keys"]) == 1


def test_a_clone_that_never_comes_fails_after_the_stacks_clone_timeout(
    mitxonline: Sandbox, faults: Sandbox, org: Org, source: SourceCourse
) -> None:
    """edX refuses the clone MITx Online's worker tries after `add`, which retries it
    only 5 minutes later (docs/platforms/mitxonline.md §9): the create gives up after the stack's `cloneTimeout`
    (3 s here), not after the 900 s default, and says what is missing and what to do."""
    contract_id = configured(mitxonline, ContractProvider).create(contract_inputs(mitxonline, org)).outs["contract_id"]
    faults.fault("--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/clone/", "--status", "500",
                 "--body", "clone refused by the test", "--times", "99")  # fmt: skip
    courseware = ContractCoursewareProvider()
    courseware.configure(ConfigureRequest(Config(mitxonline.stack_config(cloneTimeout=3), "courseware")))
    inputs = checked(courseware, contract_id=contract_id, courses=[source.course])  # no clone_timeout of its own
    started = time.monotonic()
    with pytest.raises(PlatformError) as raised:
        courseware.create(inputs)
    elapsed = time.monotonic() - started
    # The add (one command) and 3 s of waiting; without a stack setting, 900 s.
    assert elapsed < 60, elapsed
    run_key = f"course-v1:UAI_{org.key}+{source.course.split('+')[1]}+1T{contract_id}C{dt.date.today().year}_en"
    message = str(raised.value)
    assert message.startswith(
        f"contract {contract_id}: edX still has no contract run {run_key} (course {source.course}) after 3 s "
        "(cloneTimeout in the stack's courseware:mitxonline)."
    ), message
    assert "queued their clone in edX" in message
    assert "run `pulumi up` again later" in message and "openedx.tasks.clone_courserun" in message
    assert platforms.edx().find_course_run(CourseKey.parse(run_key)) is None


def test_cloned_runs_cost_at_most_two_studio_reads_each(mitxonline: Sandbox, source: SourceCourse) -> None:
    """Issue 27: the clone wait looks for a just-added run about when this process's
    clones have been landing, with the sandbox's clone delay (1 s), instead of at once
    and every half second after. Six contracts of two courses, one after the other, as
    one provider process would: the first teaches the clone time."""
    other = make_source_course(mitxonline, Sandbox.unique("B"))
    contracts = configured(mitxonline, ContractProvider)
    courseware = configured(mitxonline, ContractCoursewareProvider)
    before = len(mitxonline.log())
    cloned: list[str] = []
    for _ in range(6):
        org = Org(Sandbox.unique("CW").upper(), "")
        org.name = f"Clone Wait {org.key}"
        contract_id = contracts.create(contract_inputs(mitxonline, org)).outs["contract_id"]
        done = courseware.create(courseware_inputs(mitxonline, contract_id, source.course, other.course))
        cloned += done.outs["run_keys"]
    assert len(cloned) == 12
    http = [e for e in mitxonline.log()[before:] if e["kind"] == "http" and e["caller"] == "client"]
    paths = {f"/api/v1/course_runs/{key}/" for key in cloned}
    reads = [e for e in http if e["app"] == "studio" and e["method"] == "GET" and e["path"] in paths]
    assert len(reads) / len(cloned) <= 2, len(reads)
    # Every Studio read of the provider was one of those (no listing, no other run).
    assert [e for e in http if e["app"] == "studio" and e["path"] not in paths] == []
