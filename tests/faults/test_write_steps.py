"""Every write step of every resource under injected faults, at the provider level.

Provider methods are called directly against the package's sandbox (fast: no engine);
`test_engine_faults.py` proves the engine-level behaviour through the real CLI. For each
write step:

- transient: a 500, a 429 with Retry-After or a dropped connection (HTTP), a command
  that fails without running (MITx Online) is retried and the step succeeds;
- applied-then-error: the write is done but answered with an error; the step re-reads,
  finds its work done and goes on, leaving exactly one object (no second write);
- hard: the platform keeps failing; the step raises an error naming the object, the
  step and the platform's answer, and once the fault is cleared the same call (what the
  next `pulumi up` makes) converges.

docs/reliability.md holds the matrix and the result of each case.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from provider import platforms
from provider.base import ProviderBase
from provider.edx.course_run import CourseRunProvider as EdxRunProvider
from provider.errors import CommandTimedOut, Drifted, PlatformError
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.contract_courseware import ContractCoursewareProvider
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider
from provider.mitxonline.enrollment_codes import EnrollmentCodesProvider
from tests.faults.conftest import checked, configured
from tests.sandbox.helpers import Sandbox

START, END = "2026-01-05T00:00:00Z", "2030-12-31T00:00:00Z"


@dataclass
class Case:
    """One prepared write step: `act()` runs it (as `pulumi up` would), `count()` says how
    many of its objects exist with the declared value, `words` are what its error names."""

    act: Callable[[], Any]
    count: Callable[[], int]
    words: tuple[str, ...]


def _edx() -> Any:
    return platforms.edx()


def _studio_count(key: str, title: str) -> int:
    return sum(1 for run in _edx().list_course_runs() if run.id.casefold() == key.casefold() and run.title == title)


def _edx_run(sandbox: Sandbox, key: str, title: str = "Fault Source", **extra: Any) -> dict[str, Any]:
    provider = configured(sandbox, EdxRunProvider)
    inputs = checked(provider, course_key=key, title=title, start=START, end=END, **extra)
    return dict(provider.create(inputs).outs)


# -- edX Studio steps ------------------------------------------------------------------


def studio_create(sandbox: Sandbox) -> Case:
    key = f"course-v1:FLT+{Sandbox.unique('C')}+1T2026"
    provider = configured(sandbox, EdxRunProvider)
    inputs = checked(provider, course_key=key, title="Made by POST", start=START, end=END)
    return Case(lambda: provider.create(inputs), lambda: _studio_count(key, "Made by POST"), ("create", key))


def _copy(sandbox: Sandbox, source_org: str) -> Case:
    number = Sandbox.unique("R")
    source = f"course-v1:{source_org}+{number}+SOURCE"
    _edx_run(sandbox, source)
    key = f"course-v1:FLT+{number}+1T2026"
    provider = configured(sandbox, EdxRunProvider)
    inputs = checked(
        provider,
        course_key=key,
        title="Copied",
        start=START,
        end=END,
        enrollment_start="2026-01-01T00:00:00Z",
        source_key=source,
    )
    step = "rerun" if source_org == "FLT" else "clone"
    return Case(lambda: provider.create(inputs), lambda: _studio_count(key, "Copied"), (step, key))


def studio_rerun(sandbox: Sandbox) -> Case:
    return _copy(sandbox, "FLT")


def studio_clone(sandbox: Sandbox) -> Case:
    return _copy(sandbox, "FLTSRC")


def studio_patch(sandbox: Sandbox) -> Case:
    key = f"course-v1:FLT+{Sandbox.unique('P')}+1T2026"
    olds = _edx_run(sandbox, key, "Before")
    provider = configured(sandbox, EdxRunProvider)
    news = checked(provider, olds, course_key=key, title="After", start=START, end=END)
    return Case(lambda: provider.update(key, olds, news), lambda: _studio_count(key, "After"), ("update", key))


HTTP_STEPS: dict[str, tuple[Callable[[Sandbox], Case], tuple[str, ...]]] = {
    "studio POST create": (studio_create, ("--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/")),
    "studio POST rerun": (studio_rerun, ("--method", "POST", "--path", "/api/v1/course_runs/*/rerun/")),
    "studio POST clone": (studio_clone, ("--method", "POST", "--path", "/api/v1/course_runs/clone/")),
    "studio PATCH": (studio_patch, ("--method", "PATCH", "--path", "/api/v1/course_runs/*")),
}

TRANSIENT_HTTP = {
    "500": ("--status", "500"),
    "429 Retry-After": ("--status", "429", "--retry-after", "1"),
    "dropped connection": ("--drop",),
}


def _writes(sandbox: Sandbox, before: int, target: tuple[str, ...]) -> int:
    method = target[target.index("--method") + 1]
    path = target[target.index("--path") + 1]
    return sum(
        1
        for e in sandbox.log()[before:]
        if e["kind"] == "http" and e["method"] == method and fnmatch.fnmatchcase(e["path"], path)
    )


@pytest.mark.parametrize("mode", list(TRANSIENT_HTTP))
@pytest.mark.parametrize("step", list(HTTP_STEPS))
def test_studio_transient_failure_is_retried(providers: Sandbox, step: str, mode: str) -> None:
    prepare, target = HTTP_STEPS[step]
    case = prepare(providers)
    rule = providers.fault(*target, *TRANSIENT_HTTP[mode])
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    assert [r["fired"] for r in map(_rule_json, providers.cli("fault list").splitlines()) if r["id"] == rule["id"]] == [
        1
    ]
    # The failed write and its successful repeat.
    assert _writes(providers, before, target) == 2


@pytest.mark.parametrize("step", list(HTTP_STEPS))
def test_studio_write_applied_then_error_leaves_one_run(providers: Sandbox, step: str) -> None:
    prepare, target = HTTP_STEPS[step]
    case = prepare(providers)
    providers.fault(*target, "--applied-then-error")
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    if "POST" in step:
        # The GET after the error found the run: no second POST (a rerun or clone would
        # have been refused as a duplicate anyway, docs/platforms/edx.md §3).
        assert _writes(providers, before, target) == 1
    case.act()  # what the next `pulumi up` would do if the first had not been recorded
    assert case.count() == 1


@pytest.mark.parametrize("step", list(HTTP_STEPS))
def test_studio_hard_failure_names_step_and_answer_then_converges(providers: Sandbox, step: str) -> None:
    prepare, target = HTTP_STEPS[step]
    case = prepare(providers)
    providers.fault(
        *target, "--status", "500", "--body", '{"detail": "studio is down for maintenance"}', "--times", "99"
    )
    with pytest.raises(PlatformError) as failure:
        case.act()
    message = str(failure.value)
    assert all(word in message for word in case.words), message
    assert "500" in message and "studio is down for maintenance" in message
    assert case.count() == 0
    providers.clear_faults()
    case.act()
    assert case.count() == 1


def _rule_json(line: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(line)
    return value


# -- MITx Online management commands ---------------------------------------------------

_ORG_SEQ = iter(range(10_000))


@pytest.fixture(scope="module")
def source_course(faulty: Sandbox) -> str:
    """One source course (edX run, course, source run, page) for every contract here."""
    number = Sandbox.unique("S")
    course, run = f"course-v1:UAI_SOURCE+{number}", f"course-v1:UAI_SOURCE+{number}+SOURCE"
    _edx_run(faulty, run, pacing="self_paced")
    for provider_class, fields in (
        (CourseProvider, {"readable_id": course, "title": "Fault Source"}),
        (CourseRunProvider, {"courseware_id": run, "course": course, "is_source_run": True}),
        (CoursePageProvider, {"course": course}),
    ):
        provider = configured(faulty, provider_class)
        provider.create(checked(provider, **fields))
    platforms.mitxonline().shared.forget()
    return course


def _fresh() -> Any:
    client = platforms.mitxonline()
    client.shared.forget()
    return client


def mitx_course(sandbox: Sandbox) -> Case:
    course = f"course-v1:FLT+{Sandbox.unique('M')}"
    provider = configured(sandbox, CourseProvider)
    inputs = checked(provider, readable_id=course, title="Fault Course")
    return Case(lambda: provider.create(inputs), lambda: int(_fresh().course(course) is not None), (course,))


def _mitx_course_with_edx_run(sandbox: Sandbox) -> tuple[str, str]:
    number = Sandbox.unique("M")
    course, run = f"course-v1:FLT+{number}", f"course-v1:FLT+{number}+1T2026"
    _edx_run(sandbox, run, "Imported")
    provider = configured(sandbox, CourseProvider)
    provider.create(checked(provider, readable_id=course, title="Imported"))
    return course, run


def _runs(course: str, run: str) -> list[Any]:
    live = _fresh().course(course)
    return [] if live is None else [r for r in live.courseruns if r.courseware_id == run]


def mitx_import_run(sandbox: Sandbox) -> Case:
    course, run = _mitx_course_with_edx_run(sandbox)
    provider = configured(sandbox, CourseRunProvider)
    inputs = checked(provider, courseware_id=run, course=course)
    return Case(lambda: provider.create(inputs), lambda: len(_runs(course, run)), (run,))


def mitx_course_import(sandbox: Sandbox) -> Case:
    """A new course made the runbook's way: one import_courserun makes course, run and page."""
    number = Sandbox.unique("N")
    course, run = f"course-v1:FLT+{number}", f"course-v1:FLT+{number}+SOURCE"
    _edx_run(sandbox, run, "Imported course")
    provider = configured(sandbox, CourseProvider)
    first = {"courseware_id": run, "is_source_run": True, "page": {}}
    inputs = checked(provider, readable_id=course, title="Imported course", import_run=first)

    def count() -> int:
        live = _fresh().course(course)
        return int(live is not None and live.page is not None and len(_runs(course, run)) == 1)

    return Case(lambda: provider.create(inputs), count, (course,))


