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

Programs (docs/decisions.md §34): the contract's programs are this resource's too, since
a contract run is the contract's whatever path made it: `add <program>` skips a course
that already has a run in the contract, and a course may stand in the contract alone and
through a program with one run. Programs are linked with one `b2b_courseware add
<contract> <first> --also <rest>` in their declared order (each new link goes last), and
added again when a program gains a course (`add` then makes only the missing runs). A
program leaves with `b2b_courseware remove [--remove-program-runs]`: the declared
`remove_program_runs` says whether its runs go too. A program path run is keyed with
`UAI_` whatever the organization's prefix (docs/platforms/mitxonline.md §14). The links
are read from `GET /api/v0/b2b/contracts/` (program ids in order; `b2b_contract export`
for an inactive contract), the runs like the courses' runs.

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

from provider import platforms, rules
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
# The input naming the programs an update unlinks (with `remove_program_runs`, their
# runs are retired as a dropped course's are).
PROGRAMS_REMOVED = "programs_removed"
_PLANNED = (REMOVED, PROGRAMS_REMOVED)


def contract_runs(client: MitxOnline, contract_id: int, courses: Sequence[str]) -> dict[str, list[str]]:
    """For each course with a live run in the contract, its contract run keys."""
    return runs_by_course((client.course(course) for course in courses), contract_id)


def _covered(courses: Sequence[str], program_courses: Mapping[str, Sequence[str]]) -> list[str]:
    """Every course that has a contract run through the declaration: alone or in a program."""
    return sorted({*courses, *(c for listed in program_courses.values() for c in listed)})


