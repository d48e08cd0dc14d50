"""`b2b_list contracts` and `b2b_list organizations` in one process (docs/platforms/mitxonline.md §6).

Prints `{"<listing>": "<table>", ...}` as one JSON object. Each table is caught both
through the command's `stdout=` and as printed to `sys.stdout` (`b2b_list` prints with
rich straight to `sys.stdout`), so it comes out whichever way the command writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Sequence


def print_listings(listings: Sequence[str]) -> None:
    from django.core.management import call_command

    tables = {}
    for listing in listings:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            call_command("b2b_list", listing, stdout=buffer)
        tables[listing] = buffer.getvalue()
    json.dump(tables, sys.stdout)
