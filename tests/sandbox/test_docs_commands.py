"""The `courseware-sandbox` commands docs/sandbox.md shows run as written (issue 16).

Its fault table once said `courseware-sandbox fault --state-dir DIR add`, which click
refuses. Each command of the page's `sh` blocks runs here with `DIR` (and the second
sandbox's state directory and port base) replaced by the test's own; the fault commands
of the command table run in the order the table writes them.
"""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

from tests.sandbox.helpers import free_port_base, run_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
SECOND_STATE_DIR = ".state/sandbox-2"
SECOND_PORT_BASE = "18700"


def sh_commands(page: str) -> list[list[str]]:
    """Every `courseware-sandbox` command of the page's `sh` blocks, without `scripts/run`."""
    commands = []
    for body in re.findall(r"```sh\n(.*?)```", page, re.S):
        for line in textwrap.dedent(body).splitlines():
            argv = shlex.split(line, comments=True)
            if argv[:1] == ["scripts/run"]:
                argv = argv[1:]
            if argv[:1] == ["courseware-sandbox"]:
                commands.append(argv[1:])
    return commands


def test_the_fault_examples_run_as_written(tmp_path: Path) -> None:
    state = str(tmp_path / "faults")
    examples = [argv for argv in sh_commands(DOC.read_text()) if argv[:2] == ["fault", "add"]]
    assert len(examples) == 6
    for argv in examples:
        added = run_cli(*[state if arg == "DIR" else arg for arg in argv])
        assert json.loads(added.stdout)["remaining"] >= 1
    # The command table's form: `fault add|list|clear --state-dir DIR`.
    forms = re.findall(r"`courseware-sandbox fault (\S+) --state-dir DIR`", DOC.read_text())
    assert forms == ["add\\|list\\|clear", "add"]
    listed = run_cli("fault", "list", "--state-dir", state).stdout.splitlines()
    assert len(listed) == len(examples)
    assert json.loads(run_cli("fault", "clear", "--state-dir", state).stdout) == {"cleared": len(examples)}


def test_the_second_sandbox_starts_beside_the_first(tmp_path: Path) -> None:
    [start] = [argv for argv in sh_commands(DOC.read_text()) if argv[:1] == ["start"]]
    assert start == ["start", "--state-dir", SECOND_STATE_DIR, "--port-base", SECOND_PORT_BASE]
    base = free_port_base()
    state = tmp_path / "sandbox-2"
    first = run_cli("start", "--state-dir", str(tmp_path / "first"), "--port-base", str(base))
    try:
        argv = [str(state) if a == SECOND_STATE_DIR else str(base + 100) if a == SECOND_PORT_BASE else a for a in start]
        second = json.loads(run_cli(*argv).stdout)
        try:
            assert second["edx_lms_url"] == f"http://127.0.0.1:{base + 100}"
            assert second["mitxonline_url"] == f"http://127.0.0.1:{base + 102}"
            assert second["edx_client_secret"] != json.loads(first.stdout)["edx_client_secret"]
        finally:
            run_cli("stop", "--state-dir", str(state))
    finally:
        run_cli("stop", "--state-dir", str(tmp_path / "first"))
