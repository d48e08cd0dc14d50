"""What the provider's parsers depend on, set inside the MITx Online process itself.

`b2b_list` draws its tables with rich, which sizes them from `COLUMNS` when stdout is
not a terminal and otherwise assumes 80 columns, cutting cells with `…`
(docs/platforms/mitxonline.md §6). A prefix such as `kubectl exec` or `ssh` does not carry
the provider's environment into the deployment, so the program sets it before any
command runs (rich reads it when a command makes its console). Colour is turned off for
rich and Django alike, and the process's own streams write UTF-8, whatever locale the
deployment gives them, so box drawing and names survive.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

PINNED = {"COLUMNS": "1000", "NO_COLOR": "1", "DJANGO_COLORS": "nocolor", "TERM": "dumb"}
# Each of these would make rich draw for a terminal (colour, or the terminal's width).
UNSET = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES")


def pin_environment() -> None:
    """Set `PINNED`, drop `UNSET`, and make stdout and stderr write UTF-8."""
    for name in UNSET:
        os.environ.pop(name, None)
    os.environ.update(PINNED)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # A stream that cannot change (already written in another encoding) keeps its own.
            with contextlib.suppress(ValueError, io.UnsupportedOperation):
                reconfigure(encoding="utf-8", errors="backslashreplace")
