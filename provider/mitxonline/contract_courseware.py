"""mitxonline:ContractCourseware: the courses of one contract, and their contract runs.

Courses are added with one `b2b_courseware add [--make-codes] <contract> <first> --also
<rest>` (docs/platforms/mitxonline.md §2, §9: one start-up cost for all of them) and
dropped with one `b2b_courseware remove <contract> <first> --also <rest>`. For each
course MITx Online makes a contract run from the course's source run and queues its
clone in edX (docs/platforms/mitxonline.md §9); the clone is asynchronous, so create and update wait until edX has
every contract run (docs/platforms/mitxonline.md §9), for the resource's `clone_timeout` seconds when it declares
one, else for the stack's `cloneTimeout` (`courseware:mitxonline`, provider/settings.py).
MITx Online shows nowhere whether a clone was queued, is still being retried or failed
for good (the task lives in its Celery worker), so the wait only ends early when edX has
every run; when it runs out, the error names the contract, the runs edX lacks, whether
the `add` failed in a way that may have stopped it before it queued their clone, and
what to do next.

`add` on a contract that is inactive or outside its dates does its work and then exits
1 (docs/platforms/mitxonline.md §4). An inactive contract is refused before any command; for one
outside its dates the failure is read as "maybe applied": the runs are read back, and
when they are all there the add counts as done, with a warning that `--make-codes` did
not run (mitxonline:EnrollmentCodes then makes the codes).

Observed through `GET /api/internal/courses/?readable_id=` for each declared course
(docs/platforms/mitxonline.md §6): a course belongs to the contract when it has a live run whose `b2b_contract` is
the contract (`remove` unlinks a run, or leaves a run with enrollments linked but not
live, docs/platforms/mitxonline.md §9). Courses attached by hand that the declaration never named are not looked
for: that would take one `b2b_list courseware` command per contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.attempts import Recovered
from provider.base import ProviderBase
from provider.declared import changed_fields, check_declared, parse_declared
from provider.errors import (
    CommandRefused,
    ContractLocked,
    DeclarationError,
    FieldProblem,
    PlatformError,
    ProviderError,
    without_log_records,
)
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import declared_inputs, known_contract_id, write_or_recover
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CONTRACT_STATE_FIELDS, ContractCoursewareArgs, RestCourse
from provider.mitxonline.shapes import runs_by_course
from provider.resource import DeclaredResource

_log = logger("mitxonline.contract_courseware")

CREATE_ONLY = ("contract_id",)
# The contract's state, passed along for the guard before `add`, and which courses the
# stack does not make, for check's look before `add`: neither is compared by diff (the
# contract's own resource compares its state; an existing course stays the same course).
GUARDS = (*CONTRACT_STATE_FIELDS, "existing_courses")
# The input naming the courses an update drops: their contract runs are retired and
# their unused codes deleted (docs/platforms/mitxonline.md §9).
REMOVED = "courses_removed"


def contract_runs(client: MitxOnline, contract_id: int, courses: Sequence[str]) -> dict[str, list[str]]:
    """For each course with a live run in the contract, its contract run keys."""
    return runs_by_course((client.course(course) for course in courses), contract_id)


def _removed_courses(olds: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """The courses of the old inputs that the checked new ones no longer declare."""
    old, new = olds.get("courses"), values.get("courses")
    if not isinstance(old, list) or not isinstance(new, list):
        return []
    return sorted(set(old) - set(new))


def _declares_clone_timeout(props: Mapping[str, Any]) -> bool:
    return props.get("clone_timeout") is not None


def _outputs(args: ContractCoursewareArgs, runs: dict[str, list[str]], props: Mapping[str, Any]) -> dict[str, Any]:
    # An undeclared `clone_timeout` stays out of state: the stack's `cloneTimeout` applies,
    # and changing it changes no resource.
    omitted = set() if _declares_clone_timeout(props) else {"clone_timeout"}
    return {
        **args.model_dump(mode="json", exclude=omitted),
        "contract_runs": runs,
        "run_keys": sorted(key for keys in runs.values() for key in keys),
    }


@dataclass(frozen=True)
class CloneWait:
    """How long to wait for edX, and which setting said so (for the error)."""

    seconds: float
    setting: str

    @classmethod
    def of(cls, args: ContractCoursewareArgs, props: Mapping[str, Any], client: MitxOnline) -> CloneWait:
        if _declares_clone_timeout(props):
            return cls(args.clone_timeout, "the resource's clone_timeout")
        return cls(client.clone_timeout, "cloneTimeout in the stack's courseware:mitxonline")


@dataclass
class Added:
    """What this operation's `add` did, for the error when edX never gets a run."""

    courses: list[str]
    # Set when the add failed in a way that may have stopped it before it queued the
    # clones, although the runs were there afterwards.
    failure: str | None = None


