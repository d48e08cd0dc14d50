"""What the learner-data tests (issue 14) share: a code contract's catalog, the
commands and codes the sandbox saw, read independently of the provider."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.e2e.harness import PulumiProject, Result
from tests.sandbox.helpers import Sandbox

TWO_WORDS = ("b2b_contract", "b2b_courseware", "b2b_codes", "b2b_list")
# Commands that only read (docs/platforms/mitxonline.md §3, §6); the provider reads codes and
# listings through `shell`.
READS = {"shell", "b2b_list", "b2b_codes output", "b2b_contract export"}


def source_course(number: str) -> dict[str, Any]:
    return {
        "course_key": f"course-v1:UAI_SOURCE+{number}+SOURCE",
        "title": f"Course {number}",
        "start": "2026-01-05T00:00:00Z",
        "end": "2030-12-31T00:00:00Z",
        "pacing": "self_paced",
        "mitxonline": {"page": {"ingest_content_files_for_ai": True}},
    }


class CodeContract:
    """One organization and one code contract over `courses` new source courses."""

    def __init__(self, courses: int = 1, seats: int = 5) -> None:
        self.org_key = Sandbox.unique("LD").upper()
        self.numbers = [Sandbox.unique(chr(ord("A") + i)) for i in range(courses)]
        self.courses = [f"course-v1:UAI_SOURCE+{n}" for n in self.numbers]
        self.name = f"{self.org_key} Contract"
        self.label = f"{self.org_key}/{self.name}"
        self.seats = seats

    def catalog(self, *, courses: list[str] | None = None, **contract: Any) -> dict[str, Any]:
        entry = {
            "organization": self.org_key,
            "name": self.name,
            "membership_type": "code",
            "max_learners": self.seats,
            "courses": self.courses if courses is None else courses,
            **contract,
        }
        return {
            "source_courses": [source_course(n) for n in self.numbers],
            "organizations": [{"org_key": self.org_key, "name": f"{self.org_key} University"}],
            "contracts": [entry],
        }


def commands_since(sandbox: Sandbox, start: int) -> list[str]:
    """The management commands run since log entry `start`, as `b2b_codes validate` etc."""
    argvs = [e["argv"] for e in sandbox.log()[start:] if e["kind"] == "command"]
    return [f"{a[0]} {a[1]}" if a[0] in TWO_WORDS else a[0] for a in argvs]


def writes_since(sandbox: Sandbox, start: int) -> list[str]:
    """Every write since `start`: commands that are not reads, and Studio calls that change."""
    entries = sandbox.log()[start:]
    commands = [c for c in commands_since(sandbox, start) if c not in READS]
    http = [
        f"{e.get('method')} {e.get('path')}"
        for e in entries
        if e["kind"] != "command" and e.get("method") not in (None, "GET") and "access_token" not in str(e.get("path"))
    ]
    return commands + http


def sandbox_codes(sandbox: Sandbox, contract_id: int) -> list[dict[str, str]]:
    """Every enrollment code of a contract, as MITx Online's own `b2b_codes output` lists it."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "codes.json"
        argv = ["b2b_codes", "output", "--contract", str(contract_id), "--all", "--format", "json"]
        done = sandbox.manage(*argv, "--filename", str(target))
        assert done.returncode == 0, done.stdout + done.stderr
        rows: list[dict[str, str]] = json.loads(target.read_text()) if target.exists() else []
    return rows


def courseware(project: PulumiProject, *args: str, stdin: str | None = None) -> Result:
    """The `courseware` CLI in the project's directory and environment."""
    argv = ["courseware", *args]
    done = subprocess.run(
        argv, cwd=project.root, env=project.env, capture_output=True, text=True, input=stdin, timeout=600
    )
    return Result(argv, done.returncode, done.stdout, done.stderr)
