"""mitxonline:Course: a MITx Online course, found by its `readable_id`.

Created with `create_courseware course` (spec/mitxonline.md §3.2: local, no edX call);
its runs come from edX through mitxonline:CourseRun. No command changes a course once
it exists, and none deletes one: a changed title, `live` or department list is refused
by check with what to do instead, and delete keeps the course (DESIGN.md, resource table).
Observed through `GET /api/internal/courses/?readable_id=` with the API key (§7.3).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from provider.base import ProviderBase, check_declared, diff_declared, logger, parse_declared
from provider.errors import PlatformError
from provider.mitxonline import client as mitx
from provider.mitxonline import commands
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    refused_changes,
    write_then_find,
)
from provider.mitxonline.models import CourseArgs, RestCourse

_log = logger("mitxonline.course")

CREATE_ONLY = ("readable_id",)
_EDIT_BY_HAND = "change it in the MITx Online Django admin (or through its CMS page), then `pulumi refresh`"
REFUSED = {
    "title": f"no MITx Online command changes a course's title: {_EDIT_BY_HAND}",
    "live": f"no MITx Online command changes whether a course is live: {_EDIT_BY_HAND}",
    "departments": f"no MITx Online command changes a course's departments: {_EDIT_BY_HAND}",
}


def _outputs(args: CourseArgs, live: RestCourse) -> dict[str, Any]:
    return {
        "readable_id": live.readable_id,
        "title": live.title,
        "live": live.live,
        "departments": live.department_names(),
        "adopt": args.adopt,
        "course_id": live.id,
    }


def _declared(args: CourseArgs) -> dict[str, Any]:
    return declared_inputs(CourseArgs, args.model_dump(mode="json"))


class CourseProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(CourseArgs, news)
        return CheckResult(checked.inputs, checked.failures + refused_changes(CourseArgs, olds, news, REFUSED))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(CourseArgs, olds, news, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(CourseArgs, props)
        client = mitx.current()
        what = f"MITx Online course {args.readable_id}"
        live = client.course(args.readable_id)
        if live is not None:
            outs = _outputs(args, live)
            adopt_or_refuse(what, differences(_declared(args), outs), args.adopt)
            return CreateResult(args.readable_id, outs)
        invocation = commands.create_course(args.readable_id, args.title, live=args.live, departments=args.departments)
        live = write_then_find(client, invocation, what, lambda: client.course(args.readable_id))
        outs = _outputs(args, live)
        return CreateResult(args.readable_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = mitx.current().course(id_)
        if live is None:
            return ReadResult("", {})
        args = CourseArgs.model_construct(adopt=props.get("adopt", False))
        outs = _outputs(args, live)
        return ReadResult(id_, outs, declared_inputs(CourseArgs, outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Check refuses every field a command cannot change, so only `adopt` gets here.
        args = parse_declared(CourseArgs, news)
        live = mitx.current().course(id_)
        if live is None:
            raise PlatformError(f"MITx Online course {id_} is gone; run `pulumi refresh`, then `pulumi up`")
        return UpdateResult(_outputs(args, live))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online course %s is retained: no command deletes a course (spec/mitxonline.md §2); "
            "unpublish it in the Django admin if it must go",
            id_,
        )


class Course(Resource, module="mitxonline", name="Course"):
    """A MITx Online course (`course-v1:ORG+NUMBER`); see docs/resources/mitxonline-course.md."""

    readable_id: pulumi.Output[str]
    title: pulumi.Output[str]
    live: pulumi.Output[bool]
    departments: pulumi.Output[list[str]]
    adopt: pulumi.Output[bool]
    course_id: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        readable_id: pulumi.Input[str],
        title: pulumi.Input[str],
        live: pulumi.Input[bool | None] | None = None,
        departments: pulumi.Input[list[str] | None] | None = None,
        adopt: pulumi.Input[bool | None] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "readable_id": readable_id,
            "title": title,
            "live": live,
            "departments": departments,
            "adopt": adopt,
            "course_id": None,
        }
        super().__init__(CourseProvider(), name, props, opts)
