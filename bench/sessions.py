"""`python -m bench.sessions BEFORE.json AFTER.json`: the "Command sessions" table of
docs/benchmarks.md, from two reports of `python -m bench`.

BEFORE is a run with one process per command (a report written before command sessions
has no `process_starts`: there every command was a process of its own); AFTER a run with
sessions on. Each row puts one operation of one size side by side: commands, `manage`
process starts, measured wall and projected time (wall + starts x the report's command
cost). Nothing is measured here; the table is only the two reports' numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.measure import OPERATIONS
from bench.report import LABELS


def _starts(calls: dict[str, Any]) -> int:
    starts = calls.get("process_starts")
    return int(calls["commands"] if starts is None else starts)


def _projected(provider: dict[str, Any], cost_s: float) -> float:
    return float(provider["wall_s"]) + _starts(provider["calls"]) * cost_s


def _sizes(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(entry["size"]["resources"]): entry["operations"] for entry in report["sizes"]}


def table(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The markdown table of the sizes both reports measured, each projected with its
    own report's command cost."""
    old, new = _sizes(before), _sizes(after)
    old_cost, new_cost = float(before["command_cost_s"]), float(after["command_cost_s"])
    lines = [
        "| resources | operation | commands, before / sessions | starts, before / sessions "
        "| wall s, before / sessions | projected s, before / sessions | projected, sessions |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for resources in sorted(old.keys() & new.keys()):
        for name in OPERATIONS:
            was, now = old[resources][name]["provider"], new[resources][name]["provider"]
            projected = _projected(now, new_cost)
            lines.append(
                f"| {resources} | {LABELS[name]} "
                f"| {was['calls']['commands']} / {now['calls']['commands']} "
                f"| {_starts(was['calls'])} / {_starts(now['calls'])} "
                f"| {was['wall_s']:.1f} / {now['wall_s']:.1f} "
                f"| {_projected(was, old_cost):.1f} / {projected:.1f} "
                f"| {_minutes(projected)} |"
            )
    return "\n".join(lines) + "\n"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sessions", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a report with one process per command")
    parser.add_argument("after", type=Path, help="a report with command sessions on")
    args = parser.parse_args(argv)
    sys.stdout.write(table(json.loads(args.before.read_text()), json.loads(args.after.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