def _guard(args: ContractCoursewareArgs) -> None:
    if not args.contract_active:
        raise DeclarationError(
            [
                FieldProblem(
                    "courses",
                    f"contract {args.contract_id} is inactive: `b2b_courseware add` would make the runs, clone "
                    "them in edX and then fail, and an inactive contract can never be saved again "
                    "(docs/platforms/mitxonline.md §4). Add the courses to an active contract",
                )
            ]
        )


def _window_warning(args: ContractCoursewareArgs, today: dt.date) -> str:
    if args.contract_start is not None and today < args.contract_start:
        return f"it starts on {args.contract_start.isoformat()}"
    if args.contract_end is not None and args.contract_end < today:
        return f"it ended on {args.contract_end.isoformat()}"
    return "it is outside its dates"


def _add(client: MitxOnline, args: ContractCoursewareArgs, courses: list[str]) -> tuple[dict[str, list[str]], Added]:
    what = f"contract {args.contract_id}"
    invocation = commands.courseware_add(args.contract_id, courses, make_codes=args.make_codes)

    def added() -> bool:
        runs = contract_runs(client, args.contract_id, courses)
        return all(course in runs for course in courses)

    written = write_or_recover(client, invocation, f"add {', '.join(courses)} to {what}", added)
    runs = contract_runs(client, args.contract_id, args.courses)
    if isinstance(written, Recovered) and isinstance(written.failure, ContractLocked):
        # The clones were queued before the final save failed (docs/platforms/mitxonline.md §4).
        # Codes are mentioned only when this add was to make them: a contract that gets
        # none (managed, auto) has nothing missing (issue 24).
        codes = (
            "; `--make-codes` did not run, so mitxonline:EnrollmentCodes makes the codes with `b2b_codes "
            "validate`, which works on it"
            if args.make_codes
            else ""
        )
        _log.warning(
            "%s: MITx Online made the contract runs of %s, then could not save the contract because %s "
            "(docs/platforms/mitxonline.md §4). The runs are there%s",
            what,
            ", ".join(courses),
            _window_warning(args, client.today()),
            codes,
        )
        return runs, Added(courses)
    if isinstance(written, Recovered):
        # It failed, and the runs were there all the same (the helper warned).
        return runs, Added(courses, _first_line(written.failure))
    done = written.value
    missing = [course for course in courses if course not in runs]
    if missing:
        raise PlatformError(
            f"`b2b_courseware add` for {what} exited 0 but made no contract run for {', '.join(missing)}; "
            # Its stderr's log records are left out: with --make-codes they name each code made.
            f"it said:\n{done.stdout.strip()[-800:]}\n{without_log_records(done.stderr)[-800:]}"
        )
    return runs, Added(courses)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(error).__name__


