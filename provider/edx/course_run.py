"""`edx:CourseRun`: an edX course run kept in its declared state.

Written through Studio's `/api/v1/course_runs/` (docs/platforms/edx.md §2), observed
through `GET /api/v1/course_runs/{key}/` (docs/platforms/edx.md §2). docs/resources/edx-course-run.md says, field
by field, which call writes it and what a change does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import checks, platforms
from provider.attempts import Retry, Succeeded, attempt
from provider.base import ProviderBase
from provider.checks import KEY_PARTS
from provider.declared import diff_declared, parse_declared
from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.edx.models import CourseRunArgs, ManagedFields, StudioCourseRun
from provider.errors import Drifted, NotFound, PlatformError, unavailable
from provider.logs import logger
from provider.resource import DeclaredResource

log = logger("edx.course_run")

# How many times create POSTs (create, rerun or clone) after a transient failure that
# left no run behind. The client already retries what cannot have been applied (429,
# no connection); this covers a 5xx or a dropped answer, where only a fresh GET can
# tell whether Studio made the run (docs/platforms/edx.md §4). Repeating is safe once
# that GET says 404: Studio refuses a duplicate key on every copy path (docs/platforms/edx.md §3).
CREATE_ATTEMPTS = 3

# A run's key cannot change (docs/platforms/edx.md §2: org, number and run are ignored on update), and the
# source only matters when the run is made, so these replace the run when they change.
CREATE_ONLY = frozenset({"course_key", *KEY_PARTS, "source_key"})


def _outputs(args: CourseRunArgs, live: StudioCourseRun) -> dict[str, Any]:
    """Every declared field: the key and Studio fields as Studio has them, the rest as declared."""
    fields = live.managed().model_dump(mode="json")
    key = live.key
    return {
        "course_key": str(key),
        "org": key.org,
        "number": key.number,
        "run": key.run,
        **fields,
        "source_key": args.source_key,
        "on_delete": args.on_delete,
        "adopt": args.adopt,
    }


def _converge(client: EdxClient, key: CourseKey, declared: ManagedFields, live: StudioCourseRun) -> StudioCourseRun:
    """PATCH the fields where the live run differs from the declaration, and only those."""
    differences = declared.differences(live.managed())
    if not differences:
        return live
    log.info("%s: setting %s", key, ", ".join(sorted(differences)))
    return client.patch_course_run(key, declared.patch_body(set(differences)))


def _write(client: EdxClient, args: CourseRunArgs) -> StudioCourseRun:
    """Make the run: a blank create, or a copy of `source_key`.

    A copy within the source's org is a rerun (docs/platforms/edx.md §2): synchronous, documented and tested
    upstream, sets title, dates and pacing in the same call and answers the new run. Rerun
    cannot change the org (docs/platforms/edx.md §2), so a copy into another org is a clone (docs/platforms/edx.md §2),
    which answers only a message and keeps the source's values: it is read back, and
    `_converge` then patches every field. Both leave enrollment dates that differ from the
    declaration (rerun nulls them, docs/platforms/edx.md §2), which `_converge` sets with a PATCH.
    """
    key, declared = args.key, args.managed()
    if args.source_key is None:
        return client.create_course_run(key, declared)
    source = CourseKey.parse(args.source_key)
    # Fails with NotFound naming the source before anything is written.
    client.get_course_run(source)
    if source.org == key.org:
        return client.rerun_course_run(source, key, declared)
    client.clone_course_run(source, key)
    return client.get_course_run(key)


def _write_once(client: EdxClient, args: CourseRunArgs) -> StudioCourseRun:
    """`_write`, made safe to repeat (provider/attempts.py): after a failure, look again
    (the write may have been applied although its answer was lost, a proxy timeout on a
    long rerun, docs/platforms/edx.md §2, §4); when the run is not there and the platform was unavailable
    (5xx, no answer), write again at once."""
    key = args.key
    retry = Retry(tries=CREATE_ATTEMPTS, retryable=unavailable, log=log)
    written = attempt(
        lambda: _write(client, args), step=f"create {key}", retry=retry, observe=lambda: client.find_course_run(key)
    )
    return written.value if isinstance(written, Succeeded) else written.found


def _unfinished_copy(client: EdxClient, args: CourseRunArgs, live: StudioCourseRun) -> bool:
    """True when `live` is what copying `source_key` leaves before `_converge` runs.

    A copy is two steps (rerun or clone, then a PATCH); when the second fails or the
    apply is stopped between them, the run exists but nothing recorded it, and the next
    `pulumi up` finds it differing from the declaration. It is recognisably ours when
    it is exactly what the copy makes: a rerun has the declared title, dates and pacing
    with the enrollment dates nulled (docs/platforms/edx.md §2); a clone has the source's values
    (docs/platforms/edx.md §2). Any other difference is someone else's run, and `adopt` decides.
    """
    if args.source_key is None:
        return False
    declared, current = args.managed(), live.managed()
    differing = set(declared.differences(current))
    if differing <= {"enrollment_start", "enrollment_end"} and all(
        getattr(current, name) is None for name in differing
    ):
        return True
    source = client.find_course_run(CourseKey.parse(args.source_key))
    return source is not None and not source.managed().differences(current)


class CourseRunProvider(ProviderBase):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = checks.edx_course_run(news)
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(CourseRunArgs, olds, news, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(CourseRunArgs, props)
        key, declared = args.key, args.managed()
        client = platforms.edx()
        live = client.find_course_run(key)
        if live is not None:
            differences = declared.differences(live.managed())
            if live.id != str(key):
                differences["course_key"] = (str(key), live.id)
            unfinished = bool(differences) and "course_key" not in differences and _unfinished_copy(client, args, live)
            if differences and not unfinished and (not args.adopt or "course_key" in differences):
                raise Drifted(f"edX course run {key}", differences)
            if unfinished:
                log.warning(
                    "%s exists as a fresh copy of %s whose settings were never applied (an earlier `pulumi up` "
                    "failed or was stopped after the copy): finishing it",
                    key,
                    args.source_key,
                )
            else:
                log.info("%s already exists in Studio: adopting it", key)
        else:
            live = _write_once(client, args)
        live = _converge(client, key, declared, live)
        return CreateResult(str(key), _outputs(args, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = platforms.edx().find_course_run(CourseKey.parse(id_))
        if live is None:
            # The engine reads a blank id as "gone" (docs/platforms/pulumi.md §3).
            return ReadResult("", {})
        declared_only = {name: props[name] for name in ("source_key", "on_delete", "adopt") if name in props}
        args = CourseRunArgs.model_construct(**declared_only)
        outs = _outputs(args, live)
        # Inputs rebuilt from the live run, so refresh shows drift field by field (docs/platforms/pulumi.md §3).
        return ReadResult(live.id, outs, {name: value for name, value in outs.items() if value is not None})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(CourseRunArgs, news)
        key = args.key
        client = platforms.edx()
        try:
            live = client.get_course_run(key)
        except NotFound as exc:
            raise PlatformError(
                f"edX course run {key} is gone from Studio; run `pulumi refresh` and then `pulumi up` "
                "to create it again"
            ) from exc
        return UpdateResult(_outputs(args, _converge(client, key, args.managed(), live)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        key = CourseKey.parse(id_)
        if props.get("on_delete", "retain") != "retire":
            log.warning(
                "%s is retained in Studio: edX has no API that deletes a course run (docs/platforms/edx.md §8). "
                "Declare `on_delete: retire` to close its enrollment on delete.",
                key,
            )
            return
        client = platforms.edx()
        live = client.find_course_run(key)
        if live is None:
            log.info("%s is already gone from Studio", key)
            return
        _retire(client, live)


def _retire(client: EdxClient, live: StudioCourseRun) -> None:
    """Close enrollment now, as MITx Online's run retirement does (docs/platforms/edx.md §8).

    The course end is left alone, so enrolled learners keep their access until the end
    they were promised. Studio's own rules (docs/platforms/edx.md §7) bound the cutoff: enrollment
    cannot end after the course ends, nor start after it ends.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    current = live.managed()
    cutoff = now if current.end is None or current.end > now else current.end
    changes: dict[str, datetime] = {}
    if current.enrollment_end is None or current.enrollment_end > cutoff:
        changes["enrollment_end"] = cutoff
    if current.enrollment_start is not None and current.enrollment_start > cutoff:
        changes["enrollment_start"] = cutoff
    if not changes:
        log.warning("%s: enrollment already closed at %s; retained in Studio", live.key, current.enrollment_end)
        return
    client.patch_course_run(live.key, current.model_copy(update=changes).patch_body(set(changes)))
    log.warning(
        "%s retired: enrollment closed at %s; the run stays in Studio (docs/platforms/edx.md §8)", live.key, cutoff
    )


class CourseRun(DeclaredResource, module="edx", name="CourseRun"):
    """An edX course run. Declare the key as `course_key` or as `org`, `number` and `run`.

    Dates are ISO-8601 strings (a timezone is assumed UTC when missing); `pacing` is
    `self_paced` or `instructor_paced`; `source_key` copies an existing run; `on_delete`
    is `retain` (default) or `retire`; `adopt` takes over an existing run that differs.
    """

    args_model = CourseRunArgs
    provider_class = CourseRunProvider
