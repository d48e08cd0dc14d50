"""mitxonline:CourseRun: a MITx Online run of an edX run, source runs included.

Created with `import_courserun --courserun <key> --use-specific-course <course>`
(docs/platforms/mitxonline.md §3), which reads title, dates and pacing from edX and sets the
source-run flag (`--source-course`), `live` and the run tag as declared. Those three
cannot change afterwards through any command, so check refuses a change to them.

edX owns title, dates and pacing (docs/platforms/mitxonline.md §10). The declaration carries MITx Online's expected
copy of them (the edx:CourseRun outputs); when they differ from what MITx Online shows,
update runs `sync_courserun --run <key>` (docs/platforms/mitxonline.md §3). MITx Online never syncs a source run
(docs/platforms/mitxonline.md §3, §10), so for a source run those fields are shown but not compared.

Observed through `GET /api/internal/courses/?readable_id=<course>` (docs/platforms/mitxonline.md §6), which lists
every run of the course; `is_source_run` is exposed by no read (docs/platforms/mitxonline.md §6) and keeps its
declared value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.base import ProviderBase
from provider.declared import changed_fields, check_declared, is_unknown, parse_declared
from provider.edx.keys import CourseKey
from provider.errors import FieldProblem, Refused, Vanished
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    refused_changes,
    write_or_recover,
    write_then_find,
)
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import EDX_OWNED_RUN_FIELDS, CourseRunArgs, RestRun
from provider.resource import DeclaredResource

_log = logger("mitxonline.course_run")

CREATE_ONLY = ("courseware_id", "course")
_OBSERVED_IF_DECLARED = ("run_tag", *EDX_OWNED_RUN_FIELDS)
_NO_COMMAND = (
    "no MITx Online command changes {} of an existing run; change it in the Django admin, then `pulumi refresh`"
)
REFUSED = {
    "run_tag": _NO_COMMAND.format("the run tag"),
    "is_source_run": _NO_COMMAND.format("the source-run flag"),
    "live": _NO_COMMAND.format("whether a run is live"),
}


def _run_tag(args: CourseRunArgs) -> str:
    return args.run_tag or CourseKey.parse(args.courseware_id).run


def _outputs(args: CourseRunArgs, live: RestRun) -> dict[str, Any]:
    edx_copy = CourseRunArgs.model_validate(
        {
            "courseware_id": live.courseware_id,
            "course": args.course,
            "title": live.title or None,
            "start_date": live.start_date,
            "end_date": live.end_date,
            "enrollment_start": live.enrollment_start,
            "enrollment_end": live.enrollment_end,
            "is_self_paced": live.is_self_paced,
        }
    ).model_dump(mode="json", include=set(EDX_OWNED_RUN_FIELDS))
    return {
        "courseware_id": live.courseware_id,
        "course": args.course,
        "run_tag": live.run_tag,
        # Exposed by no read (docs/platforms/mitxonline.md §6): the declared flag stands.
        "is_source_run": args.is_source_run,
        "live": live.live,
        **edx_copy,
        "adopt": args.adopt,
        "b2b_contract": live.b2b_contract,
    }


def _edx_copy(args: CourseRunArgs) -> dict[str, Any]:
    """The declared copy of the edX fields, where declared; none for a source run, which
    MITx Online never syncs."""
    if args.is_source_run:
        return {}
    declared = args.model_dump(mode="json", include=set(EDX_OWNED_RUN_FIELDS))
    return {name: value for name, value in declared.items() if value is not None}


def _find(client: MitxOnline, args: CourseRunArgs) -> RestRun | None:
    course = client.course(args.course)
    return None if course is None else course.run(args.courseware_id)


def _sync_if_needed(client: MitxOnline, args: CourseRunArgs, live: RestRun) -> RestRun:
    """`sync_courserun` when MITx Online's copy of the edX fields differs (docs/platforms/mitxonline.md §3)."""
    drifted = sorted(differences(_edx_copy(args), _outputs(args, live)))
    if not drifted:
        return live
    _log.info("%s: MITx Online's copy of %s differs from edX; syncing", args.courseware_id, ", ".join(drifted))

    def synced_already() -> bool:
        now = _find(client, args)
        return now is not None and not differences(_edx_copy(args), _outputs(args, now))

    write_or_recover(
        client, commands.sync_courserun(args.courseware_id), f"sync {args.courseware_id} from edX", synced_already
    )
    synced = _find(client, args)
    if synced is None:
        raise Vanished(f"MITx Online run {args.courseware_id}", "during `sync_courserun`")
    left = sorted(differences(_edx_copy(args), _outputs(args, synced)))
    if left:
        _log.warning(
            "%s: after sync_courserun MITx Online still differs in %s: edX does not have the declared "
            "values yet (apply the edx:CourseRun first)",
            args.courseware_id,
            ", ".join(left),
        )
    return synced


# The declared values a source run keeps its old copy of, already reported: {field:
# declared value}. An input and an output (update records it, read carries it through a
# refresh), so the warning is given once per change of the stack file, not on every
# preview (issue 25, item 5); absent while MITx Online's copy matches the declaration.
KEPT = "kept_by_mitxonline"