def _remove(client: MitxOnline, contract_id: int, courses: list[str]) -> None:
    """Retire the contract runs of `courses`, and say what that did to learners' codes."""
    what = f"contract {contract_id}"
    retired = sorted(key for keys in contract_runs(client, contract_id, courses).values() for key in keys)
    write_or_recover(
        client,
        commands.courseware_remove(contract_id, courses),
        f"remove {', '.join(courses)} from {what}",
        lambda: not contract_runs(client, contract_id, courses),
    )
    # What `remove` does to a run (docs/platforms/mitxonline.md §9); counted beforehand by
    # `courseware plan-summary`, so no extra read is paid here.
    _log.warning(
        "%s: removed %s. MITx Online retired the contract run(s) %s (no longer live, enrollment closed) and "
        "deleted their unused enrollment codes; codes already redeemed for them are kept but no longer give "
        "access. Declaring the course again makes a new contract run with new codes",
        what,
        ", ".join(courses),
        ", ".join(retired) or "(none left)",
    )


def _wait_for_edx(
    client: MitxOnline, args: ContractCoursewareArgs, runs: dict[str, list[str]], wait: CloneWait, added: Added
) -> None:
    course_of = {key: course for course, keys in runs.items() for key in keys}
    # Runs this operation's `add` made were only queued for cloning: looking for them at
    # once is a wasted read. Runs an earlier operation added are looked for at once.
    just_added = any(course in added.courses for course in course_of.values())
    # In the order the add queued their clones (its courses' order), which is the order
    # MITx Online's worker clones them in: the wait looks at a run only once those
    # before it are there.
    order = {course: index for index, course in enumerate(added.courses)}
    keys = sorted(course_of, key=lambda key: (order.get(course_of[key], len(order)), key))
    missing = client.wait_for_edx(keys, wait.seconds, just_added=just_added)
    if not missing:
        return
    listed = "; ".join(f"{key} (course {course_of[key]})" for key in missing)
    if not any(course_of[key] in added.courses for key in missing):
        origin = (
            "An earlier `b2b_courseware add` made these runs in MITx Online and queued their clone: it is "
            "still being retried, or it failed for good."
        )
    elif added.failure is not None:
        origin = (
            f"`b2b_courseware add` failed ({added.failure}) after making the runs in MITx Online, so it may "
            "have stopped before it queued their clone."
        )
    else:
        origin = "`b2b_courseware add` made the runs in MITx Online and queued their clone in edX."
    raise PlatformError(
        f"contract {args.contract_id}: edX still has no contract run {listed} after "
        f"{wait.seconds:g} s ({wait.setting}). {origin} MITx Online clones contract runs in edX "
        "asynchronously (its Celery task openedx.tasks.clone_courserun) and retries a failed clone for about "
        "75 minutes (docs/platforms/mitxonline.md §9). Next: run `pulumi up` again later; it keeps the runs and only "
        "waits for edX again. If the run never appears, check that task in MITx Online's worker logs "
        '("Couldn\'t clone", "clone_courserun exhausted retries"): a clone that failed for good is never '
        "retried (docs/platforms/mitxonline.md §9), so make the run in edX by hand (edx:CourseRun with source_key = "
        "the course's source "
        "run), then run `pulumi up`"
    )


def _source_run_problem(course: RestCourse | None) -> str | None:
    """Why `b2b_courseware add` would make no contract run of `course` (as REST shows it,
    None when it does not exist), or None. The command copies a source run of the course
    (docs/platforms/mitxonline.md §9); a source run is never a contract run, and REST shows
    no source-run flag, so a course with only contract runs certainly has none."""
    if course is None:
        return "does not exist in MITx Online"
    if not any(run.b2b_contract is None for run in course.courseruns):
        return "has no source run in MITx Online (every run it has belongs to a contract)"
    return None


