"""What a `courseware-sandbox` process imports (decisions §38).

The provider starts a `manage` process for each of its processes that writes to MITx
Online, and the test suite starts thousands: it must not import what only `start`,
`stop` and the server use (sandbox.lifecycle, the server, httpx), rich (a command that
draws a table imports it then) or PyJWT (imported where a token is made or read).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "rich", "jwt", "pygments", "sandbox.lifecycle", "sandbox.server")


def _run_cli(*args: str) -> tuple[str, list[str]]:
    """Run the CLI's `main` in a fresh interpreter: its output, and which of HEAVY it imported."""
    code = (
        "import json, sys\n"
        "from sandbox.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if sys.modules.get(m) is not None]))"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, check=True)
    *output, imported = done.stdout.strip().splitlines()
    return "\n".join(output), json.loads(imported)


def test_a_manage_command_imports_no_http_client_table_library_or_server(tmp_path: Path) -> None:
    output, imported = _run_cli("manage", "--state-dir", str(tmp_path), "shell", "-c", "print(6 * 7)")
    assert output.splitlines()[-1] == "42", output
    assert imported == []


def test_a_manage_command_that_draws_a_table_imports_rich_then(tmp_path: Path) -> None:
    output, imported = _run_cli("manage", "--state-dir", str(tmp_path), "b2b_list", "organizations")
    assert "B2B Organizations" in output, output
    assert imported == ["rich"]
