"""MITx Online's Celery worker in a running sandbox: clones of different runs at once, each
task taken once, a task cut off by a server stop run again at the next start
(docs/decisions.md §35; docs/platforms/mitxonline.md §9).

A clone is held in Studio by a fault rule's latency on its `POST .../clone/`: while it
sleeps, the task is running, so what runs at the same time is seen without timing
anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.helpers import Sandbox, in_process, run_cli, start_sandbox, unique
from tests.sandbox.test_mitxonline_e2e import contract_id, db_value, manage, source_course, wait_for

CLONE = "/api/v1/course_runs/clone/"
HELD = "60"  # seconds a held clone sleeps: far longer than any test waits for it


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"
    run_cli("stop", "--state-dir", str(tmp_path / "state"))  # whatever the test left running


def _queue_clones(box: Sandbox, count: int) -> list[str]:
    """`count` contracts with the same source course, then one `b2b_courseware add` each:
    one clone task per contract run. Their keys, in queue order."""
    course = source_course(box)
    contracts = []
    for _ in range(count):
        name = unique("Contract ")
        manage(box, "b2b_contract", "create", name, name, "code", "--create", "--org-key", unique("C"))
        contracts.append(contract_id(box, name))
    for contract in contracts:
        manage(box, "b2b_courseware", "add", str(contract), course)
    return [
        db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
        for contract in contracts
    ]


def _hold_clones(box: Sandbox, times: int) -> int:
    rule = box.fault("--app", "studio", "--method", "POST", "--path", CLONE, "--latency", HELD, "--times", str(times))
    return int(rule["id"])


def _fired(box: Sandbox, rule_id: int) -> int:
    rules = [json.loads(line) for line in in_process(box).cli("fault list").splitlines()]
    return int(next(rule["fired"] for rule in rules if rule["id"] == rule_id))


def _statuses(box: Sandbox, keys: list[str]) -> list[str]:
    return [db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key) for key in keys]


def test_clones_of_different_runs_run_at_once(state_dir: Path) -> None:
    box = start_sandbox(state_dir, "--clone-delay", "0", "--celery-concurrency", "2")
    rule = _hold_clones(box, 2)
    keys = _queue_clones(box, 2)
    # One at a time, the second clone would reach Studio only after the first's latency.
    wait_for(lambda: _fired(box, rule) == 2, timeout=30)
    assert _statuses(box, keys) == ["running", "running"]


def test_one_worker_runs_one_clone_and_a_larger_pool_applies_to_a_running_server(state_dir: Path) -> None:
    box = start_sandbox(state_dir, "--clone-delay", "0", "--celery-concurrency", "1")
    rule = _hold_clones(box, 2)
    first, second = _queue_clones(box, 2)
    wait_for(lambda: _fired(box, rule) == 1, timeout=30)
    time.sleep(1)  # a free worker takes a due task within 0.05 s
    assert (_statuses(box, [first, second]), _fired(box, rule)) == (["running", "pending"], 1)
    start_sandbox(state_dir, "--celery-concurrency", "2")
    wait_for(lambda: _fired(box, rule) == 2, timeout=30)
    assert _statuses(box, [first, second]) == ["running", "running"]


def test_a_pool_runs_every_task_once(state_dir: Path) -> None:
    box = start_sandbox(state_dir, "--clone-delay", "0", "--celery-concurrency", "4")
    keys = _queue_clones(box, 6)
    wait_for(lambda: _statuses(box, keys) == ["succeeded"] * 6, timeout=60)
    theirs = [e for e in box.log() if e["kind"] == "http" and e["caller"] == "mitxonline"]
    clones = [e for e in theirs if e["path"] == CLONE]
    assert (len(clones), len([e for e in theirs if e["path"] == "/oauth2/access_token"])) == (6, 18)
    for key in keys:
        assert [e["method"] for e in theirs if e["path"] == f"/api/v1/course_runs/{key}/"] == ["GET", "GET", "PUT"]
        assert db_value(box, "SELECT attempts FROM mitx_clone_task WHERE target_courseware_id = ?", key) == 1


def test_a_clone_cut_off_by_a_server_stop_runs_again_at_the_next_start(state_dir: Path) -> None:
    """acks_late: the task was never acknowledged, so the broker hands it out again."""
    box = start_sandbox(state_dir, "--clone-delay", "0")
    rule = _hold_clones(box, 1)
    (key,) = _queue_clones(box, 1)
    wait_for(lambda: _fired(box, rule) == 1, timeout=30)
    box.cli("stop")
    assert _statuses(box, [key]) == ["running"]
    box = start_sandbox(state_dir)
    wait_for(lambda: _statuses(box, [key]) == ["succeeded"], timeout=30)
    assert db_value(box, "SELECT attempts FROM mitx_clone_task WHERE target_courseware_id = ?", key) == 1
    with box.studio() as studio:
        assert studio.get(f"/api/v1/course_runs/{key}/").status_code == 200