def _missing_courses(olds: Mapping[str, Any], values: Mapping[str, Any]) -> list[CheckFailure]:
    """Refuse at preview a course that `add` would find missing: each course this stack
    does not make (`existing_courses`) and the plan adds is looked up through REST, never
    a command (docs/platforms/mitxonline.md §2). A no-op preview adds nothing and reads nothing."""
    courses, existing = values.get("courses"), values.get("existing_courses")
    if not isinstance(courses, list) or not existing:
        return []
    old_courses = olds.get("courses")
    before: list[Any] = old_courses if isinstance(old_courses, list) else []
    adding = [course for course in courses if course in existing and course not in before]
    failures = []
    for course in adding:
        index = courses.index(course)
        try:
            problem = _source_run_problem(platforms.mitxonline().course(course))
        except ProviderError as error:
            problem = f"could not be looked up in MITx Online ({_first_line(error)})"
        if problem is not None:
            failures.append(
                CheckFailure(
                    f"courses[{index}]",
                    f"{course} {problem}, so `b2b_courseware add` would make no contract run for it. It is listed "
                    "under catalog.existing_source_courses: fix the course id, or declare the course under "
                    "catalog.source_courses so that this stack makes it",
                )
            )
    return failures


class ContractCoursewareProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(ContractCoursewareArgs, {k: v for k, v in news.items() if k != REMOVED})
        checked.failures.extend(_missing_courses(olds, checked.values))
        if not _declares_clone_timeout(news):
            # Not declared: the stack's `cloneTimeout` applies when the wait starts; it is
            # no input of the resource.
            checked.inputs.pop("clone_timeout", None)
        removed = _removed_courses(olds, checked.values)
        if removed:
            # Named in the inputs for the policy pack (`contract-course-removal`), which
            # sees only the new inputs; diff ignores the key, plan-summary spells it out.
            checked.inputs[REMOVED] = removed
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        news = known_contract_id(olds, news)
        changed = [n for n in changed_fields(ContractCoursewareArgs, olds, news) if n not in GUARDS]
        return DiffResult(changes=bool(changed), replaces=[n for n in changed if n in CREATE_ONLY])

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(ContractCoursewareArgs, props)
        client = platforms.mitxonline()
        wait = CloneWait.of(args, props, client)
        runs = contract_runs(client, args.contract_id, args.courses)
        to_add = [course for course in args.courses if course not in runs]
        added = Added([])
        if to_add:
            _guard(args)
            runs, added = _add(client, args, to_add)
        else:
            _log.info("contract %s already has every declared course: adopting them", args.contract_id)
        _wait_for_edx(client, args, runs, wait, added)
        return CreateResult(str(args.contract_id), _outputs(args, runs, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(ContractCoursewareArgs, props)
        runs = contract_runs(platforms.mitxonline(), args.contract_id, args.courses)
        if not runs:
            return ReadResult("", {})
        outs = {**_outputs(args, runs, props), "courses": sorted(runs)}
        return ReadResult(id_, outs, declared_inputs(ContractCoursewareArgs, outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(ContractCoursewareArgs, news)
        client = platforms.mitxonline()
        wait = CloneWait.of(args, news, client)
        known = sorted({*args.courses, *olds.get("courses", [])})
        runs = contract_runs(client, args.contract_id, known)
        to_add = [course for course in args.courses if course not in runs]
        to_remove = [course for course in runs if course not in args.courses]
        if to_remove:
            _remove(client, args.contract_id, to_remove)
        added = Added([])
        if to_add:
            _guard(args)
            _, added = _add(client, args, to_add)
        runs = contract_runs(client, args.contract_id, args.courses)
        _wait_for_edx(client, args, runs, wait, added)
        return UpdateResult(_outputs(args, runs, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = platforms.mitxonline()
        attached = sorted(contract_runs(client, int(id_), props.get("courses", [])))
        if not attached:
            return
        try:
            _remove(client, int(id_), attached)
        except ContractLocked as failure:
            _log.warning("contract %s: %s", id_, failure.reason)
        except CommandRefused as failure:
            _log.info("contract %s: %s; nothing to remove", id_, failure.reason)


class ContractCourseware(DeclaredResource, module="mitxonline", name="ContractCourseware"):
    """The courses of a contract; see docs/resources/mitxonline-contract-courseware.md."""

    args_model = ContractCoursewareArgs
    provider_class = ContractCoursewareProvider
    output_names = ("contract_runs", "run_keys")
