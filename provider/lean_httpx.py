"""Import httpx without its command line (docs/decisions.md §38).

httpx's package imports its own command-line client (`httpx._main`) whenever click, rich
and pygments are installed, and this project installs them: click for `courseware`, rich
for the sandbox's MITx Online tables. That client is about half of httpx's import, some
0.1 s of CPU in every provider process that makes a request, and the test suite starts
thousands of them. A `None` entry in `sys.modules` makes that one import fail, which
httpx catches: `httpx.main` becomes its stub that says the client is not installed, and
nothing else changes. Nothing in this project runs `httpx.main`.
"""

from __future__ import annotations

import sys

COMMAND_LINE_MODULE = "httpx._main"


def leave_out_httpx_command_line() -> bool:
    """Make a later `import httpx` skip its command-line client. True when it will; False
    when httpx is already imported (with or without it), which changes nothing."""
    if "httpx" in sys.modules:
        return False
    # A `None` entry is the import system's documented "this module is not there".
    sys.modules.setdefault(COMMAND_LINE_MODULE, None)  # type: ignore[arg-type]
    return sys.modules[COMMAND_LINE_MODULE] is None
