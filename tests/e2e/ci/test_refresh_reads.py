"""What docs/ci.md says `pulumi up --refresh` costs (issue 16): every read twice, once for
the preview and once for the update, unless `--skip-preview`; counted in the sandbox's
log of requests and commands."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.e2e.harness import STACKS, PulumiProject
from tests.sandbox.helpers import Sandbox

# Getting a token is not a read of a resource, and its count depends on process starts.
TOKEN_PATH = "/oauth2/access_token"


def reads(entries: list[dict[str, Any]]) -> Counter[str]:
    """Each GET and each command, by app and path (or by command name)."""
    counted: Counter[str] = Counter()
    for entry in entries:
        if entry["kind"] == "command":
            counted[f"command {entry['argv'][0]}"] += 1
        elif entry["method"] == "GET" and entry["path"] != TOKEN_PATH:
            counted[f"{entry['app']} GET {entry['path']}"] += 1
    return counted


def test_up_refresh_reads_twice_unless_skip_preview(tmp_path: Path, module_sandbox: Sandbox) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="uai-source", stack_file=STACKS / "Pulumi.uai-source.yaml")
    project.use_sandbox(module_sandbox.info)
    project.up()

    before = len(module_sandbox.log())
    project.run("up", "--yes", "--refresh")
    with_preview = reads(module_sandbox.log()[before:])

    before = len(module_sandbox.log())
    project.run("up", "--yes", "--refresh", "--skip-preview")
    without_preview = reads(module_sandbox.log()[before:])

    assert without_preview, "a refresh reads every resource"
    assert with_preview == Counter({what: 2 * n for what, n in without_preview.items()}), (
        with_preview,
        without_preview,
    )
