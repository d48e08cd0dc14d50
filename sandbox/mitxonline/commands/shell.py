"""``shell`` (Django 5.2; docs/platforms/mitxonline.md §6): run ``-c`` code and print its output.

The code runs with ``exec`` in a fresh namespace of this process: a local sandbox runs
only what its own user passes. Without ``--no-imports`` (and at verbosity ≥ 1) Django
first prints how many objects it imported and a blank line: the count MITx Online's
banner shows (its models), though the emulation's namespace holds none of them.

As in MITx Online, the code can ``from django.core.management import call_command`` and
run another management command in the same process (``django_modules``): the provider
reads enrollment codes with one shell whose code runs ``b2b_codes output --filename``
and prints the file (docs/decisions.md). The called command shares this command's
context, store and streams; the sandbox log, the fault rules and the start-up delay see
one command, the shell, as a real deployment sees one process. An exception the code
lets escape (a ``CommandError`` of a called command included) is a traceback and exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import traceback
from typing import Any

from sandbox.context import CommandContext
from sandbox.mitxonline.commands import courses_modules, django_modules
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.console import Output

# Django 5.2's shell imports every model of the installed apps; the real project's banner
# counts about 150 (issue #18 point 9). The exact number changes with MITx Online's apps.
AUTO_IMPORTED_OBJECTS = 150


def configure(parser: CommandParser) -> None:
    parser.add_argument("--no-startup", dest="no_startup", action="store_true")
    parser.add_argument("--no-imports", dest="no_imports", action="store_true")
    parser.add_argument("-i", "--interface", choices=["ipython", "bpython", "python"])
    parser.add_argument("-c", "--command")


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    # The package imports this module to register the command, so its `call` is
    # reached at run time.
    from sandbox.mitxonline.commands import call

    if args.command is None:
        raise CommandError("The sandbox's shell has no interactive mode; pass the code with -c.")
    if not args.no_imports and args.verbosity >= 1:
        out.out(f"{AUTO_IMPORTED_OBJECTS} objects imported automatically (use -v 2 for details).")
        out.out("")

    def call_command(name: str, *call_args: Any, **options: Any) -> None:
        call(ctx, name, *call_args, **options)

    namespace: dict[str, object] = {
        "__name__": "__main__",
        "__builtins__": django_modules.builtins_for(call_command, courses_modules.modules(ctx.db)),
    }
    with contextlib.redirect_stdout(ctx.stdout), contextlib.redirect_stderr(ctx.stderr):
        try:
            exec(compile(args.command, "<command>", "exec"), namespace)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except Exception:
            ctx.stderr.write(traceback.format_exc())
            return 1
    return 0


COMMANDS = (Command("shell", configure, handle, app="django.core"),)
