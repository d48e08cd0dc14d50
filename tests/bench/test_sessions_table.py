"""The "Command sessions" table of docs/benchmarks.md (bench/sessions.py): built from two
benchmark reports only, and the page shows what its command prints."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from typing import Any

from bench.measure import OPERATIONS, REPO
from bench.sessions import table

DOC = REPO / "docs" / "benchmarks.md"


def report(cost: float, resources: int, walls: dict[str, float], calls: dict[str, dict[str, int]]) -> dict[str, Any]:
    operations = {
        name: {"provider": {"wall_s": walls.get(name, 1.0), "calls": calls.get(name, {"commands": 0})}}
        for name in OPERATIONS
    }
    return {"command_cost_s": cost, "sizes": [{"size": {"resources": resources}, "operations": operations}]}


def test_a_report_without_process_starts_counts_one_per_command_and_each_projects_with_its_own_cost() -> None:
    before = report(20, 8, {"up": 9.5}, {"up": {"commands": 6}, "refresh": {"commands": 2}})
    after = report(
        30,
        8,
        {"up": 3.0, "refresh": 1.5},
        {"up": {"commands": 6, "process_starts": 1}, "refresh": {"commands": 2, "process_starts": 1}},
    )
    rows = table(before, after).splitlines()
    assert rows[2] == "| 8 | first up | 6 / 6 | 6 / 1 | 9.5 / 3.0 | 129.5 / 33.0 | 33.0 s |"
    assert rows[5] == "| 8 | refresh | 2 / 2 | 2 / 1 | 1.0 / 1.5 | 41.0 / 31.5 | 31.5 s |"
    assert len(rows) == 2 + len(OPERATIONS)


def test_only_sizes_both_reports_measured_are_compared() -> None:
    before = report(20, 8, {}, {})
    after = report(20, 44, {"up": 700.0}, {"up": {"commands": 37, "process_starts": 1}})
    assert table(before, after).splitlines()[2:] == []
    after["sizes"].append(before["sizes"][0])
    assert [row.split(" | ")[0] for row in table(before, after).splitlines()[2:]] == ["| 8"] * len(OPERATIONS)


def test_the_page_shows_the_table_its_command_prints() -> None:
    page = DOC.read_text()
    [command] = re.findall(r"^    scripts/run (python -m bench\.sessions .+)$", page, re.M)
    argv = shlex.split(command)
    done = subprocess.run([sys.executable, *argv[1:]], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout in page
    assert done.stdout.count("\n") > 2 + len(OPERATIONS)  # more than one size