def mitx_page(sandbox: Sandbox) -> Case:
    course = f"course-v1:FLT+{Sandbox.unique('G')}"
    provider = configured(sandbox, CourseProvider)
    provider.create(checked(provider, readable_id=course, title="Paged"))
    pages = configured(sandbox, CoursePageProvider)
    inputs = checked(pages, course=course)

    def count() -> int:
        live = _fresh().course(course)
        return int(live is not None and live.page is not None)

    return Case(lambda: pages.create(inputs), count, (course,))


def mitx_sync(sandbox: Sandbox) -> Case:
    course, run = _mitx_course_with_edx_run(sandbox)
    provider = configured(sandbox, CourseRunProvider)
    olds = dict(provider.create(checked(provider, courseware_id=run, course=course)).outs)
    sandbox.cli("edx set-course", run, "--title", "Renamed in edX")
    news = checked(provider, olds, courseware_id=run, course=course, title="Renamed in edX")

    def count() -> int:
        return sum(1 for r in _runs(course, run) if r.title == "Renamed in edX")

    return Case(lambda: provider.update(run, olds, news), count, ("sync", run))


def _contract(sandbox: Sandbox, **fields: Any) -> tuple[ContractProvider, dict[str, Any], str]:
    org = f"FLT{next(_ORG_SEQ)}{Sandbox.unique('').upper()}"
    provider = configured(sandbox, ContractProvider)
    inputs = checked(
        provider,
        organization=org,
        organization_name=f"Faults {org}",
        name=f"Faults {org} Contract",
        membership_type="code",
        max_learners=3,
        **fields,
    )
    return provider, inputs, org