def _keep_source_copy(olds: Mapping[str, Any], inputs: dict[str, Any]) -> None:
    """Keep a source run's title, dates and pacing at the values MITx Online holds.

    No command changes them: MITx Online never syncs a source run, and `sync_courserun
    --run` cannot even find one, since source runs are hidden from its default manager
    (docs/platforms/mitxonline.md §3, §10). A new value in the stack file therefore reaches edX
    only. The inputs keep the old values, so preview and drift agree that nothing here
    will change (a refresh after a change made in the admin is what moves them), and
    record the declared ones under `KEPT`; the operator is told what stays stale and
    what to do instead, once: a declared value already recorded is not reported again.
    """
    stale = {
        name: (olds.get(name), inputs[name])
        for name in EDX_OWNED_RUN_FIELDS
        if name in inputs and not is_unknown(inputs[name]) and olds.get(name) != inputs[name]
    }
    if not stale:
        return
    for name, (held, _declared) in stale.items():
        if held is None:
            inputs.pop(name)
        else:
            inputs[name] = held
    inputs[KEPT] = {name: declared for name, (_held, declared) in sorted(stale.items())}
    recorded = olds.get(KEPT)
    reported: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    new = {name: pair for name, pair in stale.items() if reported.get(name) != pair[1]}
    if not new:
        return
    _log.warning(
        "MITx Online source run %s keeps %s: the stack file's new value goes to the edX run only. MITx Online "
        "never copies edX's values into a source run, and `sync_courserun --run` cannot find one "
        "(docs/platforms/mitxonline.md §3, §10); contract runs added from now on are cloned from the edX run and get "
        "the new values. To change MITx Online's copy too, edit the run in the Django admin, then `pulumi refresh`",
        inputs.get("courseware_id"),
        "; ".join(f"{name} {held!r} (declared {declared!r})" for name, (held, declared) in sorted(new.items())),
    )


def _still_kept(props: Mapping[str, Any], outs: Mapping[str, Any]) -> dict[str, Any]:
    """The `KEPT` record of `props` for the fields MITx Online's copy still differs in."""
    kept = props.get(KEPT)
    if not isinstance(kept, Mapping):
        return {}
    still = {name: value for name, value in kept.items() if outs.get(name) != value}
    return {KEPT: still} if still else {}


class CourseRunProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(CourseRunArgs, {k: v for k, v in news.items() if k != KEPT})
        if olds and checked.values.get("is_source_run") is True:
            _keep_source_copy(olds, checked.inputs)
        return CheckResult(checked.inputs, checked.failures + refused_changes(CourseRunArgs, olds, news, REFUSED))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        ignored = set(EDX_OWNED_RUN_FIELDS) if news.get("is_source_run") is True else set()
        # An undeclared run tag or edX copy is not held to anything.
        ignored |= {name for name in _OBSERVED_IF_DECLARED if news.get(name) is None}
        changed = [name for name in changed_fields(CourseRunArgs, olds, news) if name not in ignored]
        # A new declared value that MITx Online keeps its old copy of is recorded (an update
        # that runs no command), so that it is reported once.
        recorded = (olds.get(KEPT) or {}) != (news.get(KEPT) or {})
        return DiffResult(changes=bool(changed) or recorded, replaces=[n for n in changed if n in CREATE_ONLY])

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(CourseRunArgs, props)
        client = platforms.mitxonline()
        what = f"MITx Online run {args.courseware_id}"
        if client.course(args.course) is None:
            raise Refused(
                [
                    FieldProblem(
                        "course",
                        f"{what}: MITx Online has no course {args.course}; declare it as a mitxonline:Course "
                        "this run depends on",
                    )
                ]
            )
        live = _find(client, args)
        if live is not None:
            # Title, dates and pacing are edX's: a difference there is synced, not refused.
            declared = {"run_tag": _run_tag(args), "live": args.live}
            adopt_or_refuse(what, differences(declared, _outputs(args, live)), args.adopt)
        else:
            invocation = commands.import_courserun(
                args.courseware_id, args.course, _run_tag(args), live=args.live, source=args.is_source_run
            )
            live = write_then_find(client, invocation, what, lambda: _find(client, args))
        return CreateResult(args.courseware_id, _outputs(args, _sync_if_needed(client, args, live)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(CourseRunArgs, props)
        live = _find(platforms.mitxonline(), args)
        if live is None:
            return ReadResult("", {})
        outs = _outputs(args, live)
        kept = _still_kept(props, outs)
        return ReadResult(id_, {**outs, **kept}, {**declared_inputs(CourseRunArgs, outs), **kept})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(CourseRunArgs, news)
        client = platforms.mitxonline()
        live = _find(client, args)
        if live is None:
            raise Vanished(f"MITx Online run {id_}", "since the last refresh")
        if not args.is_source_run:
            live = _sync_if_needed(client, args, live)
        outs = _outputs(args, live)
        return UpdateResult({**outs, **_still_kept(news, outs)})

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online run %s is retained: no command deletes a run (docs/platforms/mitxonline.md §1); "
            "`retire_courserun --run %s --commit` delists it, by hand, when it must go",
            id_,
            id_,
        )


class CourseRun(DeclaredResource, module="mitxonline", name="CourseRun"):
    """A MITx Online course run imported from edX; see docs/resources/mitxonline-course-run.md."""

    args_model = CourseRunArgs
    provider_class = CourseRunProvider
    output_names = ("b2b_contract",)
