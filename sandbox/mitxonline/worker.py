"""The Celery side of ``b2b_courseware add``: ``openedx.tasks.clone_courserun`` (docs/platforms/mitxonline.md §9).

A task runs the way ``process_course_run_clone`` does, over HTTP to the sandbox's edX
(docs/platforms/mitxonline.md §9): JWT; GET source (must succeed); GET target (must fail);
POST clone; new JWT, GET target; new JWT, PUT title and pacing (plus the schedule only
when the run has start and end); then the LMS course modes. HTTP failures are retried
like the real task (docs/platforms/mitxonline.md §9); "already in edX" and "couldn't clone" are not.

The server runs several tasks at once, as a Celery worker's pool does (decisions §35):
each worker takes a due task with ``claim``, which no two workers can both win, and
runs it with ``run``. ``tick`` runs every due task one after another in the calling thread.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
import traceback
from typing import TYPE_CHECKING

from sandbox.context import AppContext
from sandbox.mitxonline import openedx, programs, repo
from sandbox.mitxonline.models import CloneTask, CourseRun
from sandbox.store import transaction

if TYPE_CHECKING:
    import httpx

MAX_RETRIES = 5  # OPENEDX_COURSE_CLONE_MAX_RETRIES
RETRY_DELAY = 300.0  # OPENEDX_COURSE_CLONE_RETRY_DELAY, seconds, times the attempt
RETRY_JITTER = 60.0  # OPENEDX_COURSE_CLONE_RETRY_JITTER


class CloneRefused(Exception):
    """The task's ``ValueError``: logged, never retried."""


def requeue_cut_off(db: sqlite3.Connection) -> int:
    """Tasks a stopped server left ``running`` are due again; how many.

    The task is ``acks_late``: a worker that dies mid-task never acknowledged it, so the
    broker hands it out again. Called when the server starts, before any worker claims:
    then no task can still be running.
    """
    return db.execute("UPDATE mitx_clone_task SET status = 'pending' WHERE status = 'running'").rowcount


def claim(db: sqlite3.Connection, now: float | None = None) -> CloneTask | None:
    """The earliest due task, marked ``running`` for this worker; None when none is due.

    Chosen and marked under the store's write lock (``BEGIN IMMEDIATE``), so two workers,
    threads or processes, never both take the same task.
    """
    with transaction(db):
        due = db.execute(
            "SELECT id FROM mitx_clone_task WHERE status = 'pending' AND eta <= ? ORDER BY eta, id LIMIT 1",
            (time.time() if now is None else now,),
        ).fetchone()
        if due is None:
            return None
        db.execute("UPDATE mitx_clone_task SET status = 'running' WHERE id = ?", (due["id"],))
        return repo.first(CloneTask, db, "r.id = ?", [due["id"]])


def next_due(db: sqlite3.Connection) -> float | None:
    """When the earliest pending task is due (``time.time()`` scale); None when none is pending."""
    row = db.execute("SELECT min(eta) FROM mitx_clone_task WHERE status = 'pending'").fetchone()
    return None if row[0] is None else float(row[0])


def tick(ctx: AppContext) -> None:
    """Run every task due now, one after another, in this thread.

    Program tasks (``create_program_contract_runs``) run first: the clones they queue
    then wait for the clone delay like any other."""
    programs.run_due_tasks(ctx)
    now = time.time()
    while (task := claim(ctx.db, now)) is not None:
        run(ctx, task)


def run(ctx: AppContext, task: CloneTask) -> None:
    """One attempt at a claimed task, and its outcome: done, failed for good, or due again later."""
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
    except Exception as exc:
        # Any other exception fails a Celery task for good (it is acknowledged, not retried):
        # a bug here must not leave the task `running`, where no worker would take it again.
        traceback.print_exc(file=sys.stderr)
        values.update(status="failed", last_error=f"{type(exc).__name__}: {exc}", finished_at=repo.now_iso())
    repo.update(ctx.db, "mitx_clone_task", task.id, values)


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
