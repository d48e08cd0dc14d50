"""Runs a command that writes JSON to a file and prints the file (docs/platforms/mitxonline.md §6).

`b2b_codes output --format json` only writes JSON through `--filename`, and the file is
written where the command runs, inside the deployment (docs/platforms/mitxonline.md §6): this program runs the
command through `call_command` with a file in a private temporary directory (mode
0700), prints the file's JSON and removes the directory, even when the command fails.
The command's own lines ("Filtering by contract", "Wrote json output") go to a buffer,
so stdout holds the JSON only. No file ("Nothing to output.", docs/platforms/mitxonline.md §3) prints `[]`.
"""

from __future__ import annotations

import io
import json
import pathlib
import sys
import tempfile
from collections.abc import Sequence


def print_command_file(argv: Sequence[str]) -> None:
    """`call_command(*argv, <file>)`, then the JSON of `<file>` on stdout."""
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as directory:
        target = pathlib.Path(directory, "output.json")
        call_command(*argv, str(target), stdout=io.StringIO())
        text = target.read_text(encoding="utf-8") if target.exists() else ""
    json.dump(json.loads(text) if text.strip() else [], sys.stdout)