def _contracts_of(org: str) -> list[Any]:
    return [row for row in _fresh().contracts() if row.org_name == f"Faults {org}"]


def mitx_contract_import(sandbox: Sandbox) -> Case:
    provider, inputs, org = _contract(sandbox)
    return Case(lambda: provider.create(inputs), lambda: len(_contracts_of(org)), (org,))


def mitx_contract_modify(sandbox: Sandbox) -> Case:
    provider, inputs, org = _contract(sandbox)
    olds = dict(provider.create(inputs).outs)
    news = checked(provider, olds, **{**{k: v for k, v in inputs.items() if k != "__provider"}, "max_learners": 7})

    def count() -> int:
        return sum(1 for row in _contracts_of(org) if row.max_learners == 7)

    return Case(lambda: provider.update(olds["contract_id"], olds, news), count, ("modify", org.lower()))


def _contract_runs(contract_id: int, course: str) -> int:
    live = _fresh().course(course)
    return 0 if live is None else sum(1 for r in live.courseruns if r.b2b_contract == contract_id and r.live)


def _with_courseware(sandbox: Sandbox, course: str) -> tuple[int, dict[str, Any], ContractCoursewareProvider]:
    provider, inputs, _ = _contract(sandbox)
    contract_id = int(provider.create(inputs).outs["contract_id"])
    courseware = configured(sandbox, ContractCoursewareProvider)
    return contract_id, checked(courseware, contract_id=contract_id, courses=[course], clone_timeout=60), courseware


