"""``manage.py <command>`` for the MITx Online emulation: ``run(argv, ctx) -> exit status``.

Django's ``call_command`` conventions apply: unknown command → exit 1, usage error →
exit 2, ``CommandError`` → ``CommandError: <msg>`` and exit 1, an escaping exception →
traceback and exit 1 (mitxonline.md §3.12). Real commands do not roll back what they
wrote before failing (§12.5), so the store is committed whatever the outcome, except
where a command itself rolls back (``b2b_contract import`` dry runs).
"""

from __future__ import annotations

import traceback

from sandbox.context import CommandContext
from sandbox.mitxonline.commands import (
    b2b_codes,
    b2b_contract,
    b2b_courseware,
    b2b_list,
    courseware,
    import_courserun,
    keycloak,
    shell,
    sync_courserun,
)
from sandbox.mitxonline.commands.base import (
    Command,
    CommandError,
    CommandExit,
    CommandParser,
    Streams,
    add_django_options,
)
from sandbox.mitxonline.console import EmulatedException, Output

COMMANDS: dict[str, Command] = {
    command.name: command
    for module in (
        import_courserun,
        courseware,
        sync_courserun,
        b2b_contract,
        b2b_courseware,
        b2b_codes,
        b2b_list,
        keycloak,
        shell,
    )
    for command in module.COMMANDS
}


def run(argv: list[str], ctx: CommandContext) -> int:
    """Run one management command; returns the process exit status."""
    if not argv or argv[0] not in COMMANDS:
        name = argv[0] if argv else ""
        ctx.stderr.write(f"Unknown command: {name!r}\nType 'manage.py help' for usage.\n")
        return 1
    command = COMMANDS[argv[0]]
    parser = CommandParser(prog=f"manage.py {command.name}", streams=Streams(ctx.stdout, ctx.stderr))
    command.configure(parser)
    add_django_options(parser)
    try:
        args = parser.parse_args(argv[1:])
        return command.handle(args, ctx, Output(ctx, f"{command.name}"))
    except CommandExit as exc:
        return exc.status
    except CommandError as exc:
        ctx.stderr.write(f"CommandError: {exc}\n")
        return 1
    except EmulatedException as exc:
        ctx.stderr.write(
            "Traceback (most recent call last):\n"
            f'  File "manage.py", line 22, in <module>\n'
            f"    (raised inside MITx Online's {command.name})\n"
            f"{exc.qualified_name}: {exc.message}\n"
        )
        return 1
    except Exception:
        # A genuine error of the emulation still behaves like an escaping exception.
        ctx.stderr.write(traceback.format_exc())
        return 1
    finally:
        ctx.db.commit()
