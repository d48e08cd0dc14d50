"""`b2b_list` as a process: 80 columns without `COLUMNS` (docs/platforms/mitxonline.md §6),
and the width a `shell -c` program sets before it calls the command (issue 20).

`env -i` in front of `manage` passes no environment, as `kubectl exec` passes none of
the provider's into the deployment.
"""

from __future__ import annotations

import json
import subprocess

from provider.mitxonline import commands, outputs, tables
from tests.sandbox.helpers import Sandbox


def manage_without_environment(sandbox: Sandbox, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["env", "-i", *sandbox.info["manage_command"], *argv], capture_output=True, text=True, timeout=120
    )


def long_named_organization(sandbox: Sandbox) -> str:
    name = f"{Sandbox.unique('The Long Named University of ')} Continuing Studies"
    key = Sandbox.unique("W").upper()
    created = manage_without_environment(
        sandbox, "b2b_contract", "create", name, f"{name} Contract", "managed", "--create", "--org-key", key
    )
    assert created.returncode == 0, created.stderr
    return name


def test_without_columns_the_table_is_80_columns_wide_and_cuts_cells(sandbox: Sandbox) -> None:
    name = long_named_organization(sandbox)
    listed = manage_without_environment(sandbox, "b2b_list", "organizations")
    assert listed.returncode == 0, listed.stderr
    assert max(len(line) for line in listed.stdout.splitlines()) == 80
    assert "…" in listed.stdout and name not in listed.stdout


def test_the_listings_program_sets_its_own_width_whatever_the_environment(sandbox: Sandbox) -> None:
    name = long_named_organization(sandbox)
    listings = commands.listings()
    listed = manage_without_environment(sandbox, listings.command, *listings.args)
    assert listed.returncode == 0, listed.stderr
    printed = outputs.parse_listings(listed.stdout)
    assert name in printed["organizations"] and "…" not in printed["organizations"]
    assert {row["Name"] for row in tables.parse_table(printed["organizations"])} >= {name}
    assert json.loads(listed.stdout).keys() == {"contracts", "organizations"}
