"""The policies of the courseware pack, as plain functions of a resource's properties.

Each rule returns the violations it finds as sentences that say what to change; the
pack (`__main__.py`) wraps them in pulumi-policy objects. Keeping them pure lets the
unit tests call every rule with passing and failing resources directly.

Properties are the checked inputs of the resources in `provider/` (what a stack file
declares, after normalisation). During a preview a value may still be unknown; the
policy SDK then raises and reports the policy as not run, which is the right answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

EDX_RUN = "pulumi-python:dynamic/edx:CourseRun"
MITX_COURSE = "pulumi-python:dynamic/mitxonline:Course"
MITX_RUN = "pulumi-python:dynamic/mitxonline:CourseRun"
MITX_PAGE = "pulumi-python:dynamic/mitxonline:CoursePage"
CONTRACT = "pulumi-python:dynamic/mitxonline:Contract"
COURSEWARE = "pulumi-python:dynamic/mitxonline:ContractCourseware"

Props = Mapping[str, Any]


def _key_parts(key: str) -> tuple[str, str, str] | None:
    namespace, _, rest = key.partition(":")
    parts = rest.split("+")
    if namespace != "course-v1" or len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2]


def source_run_conventions(props: Props) -> list[str]:
    """A source run lives in a `*_SOURCE` organization and has the run tag `SOURCE`.

    Soft conventions from the runbook (spec/workflows.md): they let people and tools tell
    a source run from a contract run at a glance. Advisory.
    """
    if not props.get("is_source_run"):
        return []
    key = str(props.get("courseware_id", ""))
    parts = _key_parts(key)
    if parts is None:
        return []
    org, _, run = parts
    found = []
    if not org.endswith("_SOURCE"):
        found.append(
            f"source run {key} uses organization {org!r}; source runs use one ending in _SOURCE, e.g. UAI_SOURCE"
        )
    if run != "SOURCE":
        found.append(f"source run {key} has run {run!r}; source runs use the run SOURCE")
    return found


def code_contract_has_seat_limit(props: Props) -> list[str]:
    """A `code` contract sets max_learners.

    MITx Online's documentation warns that without a limit the codes are effectively
    unlimited (spec/workflows.md). Mandatory.
    """
    if props.get("membership_type") != "code" or props.get("max_learners"):
        return []
    return [
        f"contract {props.get('name')!r} is a code contract without max_learners: its enrollment codes would be "
        "unlimited; set max_learners to the number of seats bought"
    ]


def _instant(value: Any) -> dt.datetime | dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _ordered(props: Props, pairs: Iterable[tuple[str, str]], what: str) -> list[str]:
    found = []
    for first, second in pairs:
        a, b = _instant(props.get(first)), _instant(props.get(second))
        if a is not None and b is not None and type(a) is type(b) and b < a:  # type: ignore[operator]
            found.append(f"{what}: {second} ({props.get(second)}) is before {first} ({props.get(first)})")
    return found


def run_dates_ordered(props: Props) -> list[str]:
    """An edX run's enrollment opens before it closes, closes by the end, and the run ends after it starts."""
    return _ordered(
        props,
        [("start", "end"), ("enrollment_start", "enrollment_end"), ("enrollment_end", "end")],
        f"run {props.get('course_key')}",
    )


def contract_dates_ordered(props: Props) -> list[str]:
    return _ordered(props, [("start", "end")], f"contract {props.get('name')!r}")


def contract_is_protected(protected: bool, props: Props) -> list[str]:
    """A contract is never replaced or deleted by the engine.

    MITx Online has no way to delete a contract: "deleting" one makes it inactive, and an
    inactive contract can never be modified again (spec/mitxonline.md §3.7, §12.5). A
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
    enrollment codes; codes already sent stop working (spec/mitxonline.md §3.8). The
    courseware's check names the dropped courses in `courses_removed`. Advisory by
    default; a team that wants a second look makes it mandatory with
    `--policy-pack-config '{"contract-course-removal": "mandatory"}'`.
    """
    removed = props.get("courses_removed") or []
    return [
        f"the contract drops {course}: its contract run is retired, its unused enrollment "
        "codes are deleted and codes already sent to learners stop working; `courseware plan-summary` counts them"
        for course in removed
    ]


def live_courses_have_published_pages(resources: Iterable[tuple[str, Props]]) -> list[str]:
    """A live MITx Online course has a live CMS page: some APIs hide a course without one
    (spec/workflows.md, prerequisite). Stack-level, since the page is its own resource."""
    resources = list(resources)
    live_pages = {p.get("course") for t, p in resources if t == MITX_PAGE and p.get("live")}
    return [
        f"course {p.get('readable_id')} is live but has no published CMS page; declare its page with live: true"
        for t, p in resources
        if t == MITX_COURSE and p.get("live") and p.get("readable_id") not in live_pages
    ]
