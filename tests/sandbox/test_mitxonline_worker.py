"""The clone worker in-process, without an edX to reach (docs/platforms/mitxonline.md §9, acks_late)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox.mitxonline import worker
from sandbox.server import _CeleryWorker
from sandbox.settings import set_value
from sandbox.store import connect
from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, Local, local_store


def _queued(tmp_path: Path) -> Local:
    local = local_store(tmp_path / "state")
    local.source_course()
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    return local


def test_a_task_is_not_run_before_its_delay(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = ?", (time.time() + 60,))
    worker.tick(local.ctx)
    assert local.scalar("SELECT status || '/' || attempts FROM mitx_clone_task") == "pending/0"


def test_an_unreachable_edx_is_retried_with_the_celery_countdown(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0")
    worker.tick(local.ctx)  # the store has no URLs: the token request fails before any call
    status, attempts, eta, error = local.ctx.db.execute(
        "SELECT status, attempts, eta, last_error FROM mitx_clone_task"
    ).fetchone()
    assert (status, attempts) == ("pending", 1)
    assert worker.RETRY_DELAY <= eta - time.time() <= worker.RETRY_DELAY + worker.RETRY_JITTER
    assert error


def test_retries_end_after_max_retries(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0, attempts = ?", (worker.MAX_RETRIES,))
    worker.tick(local.ctx)
    status, error = local.ctx.db.execute("SELECT status, last_error FROM mitx_clone_task").fetchone()
    assert status == "failed"
    assert error.startswith("clone_courserun exhausted retries")


def test_a_running_task_is_not_taken_again_until_the_server_starts(tmp_path: Path) -> None:
    """Under concurrency a `running` task may be another worker's; only a server start,
    before any worker claims, hands back those a stopped server cut off (acks_late)."""
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0, status = 'running'")
    worker.tick(local.ctx)
    assert local.scalar("SELECT status || '/' || attempts FROM mitx_clone_task") == "running/0"
    assert worker.requeue_cut_off(local.ctx.db) == 1
    worker.tick(local.ctx)
    assert local.scalar("SELECT attempts FROM mitx_clone_task") == 1


def test_tasks_are_claimed_in_due_order_and_once(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    second = local.contract("OtherCo", "OtherCo Contract", "code", org_key="OTHERCO")
    local.ok("b2b_courseware", "add", str(second), SOURCE_COURSE)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = CASE WHEN id = 1 THEN 2 ELSE 1 END")
    first, then = worker.claim(local.ctx.db), worker.claim(local.ctx.db)
    assert first is not None and then is not None
    assert (first.id, then.id) == (2, 1)
    assert worker.claim(local.ctx.db) is None


def test_concurrent_claims_never_take_one_task_twice(tmp_path: Path) -> None:
    """Workers in threads (and processes) of their own, each on its own connection, race
    for the same due tasks: every task is taken exactly once."""
    local = _queued(tmp_path)
    for index in range(59):  # copies of the queued task, for other targets
        local.ctx.db.execute(
            "INSERT INTO mitx_clone_task (run_id, source_courseware_id, target_courseware_id, status, eta, created_at)"
            " SELECT run_id, source_courseware_id, ?, status, eta, created_at FROM mitx_clone_task WHERE id = 1",
            (f"course-v1:X+Y+{index}",),
        )
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0")
    start = threading.Barrier(6)
    taken: list[int] = []

    def claim_all() -> None:
        db = connect(local.ctx.state_dir)
        start.wait()
        while (task := worker.claim(db)) is not None:
            taken.append(task.id)

    threads = [threading.Thread(target=claim_all) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 61))
    assert local.scalar("SELECT count(*) FROM mitx_clone_task WHERE status = 'running'") == 60


def test_an_unexpected_error_fails_the_task_instead_of_leaving_it_running(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0")
    task = worker.claim(local.ctx.db)
    assert task is not None
    local.ctx.db.execute("DELETE FROM settings WHERE key = 'edx_lms_url'")
    broken = replace(local.ctx, urls=None)  # type: ignore[arg-type]
    worker.run(broken, task)
    status, error = local.ctx.db.execute("SELECT status, last_error FROM mitx_clone_task").fetchone()
    assert status == "failed"
    assert error.startswith("AttributeError")


def test_the_celery_worker_reads_the_store_again_only_after_a_commit_or_when_a_task_falls_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between looks that find nothing to do, the server's worker runs one pragma, not its
    queries (sandbox/server.py, `_CeleryWorker._quiet`); another connection's commit (a
    task queued, a setting changed) and a pending task falling due each bring a full look."""
    local = _queued(tmp_path)
    due_at = time.time() + 0.6
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = ?", (due_at,))
    consumer = _CeleryWorker(tmp_path / "state", threading.Event())
    db = connect(tmp_path / "state")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    claims: list[float | None] = []
    monkeypatch.setattr(worker, "claim", lambda db, now=None: claims.append(now))

    def look() -> list[str]:
        statements.clear()
        consumer._hand_out(db)
        return list(statements)

    assert len(look()) > 1
    assert look() == ["PRAGMA data_version"]
    set_value(local.ctx.db, "celery_concurrency", "3")  # another connection commits
    assert len(look()) > 1
    assert look() == ["PRAGMA data_version"] and claims == []
    time.sleep(max(0.0, due_at - time.time()) + 0.05)
    assert len(look()) > 1 and len(claims) == 1  # the task fell due: the worker tries to claim it