def mitx_courseware_add(sandbox: Sandbox, course: str) -> Case:
    contract_id, inputs, courseware = _with_courseware(sandbox, course)
    return Case(
        lambda: courseware.create(inputs), lambda: _contract_runs(contract_id, course), (str(contract_id), course)
    )


def mitx_courseware_remove(sandbox: Sandbox, course: str) -> Case:
    contract_id, inputs, courseware = _with_courseware(sandbox, course)
    outs = dict(courseware.create(inputs).outs)
    # Counts courses still attached: the step is done when none is.
    return Case(
        lambda: courseware.delete(str(contract_id), outs),
        lambda: 1 - _contract_runs(contract_id, course),
        (str(contract_id), "remove"),
    )


def mitx_codes_validate(sandbox: Sandbox, course: str) -> Case:
    contract_id, inputs, courseware = _with_courseware(sandbox, course)
    run_keys = courseware.create(inputs).outs["run_keys"]
    codes = configured(sandbox, EnrollmentCodesProvider)
    code_inputs = checked(codes, contract_id=contract_id, membership_type="code", max_learners=3, run_keys=run_keys)
    return Case(
        lambda: codes.create(code_inputs),
        lambda: int(len(_fresh().codes(contract_id)) == 3),
        ("validate", str(contract_id)),
    )


COMMAND_STEPS: dict[str, Callable[[Sandbox, str], Case]] = {
    "create_courseware": lambda s, _c: mitx_course(s),
    "import_courserun": lambda s, _c: mitx_import_run(s),
    "import_courserun course": lambda s, _c: mitx_course_import(s),
    "create_courseware_page": lambda s, _c: mitx_page(s),
    "sync_courserun": lambda s, _c: mitx_sync(s),
    "b2b_contract import": lambda s, _c: mitx_contract_import(s),
    "b2b_contract modify": lambda s, _c: mitx_contract_modify(s),
    "b2b_courseware add": mitx_courseware_add,
    "b2b_courseware remove": mitx_courseware_remove,
    "b2b_codes validate": mitx_codes_validate,
}


def _command(step: str) -> str:
    """The command a step of COMMAND_STEPS runs (a step id may add a word after it)."""
    return "import_courserun" if step == "import_courserun course" else step


