"""The provider process serves as many of the engine's calls at once as the engine sends
(provider/server_threads.py, decisions §37), through the real CLI: the SDK's server alone
runs 4, so 8 creates that each wait for all the others would never all meet."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import PulumiProject

PROGRAM = Path(__file__).parent / "program"
TOKEN = "pulumi-python:dynamic/courseware:Meeting"
AT_ONCE = 8


def test_eight_creates_run_at_once_in_one_provider_process(tmp_path: Path) -> None:
    room = tmp_path / "room"
    room.mkdir()
    project = PulumiProject(tmp_path / "project", PROGRAM)
    project.set_config("count", str(AT_ONCE))
    project.set_config("room", str(room))
    # `--parallel` as the engine's default on 2 cores, so that a machine with one core
    # tests the same.
    project.up("--parallel", str(AT_ONCE))
    assert len(project.resources(TOKEN)) == AT_ONCE
    assert sorted(path.name for path in room.iterdir()) == sorted(f"meeting-{i}" for i in range(AT_ONCE))
