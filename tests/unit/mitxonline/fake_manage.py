"""A stand-in for `manage.py shell --no-imports -c CODE`, for the session tests: it runs
CODE (the provider's session runner) with fake `django` modules whose commands misbehave
on demand. It is a real process, so sessions are started, killed and restarted for real.

Commands: `echo WORDS…` prints them (to `sys.stdout` and `stdout=`), `exit N` calls
`sys.exit(N)`, `die` kills the process, `hang` sleeps, `garble` writes a broken frame on
the session's stdout, `stray` writes a line straight to file descriptor 1.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
import types
from typing import Any

ORIGINAL_STDOUT = os.dup(1)


class CommandError(Exception):
    pass


def call_command(name: str, *args: str, stdout: Any = None, stderr: Any = None) -> None:
    if name == "echo":
        print("printed", *args)
        stdout.write("written " + " ".join(args) + "\n")
    elif name == "exit":
        sys.exit(int(args[0]))
    elif name == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    elif name == "hang":
        time.sleep(60)
    elif name == "garble":
        session = re.search(r"serve\('(\w+)'\)", sys.argv[-1])
        assert session is not None
        os.write(ORIGINAL_STDOUT, f"courseware-session {session.group(1)} {{not json\n".encode())
    elif name == "stray":
        os.write(1, b"a line around sys.stdout\n")
    else:
        raise CommandError(f"Unknown command: {name!r}")


def main() -> None:
    assert sys.argv[1:4] == ["shell", "--no-imports", "-c"], sys.argv
    print("a banner from the prefix, before any frame", flush=True)
    modules = {name: types.ModuleType(name) for name in ("django", "django.core", "django.core.management")}
    modules["django.db"] = types.ModuleType("django.db")
    modules["django.db"].connections = types.SimpleNamespace(close_all=lambda: None)  # type: ignore[attr-defined]
    modules["django.core.management"].call_command = call_command  # type: ignore[attr-defined]
    modules["django.core.management"].CommandError = CommandError  # type: ignore[attr-defined]
    sys.modules.update(modules)
    exec(sys.argv[4], {"__name__": "__main__"})


if __name__ == "__main__":
    main()