def _ran(sandbox: Sandbox, before: int, command: str) -> int:
    words = _command(command).split()
    return sum(1 for e in sandbox.log()[before:] if e["kind"] == "command" and e["argv"][: len(words)] == words)


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_command_transient_failure_is_retried(providers: Sandbox, source_course: str, command: str) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    providers.fault("--command", _command(command), "--fail")
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    # The failed try (which did nothing), then the one that worked.
    assert _ran(providers, before, command) == 2


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_command_applied_then_error_is_adopted_not_repeated(
    providers: Sandbox, source_course: str, command: str
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    providers.fault("--command", _command(command), "--applied-then-error")
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    # "Maybe applied": the re-read found the work done, so the command ran once.
    assert _ran(providers, before, command) == 1


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_command_hard_failure_names_step_and_answer_then_converges(
    providers: Sandbox, source_course: str, command: str
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    providers.fault(
        "--command", _command(command), "--fail", "--times", "99", "--body", "CommandError: mitxonline is down"
    )
    with pytest.raises(PlatformError) as failure:
        case.act()
    message = str(failure.value)
    assert all(word in message for word in case.words), message
    assert _command(command).split()[0] in message and "exited 1" in message and "mitxonline is down" in message
    assert case.count() == 0
    providers.clear_faults()
    case.act()
    assert case.count() == 1


def test_a_failed_copy_is_finished_by_the_next_create(providers: Sandbox) -> None:
    """A clone whose follow-up PATCH fails for good leaves the source's copy behind; the
    next create recognises it as its own unfinished copy and finishes it, instead of
    refusing it as someone else's run (`Drifted`)."""
    case = studio_clone(providers)
    providers.fault("--method", "PATCH", "--path", "/api/v1/course_runs/*", "--status", "500", "--times", "99")
    with pytest.raises(PlatformError, match="update"):
        case.act()
    assert case.count() == 0
    providers.clear_faults()
    case.act()
    assert case.count() == 1


def test_a_run_that_is_not_an_unfinished_copy_is_still_refused(providers: Sandbox) -> None:
    case = studio_clone(providers)
    key = case.words[1]
    providers.fault("--method", "PATCH", "--path", "/api/v1/course_runs/*", "--status", "500", "--times", "99")
    with pytest.raises(PlatformError):
        case.act()
    providers.clear_faults()
    # Someone changes the half-made run by hand: it is no longer a plain copy.
    providers.cli("edx set-course", key, "--title", "Changed by hand")
    with pytest.raises(Drifted, match="already exists and differs"):
        case.act()


# -- command sessions (issue 15) ---------------------------------------------------------
# Commands run in a command session by default (provider/mitxonline/session.py), so every
# case above already runs inside one. These are the failures only a session has.


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_a_session_killed_before_the_work_is_restarted_and_the_command_runs_once(
    providers: Sandbox, source_course: str, command: str
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    providers.fault("--command", _command(command), "--drop")
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    # The killed try (exit -9, nothing done), then the one that worked, in a new session.
    name = _command(command).split()[0]
    ran = [e for e in providers.log()[before:] if e["kind"] == "command" and e["argv"][0] == name]
    assert [e["exit_code"] for e in ran][-2:] == [-9, 0] and len({e["session"] for e in ran[-2:]}) == 2


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_a_stream_dropped_after_the_work_is_adopted_not_repeated(
    providers: Sandbox, source_course: str, command: str
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    providers.fault("--command", _command(command), "--applied-then-error", "--drop")
    before = len(providers.log())
    case.act()
    assert case.count() == 1
    # "Maybe applied": the re-read found the work done, so the command ran once.
    assert _ran(providers, before, command) == 1


@pytest.mark.parametrize("command", ["b2b_contract import", "b2b_codes validate"])
def test_a_hung_session_is_killed_at_the_timeout_and_the_next_up_converges(
    providers: Sandbox, source_course: str, command: str
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    configured(providers, ProviderBase, commandTimeout=3)
    providers.fault("--command", _command(command), "--latency", "30")
    try:
        with pytest.raises(CommandTimedOut):
            case.act()
        assert case.count() == 0  # killed while it hung, before its work
        providers.clear_faults()
        case.act()
    finally:
        configured(providers, ProviderBase)
    assert case.count() == 1
