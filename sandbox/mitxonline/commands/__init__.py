"""``manage.py <command>`` for the MITx Online emulation: ``run(argv, ctx) -> exit status``.

Django's ``call_command`` conventions apply: unknown command → exit 1, usage error →
exit 2, ``CommandError`` → ``CommandError: <msg>`` and exit 1, an escaping exception →
traceback and exit 1 (docs/platforms/mitxonline.md §3). Real commands do not roll back what they
wrote before failing (docs/platforms/mitxonline.md §4), so the store is committed whatever the outcome, except
where a command itself rolls back (``b2b_contract import`` dry runs).

``call(ctx, name, *args, **options)`` is Django's ``call_command`` for code that
``shell -c`` runs (``django_modules``): the command runs inside the shell's process
and context, so the process, its start-up delay and its line in the sandbox log are
the shell's alone, as a real deployment would see one ``manage.py shell``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback
from collections.abc import Iterator
from typing import Any, TextIO, cast

from sandbox import session
from sandbox.context import CommandContext
from sandbox.mitxonline.commands import (
    b2b_codes,
    b2b_contract,
    b2b_courseware,
    b2b_list,
    courseware,
    django_modules,
    import_courserun,
    keycloak,
    program_admin,
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
        program_admin,
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
    parser = _parser(command, Streams(ctx.stdout, ctx.stderr))
    try:
        args = parser.parse_args(argv[1:])
        return command.handle(args, ctx, Output(ctx, command.logger))
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


def _parser(command: Command, streams: Streams) -> CommandParser:
    parser = CommandParser(prog=f"manage.py {command.name}", streams=streams)
    command.configure(parser)
    add_django_options(parser)
    return parser


def _actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """The parser's actions, those of its subcommands' parsers in place of the subparsers."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _actions(sub)
        else:
            yield action


_FLAG_ONLY = (argparse._StoreConstAction, argparse._CountAction, argparse._AppendConstAction)


def call(ctx: CommandContext, name: str, *args: Any, **options: Any) -> None:
    """``call_command(name, *args, **options)`` (Django 5.2) within the command of `ctx`.

    As in Django: an unknown command is ``CommandError("Unknown command: 'x'")``; the
    string forms of `args` go through the command's parser, whose usage errors are
    ``CommandError("Error: ...")``; keyword options are set by ``dest`` (``contract=21``,
    ``no_redemptions=True``) or by the name of one of the command's own options, not its
    subcommands' (``run_tag=`` for ``--run-tag``), after parsing, and required ones are
    passed to the parser; an unknown keyword is a ``TypeError``; ``stdout=``/``stderr=`` take
    the command's output (default: ``sys.stdout``/``sys.stderr`` at the call);
    ``skip_checks`` is on. What the command raises propagates: ``CommandError`` as
    Django's class, an exception of MITx Online under its own name, ``exit(n)`` as
    ``SystemExit``. The store is the caller's; it is committed when the outer command
    ends, like everything else that command wrote. Inside the provider's command session
    the call is a command of its own (`sandbox.session`).
    """
    words = [name, *(str(a) for arg in args for a in (arg if isinstance(arg, list | tuple) else [arg]))]
    session.call_in_session(ctx, words, lambda: _call(ctx, name, *args, **options))


def _call(ctx: CommandContext, name: str, *args: Any, **options: Any) -> None:
    command = COMMANDS.get(name)
    if command is None:
        raise django_modules.CommandError(f"Unknown command: {name!r}")
    stdout = cast(TextIO, options.get("stdout") or sys.stdout)
    stderr = cast(TextIO, options.get("stderr") or sys.stderr)
    parser = _parser(command, Streams(stdout, stderr, called_from_command_line=False))
    opt_mapping = {
        min(action.option_strings).lstrip("-").replace("-", "_"): action.dest
        for action in parser._actions
        if action.option_strings
    }
    arg_options = {opt_mapping.get(key, key): value for key, value in options.items()}
    parse_args: list[str] = []
    for arg in args:
        parse_args += [str(a) for a in arg] if isinstance(arg, list | tuple) else [str(arg)]
    actions = list(_actions(parser))
    required_together = {
        action for group in parser._mutually_exclusive_groups if group.required for action in group._group_actions
    }
    for action in actions:
        if action.dest in options and action.option_strings and (action.required or action in required_together):
            parse_args.append(min(action.option_strings))
            if isinstance(action, _FLAG_ONLY):
                continue
            value = arg_options[action.dest]
            parse_args += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    nested = dataclasses.replace(ctx, stdout=stdout, stderr=stderr)
    try:
        values = {**vars(parser.parse_args(parse_args)), **arg_options}
        valid = {action.dest for action in actions} | {"stdout", "stderr"} | set(opt_mapping)
        unknown = set(options) - valid
        if unknown:
            raise TypeError(
                f"Unknown option(s) for {name} command: {', '.join(sorted(unknown))}. "
                f"Valid options are: {', '.join(sorted(valid))}."
            )
        if "skip_checks" not in options:
            values["skip_checks"] = True
        for stream in ("stdout", "stderr"):
            values.pop(stream, None)
        status = command.handle(argparse.Namespace(**values), nested, Output(nested, command.logger))
    except CommandExit as exc:
        raise SystemExit(exc.status) from None
    except CommandError as exc:
        raise django_modules.as_django_error(exc) from None
    except EmulatedException as exc:
        raise django_modules.as_python_exception(exc) from None
    if status:
        # A real command leaves with `sys.exit(status)`, which call_command does not catch.
        raise SystemExit(status)
