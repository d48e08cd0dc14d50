"""The Celery side of ``b2b_courseware add``: ``openedx.tasks.clone_courserun`` (docs/platforms/mitxonline.md §9).

``tick`` runs every due clone task the way ``process_course_run_clone`` does, over HTTP
to the sandbox's edX (docs/platforms/mitxonline.md §9): JWT; GET source (must succeed); GET target (must fail);
POST clone; new JWT, GET target; new JWT, PUT title and pacing (plus the schedule only
when the run has start and end); then the LMS course modes. HTTP failures are retried
like the real task (docs/platforms/mitxonline.md §9); "already in edX" and "couldn't clone" are not.
"""

from __future__ import annotations

import random
import time

import httpx

from sandbox.context import AppContext
from sandbox.mitxonline import openedx, programs, repo
from sandbox.mitxonline.models import CloneTask, CourseRun

MAX_RETRIES = 5  # OPENEDX_COURSE_CLONE_MAX_RETRIES
RETRY_DELAY = 300.0  # OPENEDX_COURSE_CLONE_RETRY_DELAY, seconds, times the attempt
RETRY_JITTER = 60.0  # OPENEDX_COURSE_CLONE_RETRY_JITTER


class CloneRefused(Exception):
    """The task's ``ValueError``: logged, never retried."""


def tick(ctx: AppContext) -> None:
    """Run every pending clone whose time has come; called by the server about every 0.2 s.

    Program tasks (``create_program_contract_runs``) run first: the clones they queue
    then wait for the clone delay like any other."""
    programs.run_due_tasks(ctx)
    # Ticks run one after another in the server's single worker thread, so a task still
    # "running" here was cut off by a server stop: like Celery with acks_late, run it again.
    due = repo.fetch(
        CloneTask, ctx.db, "r.status IN ('pending', 'running') AND r.eta <= ?", [time.time()], order="r.eta, r.id"
    )
    for task in due:
        claimed = ctx.db.execute(
            "UPDATE mitx_clone_task SET status = 'running' WHERE id = ? AND status IN ('pending', 'running')",
            (task.id,),
        ).rowcount
        ctx.db.commit()
        if claimed:
            _run(ctx, task)


def _run(ctx: AppContext, task: CloneTask) -> None:
    attempts = task.attempts + 1
    values: dict[str, object] = {"attempts": attempts}
    try:
        _clone(ctx, task)
        values.update(status="succeeded", last_error=None, finished_at=repo.now_iso())
    except CloneRefused as exc:
        values.update(status="failed", last_error=f"ValueError: {exc}", finished_at=repo.now_iso())
    except openedx.EdxError as exc:
        if attempts > MAX_RETRIES:
            values.update(
                status="failed",
                last_error=f"clone_courserun exhausted retries: {exc}",
                finished_at=repo.now_iso(),
            )
        else:
            countdown = RETRY_DELAY * attempts + random.uniform(0, RETRY_JITTER)
            values.update(status="pending", last_error=str(exc), eta=time.time() + countdown)
    repo.update(ctx.db, "mitx_clone_task", task.id, values)
    ctx.db.commit()


def _clone(ctx: AppContext, task: CloneTask) -> None:
    """``process_course_run_clone`` then its on-commit hooks (docs/platforms/mitxonline.md §9)."""
    source, target = task.source_courseware_id, task.target_courseware_id
    token = openedx.get_jwt(ctx)
    _ok(openedx.studio(ctx, "GET", f"{source}/", token))
    # Any error means "free"; a success stops the task for good (docs/platforms/mitxonline.md §9).
    if openedx.studio(ctx, "GET", f"{target}/", token).status_code < 400:
        raise CloneRefused(f"Course ID {target} was found in edX. Can't continue.")
    cloned = openedx.studio(ctx, "POST", "clone/", token, {"source_course_id": source, "destination_course_id": target})
    if cloned.status_code >= 400:
        raise openedx.EdxError(f"Failed to clone course run: {cloned.status_code} - {cloned.text}")
    if not _ok(openedx.studio(ctx, "GET", f"{target}/", openedx.get_jwt(ctx))).content:
        raise CloneRefused(f"Couldn't clone {source} to {target}.")
    run = repo.first(CourseRun, ctx.db, "r.id = ?", [task.run_id])
    if run is None:
        return
    openedx.put_run(ctx, run, with_schedule=True)
    _push_modes(ctx, run)


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise openedx.EdxError(f"Failed to get course run: {response.status_code} - {response.text}")
    return response


def _push_modes(ctx: AppContext, run: CourseRun) -> None:
    """``push_edx_modes_from_run``: POST each local mode edX lacks (docs/platforms/edx.md §5)."""
    present = {str(mode["mode_slug"]) for mode in openedx.course_modes(ctx, run.courseware_id)}
    for row in repo.rows(
        ctx.db,
        "SELECT m.mode_slug, m.mode_display_name, m.requires_payment FROM mitx_enrollment_mode m "
        "JOIN mitx_course_run_mode rm ON rm.mode_id = m.id WHERE rm.run_id = ? ORDER BY m.mode_slug",
        [run.id],
    ):
        if row["mode_slug"] not in present:
            openedx.create_course_mode(
                ctx, run.courseware_id, row["mode_slug"], row["mode_display_name"], 1 if row["requires_payment"] else 0
            )
