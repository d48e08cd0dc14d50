"""The benchmark's smoke mode: `python -m bench --smoke` runs the smallest catalog and
writes a report whose structure and counts are checked here. Nothing about time is
asserted: time belongs to `make bench` and docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from bench.catalogs import SMOKE
from bench.measure import OPERATIONS, PREVIEW_RUNS, REPO
from tests.e2e.harness import toolchain_bin

# The runbook for the smoke catalog (1 source course, 1 code contract): 1 import_courserun
# + 5 for the contract (create, b2b_list for its id, one batched add, codes validate, codes
# export); docs/benchmarks.md explains the count.
RUNBOOK_COMMANDS = 6
# Issue 9: an apply never runs more commands than the runbook. The provider's first `up`
# runs 1 import_courserun for the source course, 1 shell for both listings, and for the
# contract its import, add, validate and one shell that reads its codes: 6.
UP_COMMANDS = 6
# A refresh reads everything with two commands, whatever the number of contracts: one
# shell for both listings, one for every code.
REFRESH_COMMANDS = 2


def test_smoke_report_structure_and_counts(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--workdir", str(tmp_path / "work"), "--output", str(output)],
        cwd=REPO,
        # The pinned CLI, whether or not the test runs under scripts/run.
        env={**os.environ, "PATH": f"{toolchain_bin()}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    report = json.loads(output.read_text())

    assert report["smoke"] is True
    assert report["machine"]["cores"] >= 1
    assert report["startup"]["sdk_import_s"] > 0
    [entry] = report["sizes"]
    assert entry["size"]["resources"] == SMOKE.resources == 8
    assert entry["size"]["runbook_commands"] == RUNBOOK_COMMANDS
    ops = entry["operations"]
    assert set(ops) == set(OPERATIONS)
    for name in OPERATIONS:
        for side in ("provider", "baseline"):
            op = ops[name][side]
            assert op["exit_code"] == 0, (name, side)
            assert op["wall_s"] > 0
            # One dynamic-provider process per operation, measured from inside.
            assert op["provider"]["processes"] == 1, (name, side)
            assert op["provider"]["cpu_s"] > 0
        # The baseline does no I/O at all.
        assert ops[name]["baseline"]["calls"]["http"] == 0
        assert ops[name]["baseline"]["calls"]["commands"] == 0
        assert ops[name]["baseline"]["provider"]["process_starts"] == 0

    # The no-op preview ran PREVIEW_RUNS times per stack; its wall is their median.
    for side in ("provider", "baseline"):
        preview = ops["preview"][side]
        assert len(preview["walls"]) == PREVIEW_RUNS and preview["wall_s"] == statistics.median(preview["walls"])

    # A no-op preview and a no-op up: no platform write, no management command.
    for name in ("preview", "noop_up"):
        calls = ops[name]["provider"]["calls"]
        assert calls["writes"] == 0, calls
        assert calls["commands"] == calls["process_starts"] == 0, calls
        assert ops[name]["provider"]["provider"]["process_starts"] == 0

    up = ops["up"]["provider"]
    assert up["calls"]["writes"] > 0
    assert up["calls"]["commands"] == UP_COMMANDS <= RUNBOOK_COMMANDS
    # Issue 15: every command of the apply runs in one command session, one process start
    # (seen by the provider and by the sandbox alike), which the projection charges.
    assert up["provider"]["process_starts"] == up["calls"]["process_starts"] == 1
    # The projection charges a session start and each command the real MITx Online's
    # measured costs (docs/benchmarks.md, "Projected time on a real deployment").
    assert up["projected_s"] == pytest.approx(
        up["wall_s"] + up["calls"]["process_starts"] * report["session_start_s"]
        + up["calls"]["commands"] * report["command_s"]
    )  # fmt: skip
    # Issue 27: one edX token per provider process; the clone wait reads each cloned run
    # at most twice on average. MITx Online's own calls (a JWT per clone step, as the
    # real one) are counted apart and are not the provider's.
    for name in OPERATIONS:
        calls = ops[name]["provider"]["calls"]
        assert calls["http_token"] <= ops[name]["provider"]["provider"]["processes"], (name, calls)
    assert up["calls"]["clones"] == 1
    assert up["calls"]["studio_reads_per_clone"] <= 2, up["calls"]
    assert up["calls"]["platform_token"] >= 3, up["calls"]
    [row] = report["targets_27"]
    assert row["up_token_requests"] == up["calls"]["http_token"] <= row["up_provider_processes"]
    assert report["load_average"] and len(report["load_average"]) == 3

    refresh = ops["refresh"]["provider"]
    assert refresh["calls"]["writes"] == 0
    assert refresh["calls"]["commands"] == REFRESH_COMMANDS
    assert refresh["provider"]["process_starts"] == refresh["calls"]["process_starts"] == 1
    [targets] = report["targets"]
    assert targets["up_commands"] == up["calls"]["commands"]
    assert targets["runbook_commands"] == RUNBOOK_COMMANDS
