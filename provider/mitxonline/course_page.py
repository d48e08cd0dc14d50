"""mitxonline:CoursePage: the Wagtail page of a MITx Online course.

Created with `create_courseware_page <course> [--live] [--include_in_learn_catalog]
[--ingest_content_files_for_ai]` (docs/platforms/mitxonline.md §3), which makes the default page
(docs/platforms/mitxonline.md §13). A course has at most one page, and its content is editorial: no command changes
a page once it exists, so check refuses a change to its flags and says to use the
Wagtail admin; delete keeps the page.

Observed through `GET /api/internal/courses/?readable_id=` (docs/platforms/mitxonline.md §6), whose course carries
`include_in_learn_catalog`, `ingest_content_files_for_ai` and `page.live`. The Wagtail
pages API is no use here: it hides draft pages and, whatever the API key, pages left out
of the Learn catalog (docs/platforms/mitxonline.md §6).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.base import ProviderBase
from provider.declared import check_declared, diff_declared, parse_declared
from provider.errors import PlatformError
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    refused_changes,
    write_then_find,
)
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CoursePageArgs, RestCourse
from provider.resource import DeclaredResource

_log = logger("mitxonline.course_page")

CREATE_ONLY = ("course",)
_EDITORIAL = (
    "a course page is edited in the Wagtail admin (/cms/), not by a command: change {} there, then `pulumi refresh`"
)
REFUSED = {
    "live": _EDITORIAL.format("whether it is published"),
    "include_in_learn_catalog": _EDITORIAL.format("'include in Learn catalog'"),
    "ingest_content_files_for_ai": _EDITORIAL.format("'ingest content files for AI'"),
}


def _outputs(args: CoursePageArgs, course: RestCourse) -> dict[str, Any]:
    page = course.page
    return {
        "course": course.readable_id,
        "live": page.live if page is not None else False,
        "include_in_learn_catalog": bool(course.include_in_learn_catalog),
        "ingest_content_files_for_ai": bool(course.ingest_content_files_for_ai),
        "adopt": args.adopt,
    }


def _with_page(client: MitxOnline, readable_id: str) -> RestCourse | None:
    course = client.course(readable_id)
    return course if course is not None and course.page is not None else None


class CoursePageProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(CoursePageArgs, news)
        return CheckResult(checked.inputs, checked.failures + refused_changes(CoursePageArgs, olds, news, REFUSED))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(CoursePageArgs, olds, news, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(CoursePageArgs, props)
        client = platforms.mitxonline()
        what = f"the CMS page of {args.course}"
        course = client.course(args.course)
        if course is None:
            raise PlatformError(f"{what}: MITx Online has no course {args.course}; declare its mitxonline:Course")
        if course.page is not None:
            declared = declared_inputs(CoursePageArgs, args.model_dump(mode="json"))
            adopt_or_refuse(what, differences(declared, _outputs(args, course)), args.adopt)
        else:
            invocation = commands.create_courseware_page(
                args.course,
                live=args.live,
                catalog=args.include_in_learn_catalog,
                ingest=args.ingest_content_files_for_ai,
            )
            course = write_then_find(client, invocation, what, lambda: _with_page(client, args.course))
        return CreateResult(args.course, _outputs(args, course))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        course = _with_page(platforms.mitxonline(), id_)
        if course is None:
            return ReadResult("", {})
        outs = _outputs(CoursePageArgs.model_construct(adopt=props.get("adopt", False)), course)
        return ReadResult(id_, outs, declared_inputs(CoursePageArgs, outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Check refuses every flag change, so only `adopt` gets here.
        args = parse_declared(CoursePageArgs, news)
        course = _with_page(platforms.mitxonline(), id_)
        if course is None:
            raise PlatformError(f"the CMS page of {id_} is gone; run `pulumi refresh`, then `pulumi up`")
        return UpdateResult(_outputs(args, course))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning("the CMS page of %s is retained: unpublish or delete it in the Wagtail admin (/cms/)", id_)


class CoursePage(DeclaredResource, module="mitxonline", name="CoursePage"):
    """The CMS page of a MITx Online course; see docs/resources/mitxonline-course-page.md."""

    args_model = CoursePageArgs
    provider_class = CoursePageProvider
