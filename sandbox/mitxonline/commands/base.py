"""What every emulated ``manage.py`` command shares: Django's parser, errors and output.

Django prints a ``CommandError`` as ``CommandError: <msg>`` on stderr with exit 1,
argparse usage errors exit 2, and an escaping exception is a traceback with exit 1
(docs/platforms/mitxonline.md §3). Several real failures are Python exceptions inside MITx
Online (``ContractPage.DoesNotExist``, ``SourceCourseIncompleteError``…), see
``sandbox.mitxonline.console.EmulatedException``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, NoReturn

from sandbox.context import CommandContext
from sandbox.mitxonline.console import Output

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class CommandError(Exception):
    """django.core.management.CommandError: stderr ``CommandError: <msg>``, exit 1."""


class CommandExit(Exception):
    """Leave the command with this exit status (argparse errors, ``exit(-1)``)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Streams:
    """Where a command's parser writes, and how it reports a usage error: from the
    command line (usage and exit 2) or, under ``call_command``, as
    ``CommandError("Error: <msg>")`` (Django's ``CommandParser.called_from_command_line``)."""

    stdout: IO[str]
    stderr: IO[str]
    called_from_command_line: bool = True


class CommandParser(argparse.ArgumentParser):
    """argparse writing to the command's streams and raising instead of exiting."""

    # Subcommand parsers get the same streams: ``sub.add_parser(name, streams=parser.streams)``.
    def __init__(self, *args: Any, streams: Streams, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = streams

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            target = self.streams.stderr if file is sys.stderr else self.streams.stdout
            target.write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self.streams.stderr.write(message)
        raise CommandExit(status)

    def error(self, message: str) -> NoReturn:
        if not self.streams.called_from_command_line:
            raise CommandError(f"Error: {message}")
        self.print_usage(self.streams.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def print_usage(self, file: SupportsWrite[str] | None = None) -> None:
        (file or self.streams.stdout).write(self.format_usage())

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        (file or self.streams.stdout).write(self.format_help())


def add_django_options(parser: argparse.ArgumentParser) -> None:
    """The options ``BaseCommand.create_parser`` adds to every command."""
    parser.add_argument("--version", action="version", version="5.2")
    parser.add_argument("-v", "--verbosity", default=1, type=int, choices=[0, 1, 2, 3])
    parser.add_argument("--settings")
    parser.add_argument("--pythonpath")
    parser.add_argument("--traceback", action="store_true")
    parser.add_argument("--no-color", action="store_true")
    parser.add_argument("--force-color", action="store_true")
    parser.add_argument("--skip-checks", action="store_true")


@dataclass(frozen=True)
class Command:
    """One ``manage.py`` command: its argparse set-up and its handler (returns the exit status)."""

    name: str
    configure: Callable[[CommandParser], None]
    handle: Callable[[argparse.Namespace, CommandContext, Output], int]
    # The Django app that holds the command in MITx Online: its log records name the
    # command's module, ``<app>.management.commands.<name>``.
    app: str = "b2b"

    @property
    def logger(self) -> str:
        return f"{self.app}.management.commands.{self.name}"