def _removed_courses(olds: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """The courses of the old inputs that the checked new ones no longer declare, alone
    or through a program: their runs are retired."""
    old, new = olds.get("courses"), values.get("courses")
    if not isinstance(old, list) or not isinstance(new, list):
        return []
    programs = values.get("program_courses")
    kept = _covered(new, programs if isinstance(programs, dict) else {})
    return sorted(set(old) - set(kept))


def _removed_programs(olds: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    old, new = olds.get("programs"), values.get("programs")
    if not isinstance(old, list) or not isinstance(new, list):
        return []
    return sorted(set(old) - set(new))


def _retire_problems(olds: Mapping[str, Any], values: Mapping[str, Any], removed: list[str]) -> list[CheckFailure]:
    """`remove --remove-program-runs` retires every run of a leaving program's courses in
    the contract (docs/platforms/mitxonline.md §14): refuse it while the contract still
    declares one of those courses, which would lose its run with no warning."""
    if not removed or values.get("remove_program_runs") is not True:
        return []
    old = olds.get("program_courses")
    old_courses: Mapping[str, Any] = old if isinstance(old, dict) else {}
    new_programs = values.get("program_courses")
    kept = _covered(values.get("courses") or [], new_programs if isinstance(new_programs, dict) else {})
    failures = []
    for program in removed:
        retired = rules.retired_with_program(old_courses.get(program) or [], kept)
        if retired:
            failures.append(
                CheckFailure(
                    "remove_program_runs",
                    f"removing program {program} with remove_program_runs: true would retire the contract runs of "
                    f"{', '.join(retired)}, which the contract still declares (alone or through another program); "
                    "set remove_program_runs: false to keep every run, or remove those courses too",
                )
            )
    return failures


def linked_programs(client: MitxOnline, contract_id: int, known: Sequence[str]) -> list[str]:
    """The programs of `known` linked to the contract, in their order.

    REST lists an active contract's program ids in order; an inactive or out-of-window
    contract is missing there, and `b2b_contract export` lists its programs with their
    `sort_order` (docs/platforms/mitxonline.md §14). Programs linked by hand that no
    declaration names are not looked for, as courses are not."""
    if not known:
        return []
    rest = next((c for c in client.rest_contracts() if c.id == contract_id), None)
    if rest is None:
        exported = client.contract_export(contract_id).get("programs") or []
        ordered = sorted(exported, key=lambda item: item.get("sort_order") or 0)
        linked = [str(item.get("readable_id")) for item in ordered if isinstance(item, dict)]
        return [program for program in linked if program in known]
    ids = {}
    for program in known:
        live = client.program_anywhere(program)
        if live is not None:
            ids[live.id] = program
    return [ids[program_id] for program_id in rest.programs if program_id in ids]


def _declares_clone_timeout(props: Mapping[str, Any]) -> bool:
    return props.get("clone_timeout") is not None


def _outputs(
    args: ContractCoursewareArgs, runs: dict[str, list[str]], props: Mapping[str, Any], linked: list[str]
) -> dict[str, Any]:
    # An undeclared `clone_timeout` stays out of state: the stack's `cloneTimeout` applies,
    # and changing it changes no resource.
    omitted = set() if _declares_clone_timeout(props) else {"clone_timeout"}
    return {
        **args.model_dump(mode="json", exclude=omitted),
        "programs": linked,
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


def _declared_courses(args: ContractCoursewareArgs) -> list[str]:
    return _covered(args.courses, args.program_courses)


def _add(
    client: MitxOnline, args: ContractCoursewareArgs, courses: list[str], programs: Sequence[str] = ()
) -> tuple[dict[str, list[str]], Added]:
    """`add` the courses (alone) or the programs, in order, in one command."""
    what = f"contract {args.contract_id}"
    items = [*programs] if programs else courses
    invocation = commands.courseware_add(args.contract_id, items, make_codes=args.make_codes)

    def added() -> bool:
        runs = contract_runs(client, args.contract_id, courses)
        linked = linked_programs(client, args.contract_id, programs)
        return all(course in runs for course in courses) and all(p in linked for p in programs)

    written = write_or_recover(client, invocation, f"add {', '.join(items)} to {what}", added)
    runs = contract_runs(client, args.contract_id, _declared_courses(args))
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
            ", ".join(items),
            _window_warning(args, client.today()),
            codes,
        )
        return runs, Added(courses)
    if isinstance(written, Recovered):
        # It failed, and the runs were there all the same (the helper warned).
        return runs, Added(courses, _first_line(written.failure))
    done = written.value
    missing = [course for course in courses if course not in runs and _has_source_run(client, course)]
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


def _has_source_run(client: MitxOnline, course: str) -> bool:
    """Whether `add` can make a run of `course`: a program's course without a source run
    is skipped by the command, with a message (docs/platforms/mitxonline.md §14)."""
    try:
        return _source_run_problem(client.course(course)) is None
    except ProviderError:
        return True


def _unlink(
    client: MitxOnline, args: ContractCoursewareArgs, programs: list[str], program_courses: Mapping[str, Sequence[str]]
) -> None:
    """Unlink programs; with `remove_program_runs`, retire their runs too, and say what
    that did to learners either way."""
    what = f"contract {args.contract_id}"
    courses = _covered([], {p: program_courses.get(p) or [] for p in programs})
    runs = sorted(key for keys in contract_runs(client, args.contract_id, courses).values() for key in keys)
    write_or_recover(
        client,
        commands.courseware_remove(args.contract_id, programs, remove_program_runs=args.remove_program_runs),
        f"remove {', '.join(programs)} from {what}",
        lambda: not linked_programs(client, args.contract_id, programs),
    )
    if args.remove_program_runs:
        _log.warning(
            "%s: removed program(s) %s with their runs. MITx Online retired the contract run(s) %s (no longer live, "
            "enrollment closed) and deleted their unused enrollment codes; codes already redeemed are kept but no "
            "longer give access. Linking the program again does not bring these runs back",
            what,
            ", ".join(programs),
            ", ".join(runs) or "(none left)",
        )
    else:
        _log.warning(
            "%s: unlinked program(s) %s; their contract run(s) %s stay live, and learners keep them and their codes "
            "(remove_program_runs: false)",
            what,
            ", ".join(programs),
            ", ".join(runs) or "(none)",
        )


def _sync_programs(
    client: MitxOnline, args: ContractCoursewareArgs, old_program_courses: Mapping[str, Sequence[str]]
) -> Added:
    """Link the declared programs in order and give each course of theirs a run.

    A link goes last when made, so when the links are out of the declared order, the
    ones from the first misplaced on are unlinked (runs kept) and linked again in order.
    A linked program with a course that has no run yet is added again: `add` makes only
    the missing runs."""
    known = sorted({*args.programs, *old_program_courses})
    linked = linked_programs(client, args.contract_id, known)
    leaving = [p for p in linked if p not in args.programs]
    if leaving:
        _unlink(client, args, leaving, {**old_program_courses, **args.program_courses})
        linked = [p for p in linked if p not in leaving]
    keep = 0
    while keep < len(linked) and keep < len(args.programs) and linked[keep] == args.programs[keep]:
        keep += 1
    if keep < len(linked):
        # Only the links move: runs stay (no --remove-program-runs).
        relink = linked[keep:]
        write_or_recover(
            client,
            commands.courseware_remove(args.contract_id, relink),
            f"unlink {', '.join(relink)} from contract {args.contract_id} to link them again in order",
            lambda: linked_programs(client, args.contract_id, relink) == [],
        )
    runs = contract_runs(client, args.contract_id, _declared_courses(args))
    lacking = [
        p
        for p in args.programs[:keep]
        if any(c not in runs and _has_source_run(client, c) for c in args.program_courses.get(p, []))
    ]
    to_add = [*lacking, *args.programs[keep:]]
    if not to_add:
        return Added([])
    _guard(args)
    runs, added = _add(client, args, [], to_add)
    missing = sorted(
        {c for p in to_add for c in args.program_courses.get(p, []) if c not in runs and _has_source_run(client, c)}
    )
    if missing and added.failure is None:
        raise PlatformError(
            f"`b2b_courseware add` of {', '.join(to_add)} to contract {args.contract_id} made no contract run for "
            f"{', '.join(missing)}, which have a source run; check the programs' requirements in MITx Online "
            "(docs/platforms/mitxonline.md §14), then `pulumi up` again"
        )
    return Added([c for p in to_add for c in args.program_courses.get(p, [])], added.failure)


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
    does not make (`existing_courses`) and the plan adds, alone or through a program, is
    looked up through REST, never a command (docs/platforms/mitxonline.md §2). A no-op
    preview adds nothing and reads nothing."""
    courses, existing = values.get("courses"), values.get("existing_courses")
    if not isinstance(courses, list) or not existing:
        return []
    old_courses = olds.get("courses")
    old_programs = olds.get("program_courses") if isinstance(olds.get("program_courses"), dict) else {}
    before = {
        *(old_courses if isinstance(old_courses, list) else []),
        *(c for listed in (old_programs or {}).values() for c in listed),
    }
    adding: dict[str, str] = {
        course: f"courses[{index}]"
        for index, course in enumerate(courses)
        if course in existing and course not in before
    }
    programs = values.get("programs") if isinstance(values.get("programs"), list) else []
    program_courses = values.get("program_courses") if isinstance(values.get("program_courses"), dict) else {}
    for index, program in enumerate(programs or []):
        for course in (program_courses or {}).get(program) or []:
            if course in existing and course not in before:
                adding.setdefault(course, f"programs[{index}]")
    failures = []
    for course, where in adding.items():
        try:
            problem = _source_run_problem(platforms.mitxonline().course(course))
        except ProviderError as error:
            problem = f"could not be looked up in MITx Online ({_first_line(error)})"
        if problem is not None:
            failures.append(
                CheckFailure(
                    where,
                    f"{course} {problem}, so `b2b_courseware add` would make no contract run for it. It is listed "
                    "under catalog.existing_source_courses: fix the course id, or declare the course under "
                    "catalog.source_courses so that this stack makes it",
                )
            )
    return failures


class ContractCoursewareProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(ContractCoursewareArgs, {k: v for k, v in news.items() if k not in _PLANNED})
        if checked.values.get("courses") == [] and checked.values.get("programs") == []:
            checked.failures.append(CheckFailure("courses", "name at least one course or one program"))
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
        programs_removed = _removed_programs(olds, checked.values)
        if programs_removed:
            checked.inputs[PROGRAMS_REMOVED] = programs_removed
            checked.failures.extend(_retire_problems(olds, checked.values, programs_removed))
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
        elif args.courses:
            _log.info("contract %s already has every declared course: adopting them", args.contract_id)
        through = _sync_programs(client, args, {})
        runs = contract_runs(client, args.contract_id, _declared_courses(args))
        _wait_for_edx(
            client, args, runs, wait, Added([*added.courses, *through.courses], added.failure or through.failure)
        )
        linked = linked_programs(client, args.contract_id, args.programs)
        return CreateResult(str(args.contract_id), _outputs(args, runs, props, linked))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(ContractCoursewareArgs, props)
        client = platforms.mitxonline()
        runs = contract_runs(client, args.contract_id, _declared_courses(args))
        linked = linked_programs(client, args.contract_id, args.programs)
        if not runs and not linked:
            return ReadResult("", {})
        # A course counts as attached alone when it has a run and was declared alone, or
        # has a run that no linked program explains.
        through = {c for p in linked for c in args.program_courses.get(p, [])}
        alone = sorted(c for c in runs if c in args.courses or c not in through)
        outs = {**_outputs(args, runs, props, linked), "courses": alone}
        return ReadResult(id_, outs, declared_inputs(ContractCoursewareArgs, outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(ContractCoursewareArgs, news)
        client = platforms.mitxonline()
        wait = CloneWait.of(args, news, client)
        old_program_courses = olds.get("program_courses") or {}
        # A course leaves when it was declared alone and the new declaration covers it
        # neither alone nor through a program; the runs of a leaving program are the
        # program's to keep or retire (`remove_program_runs`).
        declared = _declared_courses(args)
        runs = contract_runs(client, args.contract_id, sorted({*declared, *olds.get("courses", [])}))
        to_remove = [course for course in runs if course in olds.get("courses", []) and course not in declared]
        if to_remove:
            _remove(client, args.contract_id, to_remove)
        through = _sync_programs(client, args, old_program_courses)
        runs = contract_runs(client, args.contract_id, declared)
        to_add = [course for course in args.courses if course not in runs]
        added = Added([])
        if to_add:
            _guard(args)
            _, added = _add(client, args, to_add)
        runs = contract_runs(client, args.contract_id, declared)
        _wait_for_edx(
            client, args, runs, wait, Added([*added.courses, *through.courses], added.failure or through.failure)
        )
        linked = linked_programs(client, args.contract_id, args.programs)
        return UpdateResult(_outputs(args, runs, news, linked))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = platforms.mitxonline()
        args = parse_declared(ContractCoursewareArgs, props)
        try:
            linked = linked_programs(client, int(id_), args.programs)
            if linked:
                _unlink(client, args, linked, args.program_courses)
            attached = sorted(contract_runs(client, int(id_), props.get("courses", [])))
            if attached:
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
