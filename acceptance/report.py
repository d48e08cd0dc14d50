"""The report of one `make acceptance` run, as JSON and as markdown.

Per scenario: pass or fail (with the first lines of why), wall time, every CLI and
manage.py invocation with its exit and seconds, the management commands the provider
ran (its INFO lines) and the manage.py processes the target logged, and what the run
left on the platforms. The JSON is the record; the markdown is made from it alone.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from acceptance.scenarios import Record


@dataclass
class ScenarioResult:
    name: str
    passed: bool
    seconds: float
    process_starts: int | None
    record: Record
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        steps = [asdict(step) for step in self.record.steps]
        for step in steps:
            step["seconds"] = round(step["seconds"], 1)
        return {
            "name": self.name,
            "passed": self.passed,
            "seconds": round(self.seconds, 1),
            "pulumi_runs": sum(1 for s in self.record.steps if s.argv[:1] == ["pulumi"]),
            "commands": sum(s.commands for s in self.record.steps),
            "write_commands": sum(s.writes for s in self.record.steps),
            "retries": sum(s.retries for s in self.record.steps),
            "process_starts": self.process_starts,
            "steps": steps,
            "left": self.record.left,
            "notes": self.record.notes,
            "error": self.error,
        }


@dataclass
class Report:
    prefix: str
    mitxonline_commit: str
    mitxonline_url: str
    edx: str
    started: str
    scenarios: list[ScenarioResult] = field(default_factory=list)
    seconds: float = 0.0
    # What the run's shared source course left (each scenario lists its own).
    left: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "mitxonline_commit": self.mitxonline_commit,
            "mitxonline_url": self.mitxonline_url,
            "edx": self.edx,
            "started": self.started,
            "seconds": round(self.seconds, 1),
            "passed": sum(1 for s in self.scenarios if s.passed),
            "failed": sum(1 for s in self.scenarios if not s.passed),
            "scenarios": [s.as_json() for s in self.scenarios],
            "left": self.left,
        }

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        data = self.as_json()
        as_json = directory / "report.json"
        as_json.write_text(json.dumps(data, indent=2) + "\n")
        as_markdown = directory / "report.md"
        as_markdown.write_text(markdown(data))
        return as_json, as_markdown


def markdown(data: dict[str, Any]) -> str:
    """The report's JSON as a page: a summary table, then each scenario's steps."""
    lines = [
        f"# Acceptance run {data['prefix']}",
        "",
        f"- MITx Online commit: `{data['mitxonline_commit']}` at {data['mitxonline_url']}",
        f"- edX: {data['edx']}",
        f"- started {data['started']}, {data['seconds']} s in all: {data['passed']} passed, {data['failed']} failed",
        "",
        "| scenario | result | wall s | pulumi runs | commands (writes) | process starts |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in data["scenarios"]:
        starts = "n/a" if s["process_starts"] is None else str(s["process_starts"])
        result = "pass" if s["passed"] else "**FAIL**"
        lines.append(
            f"| {s['name']} | {result} | {s['seconds']} | {s['pulumi_runs']} | "
            f"{s['commands']} ({s['write_commands']}) | {starts} |"
        )
    if data["left"]:
        lines += ["", "The run's source course, shared by the scenarios, stays (no delete):", ""]
        lines += [f"- {what}" for what in data["left"]]
    for s in data["scenarios"]:
        lines += ["", f"## {s['name']}: {'pass' if s['passed'] else 'FAIL'}", ""]
        if s["error"]:
            lines += ["```", s["error"].strip(), "```", ""]
        for step in s["steps"]:
            counted = f", {step['commands']} commands ({step['writes']} writes)" if step["commands"] else ""
            counted += f", {step['retries']} tried again" if step.get("retries") else ""
            lines.append(f"- `{shlex.join(step['argv'])}`: exit {step['exit_code']}, {step['seconds']} s{counted}")
        for note in s["notes"]:
            lines.append(f"- note: {note}")
        if s["left"]:
            lines += ["", "Left on the platforms (no delete in MITx Online or edX for these):", ""]
            lines += [f"- {what}" for what in s["left"]]
    return "\n".join(lines) + "\n"
