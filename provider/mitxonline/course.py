"""mitxonline:Course: a MITx Online course, found by its `readable_id`.

Created the runbook's way when `import_run` names its first edX run: one `import_courserun`
(docs/platforms/mitxonline.md §3) makes the course (title from edX), that run and, with
`import_run.page`, its CMS page; the mitxonline:CourseRun and mitxonline:CoursePage
resources then find what they declare and run nothing (docs/decisions.md §12). Without
`import_run`, `create_courseware course` (docs/platforms/mitxonline.md §3: local, no edX call) makes the course
alone and its runs come from edX through mitxonline:CourseRun. No command changes a course once
it exists, and none deletes one: a changed title, `live` or department list is refused
by check with what to do instead, and delete keeps the course (docs/resources/mitxonline-course.md).
Observed through `GET /api/internal/courses/?readable_id=` with the API key (docs/platforms/mitxonline.md §6).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.attempts import Succeeded
from provider.base import ProviderBase
from provider.checks import ADOPTS
from provider.declared import check_declared, diff_declared, parse_declared
from provider.edx.keys import CourseKey
from provider.errors import PlatformError
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    note_adoption,
    refused_changes,
    write_or_recover,
    write_then_find,
)
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CourseArgs, CourseImport, RestCourse
from provider.resource import DeclaredResource

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
        # Not observed: a create-time hint, kept as declared so refresh shows no drift.
        "import_run": None if args.import_run is None else args.import_run.model_dump(mode="json"),
        "course_id": live.id,
    }


def _declared(args: CourseArgs) -> dict[str, Any]:
    outs = declared_inputs(CourseArgs, args.model_dump(mode="json"))
    outs.pop("import_run", None)
    return outs


def _import_problems(first: CourseImport, readable_id: str) -> list[CheckFailure]:
    course = CourseKey.parse(first.courseware_id).course_id
    if course == readable_id:
        return []
    return [
        CheckFailure(
            "import_run.courseware_id",
            f"{first.courseware_id} is a run of {course}, not of {readable_id}: `import_courserun` makes "
            "the course its key names; import a run of this course",
        )
    ]


def _import(client: MitxOnline, args: CourseArgs, first: CourseImport, what: str) -> RestCourse:
    """Create the course with one `import_courserun` of its first run (and page)."""
    page = first.page
    invocation = commands.import_course(
        first.courseware_id,
        first.run_tag or CourseKey.parse(first.courseware_id).run,
        live=args.live,
        source=first.is_source_run,
        departments=args.departments,
        page=None
        if page is None
        else commands.PageChoice(page.live, page.include_in_learn_catalog, page.ingest_content_files_for_ai),
    )
    written = write_or_recover(
        client, invocation, f"create {what}", lambda: client.course(args.readable_id) is not None
    )
    done = written.value if isinstance(written, Succeeded) else None
    live = client.course(args.readable_id)
    if live is None:
        # import_courserun exits 0 when edX has no such run (docs/platforms/mitxonline.md §3).
        said = (done.stdout.strip().splitlines() or ["nothing"])[0] if done is not None else "nothing"
        raise PlatformError(
            f"{what}: `import_courserun --courserun {first.courseware_id}` created no course (it said: {said}); "
            f"check that edX has the run {first.courseware_id} (its edx:CourseRun), then `pulumi up` again"
        )
    if live.title != args.title:
        _log.warning(
            "%s took the edX run's title %r, not the declared %r: MITx Online copies it from edX on import",
            what,
            live.title,
            args.title,
        )
    return live


def _existing(readable_id: str) -> str | None:
    live = platforms.mitxonline().course(readable_id)
    return None if live is None else f"course {live.id}, titled {live.title!r}"


class CourseProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(CourseArgs, {k: v for k, v in news.items() if k != ADOPTS})
        failures = checked.failures + refused_changes(CourseArgs, olds, news, REFUSED)
        first, readable_id = checked.values.get("import_run"), checked.values.get("readable_id")
        if isinstance(first, CourseImport) and isinstance(readable_id, str):
            failures.extend(_import_problems(first, readable_id))
        if not olds and not failures and isinstance(readable_id, str):
            note_adoption(checked.inputs, f"MITx Online course {readable_id}", lambda: _existing(readable_id))
        return CheckResult(checked.inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `import_run` says how to create the course; once it exists it means nothing. The
        # title is the edX run's at creation, and no command changes it later: comparing it
        # would plan an update that can do nothing, forever (a title changed in the admin
        # is drift, which `read` reports).
        unchanged = {"import_run": olds.get("import_run"), "title": olds.get("title")}
        return diff_declared(CourseArgs, olds, {**news, **unchanged}, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(CourseArgs, props)
        client = platforms.mitxonline()
        what = f"MITx Online course {args.readable_id}"
        live = client.course(args.readable_id)
        if live is not None:
            outs = _outputs(args, live)
            adopt_or_refuse(what, differences(_declared(args), outs), args.adopt)
            return CreateResult(args.readable_id, outs)
        if args.import_run is None:
            invocation = commands.create_course(
                args.readable_id, args.title, live=args.live, departments=args.departments
            )
            live = write_then_find(client, invocation, what, lambda: client.course(args.readable_id))
        else:
            live = _import(client, args, args.import_run, what)
        return CreateResult(args.readable_id, _outputs(args, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = platforms.mitxonline().course(id_)
        if live is None:
            return ReadResult("", {})
        args = CourseArgs.model_construct(adopt=props.get("adopt", False))
        outs = {**_outputs(args, live), "import_run": props.get("import_run")}
        return ReadResult(id_, outs, declared_inputs(CourseArgs, outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Check refuses every field a command cannot change, so only `adopt` gets here.
        args = parse_declared(CourseArgs, news)
        live = platforms.mitxonline().course(id_)
        if live is None:
            raise PlatformError(f"MITx Online course {id_} is gone; run `pulumi refresh`, then `pulumi up`")
        return UpdateResult(_outputs(args, live))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online course %s is retained: no command deletes a course (docs/platforms/mitxonline.md §1); "
            "unpublish it in the Django admin if it must go",
            id_,
        )


class Course(DeclaredResource, module="mitxonline", name="Course"):
    """A MITx Online course (`course-v1:ORG+NUMBER`); see docs/resources/mitxonline-course.md."""

    args_model = CourseArgs
    provider_class = CourseProvider
    output_names = ("course_id",)
