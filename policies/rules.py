"""The policies of the courseware pack, as plain functions of a resource's properties.

Each rule returns the violations it finds as sentences that say what to change; the
pack (`__main__.py`) wraps them in pulumi-policy objects. Keeping them pure lets the
unit tests call every rule with passing and failing resources directly.

Properties are the checked inputs of the resources in `provider/` (what a stack file
declares, after normalisation). During a preview a value may still be unknown; the
policy SDK then raises and reports the policy as not run, which is the right answer.
Rules that a resource's check also applies are imported from `provider/rules.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The project's own rules and key shapes, so that a policy and a resource's check agree.
from provider import rules as date_rules
from provider.edx.keys import CourseKey, InvalidCourseKey

EDX_RUN = "pulumi-python:dynamic/edx:CourseRun"
MITX_COURSE = "pulumi-python:dynamic/mitxonline:Course"
MITX_RUN = "pulumi-python:dynamic/mitxonline:CourseRun"
MITX_PAGE = "pulumi-python:dynamic/mitxonline:CoursePage"
CONTRACT = "pulumi-python:dynamic/mitxonline:Contract"
COURSEWARE = "pulumi-python:dynamic/mitxonline:ContractCourseware"
PROGRAM = "pulumi-python:dynamic/mitxonline:Program"

Props = Mapping[str, Any]


def source_run_conventions(props: Props) -> list[str]:
    """A source run lives in a `*_SOURCE` organization and has the run tag `SOURCE`.

    Soft conventions from the runbook (docs/platforms/mitxonline.md §11): they let people and tools tell
    a source run from a contract run at a glance. Advisory.
    """
    if not props.get("is_source_run"):
        return []
    key = str(props.get("courseware_id", ""))
    try:
        parsed = CourseKey.parse(key)
    except InvalidCourseKey:
        return []  # the resource's check refuses it
    org, run = parsed.org, parsed.run
    found = []
    if not org.endswith("_SOURCE"):
        found.append(
            f"source run {key} uses organization {org!r}; source runs use one ending in _SOURCE, e.g. UAI_SOURCE"
        )
    if run != date_rules.SOURCE_RUN_TAG:
        found.append(f"source run {key} has run {run!r}; source runs use the run {date_rules.SOURCE_RUN_TAG}")
    return found


def code_contract_has_seat_limit(props: Props) -> list[str]:
    """A `code` contract sets max_learners.

    MITx Online's documentation warns that without a limit the codes are effectively
    unlimited (docs/platforms/mitxonline.md §11). Mandatory.
    """
    if props.get("membership_type") != "code" or props.get("max_learners"):
        return []
    return [
        f"contract {props.get('name')!r} is a code contract without max_learners: its enrollment codes would be "
        "unlimited; set max_learners to the number of seats bought"
    ]


def _ordered(props: Props, order: Iterable[date_rules.DateOrder], what: str) -> list[str]:
    found = []
    for rule in date_rules.dates_out_of_order(props, order):
        same = date_rules.parse_instant(props.get(rule.later)) == date_rules.parse_instant(props.get(rule.earlier))
        relation = "is the same instant as" if same else "is before"
        found.append(
            f"{what}: {rule.later} ({props.get(rule.later)}) {relation} {rule.earlier} ({props.get(rule.earlier)})"
        )
    return found


def run_dates_ordered(props: Props) -> list[str]:
    """An edX run's dates in Studio's order: it ends after it starts, and enrollment opens
    by the start and closes by the end (the rule the edx:CourseRun check applies)."""
    return _ordered(props, date_rules.RUN_DATE_ORDER, f"run {props.get('course_key')}")


def contract_dates_ordered(props: Props) -> list[str]:
    return _ordered(props, date_rules.CONTRACT_DATE_ORDER, f"contract {props.get('name')!r}")


def contract_is_protected(protected: bool, props: Props) -> list[str]:
    """A contract is never replaced or deleted by the engine.

    MITx Online has no way to delete a contract: "deleting" one makes it inactive, and an
    inactive contract can never be modified again (docs/platforms/mitxonline.md §4, §5). A
    replacement would therefore strand the old contract and its learners. Protecting the
    resource makes the engine refuse both; a deliberate retirement unprotects it first.
    Mandatory.
    """
    if protected:
        return []
    return [
        f"contract {props.get('name')!r} is not protected: a replacement or delete would make it inactive "
        "forever; keep `protect: true` on the contract (the default in the stack file)"
    ]


def course_removal_is_deliberate(props: Props) -> list[str]:
    """Removing a course from a contract takes something from its learners.

    `b2b_courseware remove` retires the course's contract run and deletes its unused
    enrollment codes; codes already sent stop working (docs/platforms/mitxonline.md §9). The
    courseware's check names the dropped courses in `courses_removed`. Advisory by
    default; a team that wants a second look makes it mandatory with
    `--policy-pack-config '{"contract-course-removal": "mandatory"}'`.
    """
    removed = props.get("courses_removed") or []
    found = [
        f"the contract drops {course}: its contract run is retired, its unused enrollment "
        "codes are deleted and codes already sent to learners stop working; `courseware plan-summary` counts them"
        for course in removed
    ]
    for program in props.get("programs_removed") or []:
        if props.get("remove_program_runs"):
            found.append(
                f"the contract drops program {program} with remove_program_runs: true: the contract runs of its "
                "courses are retired, their unused enrollment codes deleted and codes already sent stop working; "
                "`courseware plan-summary` counts them"
            )
        else:
            found.append(
                f"the contract unlinks program {program}; its runs stay and learners keep them "
                "(remove_program_runs: false)"
            )
    return found


def programs_in_contracts_have_required_source(resources: Iterable[tuple[str, Props]]) -> list[str]:
    """A program in a contract has at least one required course with a source run.

    `b2b_courseware add <program>` makes contract runs only for courses with a source run
    (docs/platforms/mitxonline.md §14): without one among the required courses, the
    contract's learners get nothing the program requires. Sources: the stack's source
    runs (mitxonline:CourseRun with is_source_run) and the courses a contract's
    courseware names as existing. Mandatory.
    """
    resources = list(resources)
    sourced = {str(p.get("course")) for t, p in resources if t == MITX_RUN and p.get("is_source_run")}
    for t, p in resources:
        if t == COURSEWARE:
            sourced.update(p.get("existing_courses") or [])
    programs = {str(p.get("readable_id")): p for t, p in resources if t == PROGRAM}
    sold = sorted({str(program) for t, p in resources if t == COURSEWARE for program in p.get("programs") or []})
    found = []
    for readable_id in sold:
        program = programs.get(readable_id)
        if program is None:
            continue  # not this stack's program: the catalog refuses it
        problem = date_rules.program_without_required_source(readable_id, program.get("required") or [], sourced)
        if problem is not None:
            found.append(problem)
    return found


def live_courses_have_published_pages(resources: Iterable[tuple[str, Props]]) -> list[str]:
    """A live MITx Online course has a live CMS page: some APIs hide a course without one
    (docs/platforms/mitxonline.md §11, prerequisite). Stack-level, since the page is its own resource."""
    resources = list(resources)
    live_pages = {p.get("course") for t, p in resources if t == MITX_PAGE and p.get("live")}
    return [
        f"course {p.get('readable_id')} is live but has no published CMS page; declare its page with live: true"
        for t, p in resources
        if t == MITX_COURSE and p.get("live") and p.get("readable_id") not in live_pages
    ]
