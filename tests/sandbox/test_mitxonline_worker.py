"""The clone worker in-process, without an edX to reach (docs/platforms/mitxonline.md §9, acks_late)."""

from __future__ import annotations

import time
from pathlib import Path

from sandbox.mitxonline import worker
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


def test_a_task_cut_off_by_a_server_stop_is_run_again(tmp_path: Path) -> None:
    local = _queued(tmp_path)
    local.ctx.db.execute("UPDATE mitx_clone_task SET eta = 0, status = 'running'")
    worker.tick(local.ctx)
    assert local.scalar("SELECT attempts FROM mitx_clone_task") == 1
