"""Runs MITx Online management commands: the only write path MITx Online has.

MITx Online exposes no HTTP write API for courses, runs, pages, organizations or
contracts (docs/platforms/mitxonline.md §1); operators run `manage.py <command>` inside its
deployment. `ManageCommand` does the same through an argv prefix from stack config
(`kubectl exec ... -- python manage.py`, or the sandbox's `manage`):

- an argument vector, never a shell string, and a timeout; run by a `Runner`: one
  subprocess per call (`run_subprocess`), or a command session that runs many commands
  in one `manage.py shell` (`session.SessionPool`, the default: one Django start-up);
- every argument checked before anything runs (`check_argv`); the grammar of keys and
  names is checked earlier, by the builders in `commands.py`;
- the exit code *and* the known messages of each command mapped to typed errors, since
  several commands print a refusal and exit 0 (docs/platforms/mitxonline.md §3), and a command that saves
  a locked contract fails with `ContractPage.DoesNotExist` (docs/platforms/mitxonline.md §4);
- stdout and stderr kept on every error for the report;
- one INFO line per command: the command and its arguments without the prefix (a
  `kubectl --token=...` prefix reaches no log and no error), exit status and time; a
  program sent to `shell -c` is shortened to its entry call there and logged in full at
  DEBUG only.

The provider passes the command no environment of its own: a `kubectl exec` or `ssh`
prefix would not carry it into the deployment anyway. What its parsers depend on is
set by the programs themselves (`remote.environment`).

The runner is a plain function, so unit tests inject one and start no process. Nothing
here holds mutable state: the provider's four worker threads (docs/platforms/pulumi.md §2)
share one `ManageCommand` safely.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from provider.errors import (
    CommandFailed,
    CommandRefused,
    CommandTimedOut,
    ContractLocked,
    FieldProblem,
    SessionBroken,
    UnsafeCommand,
)
from provider.logs import logger
from provider.rules import has_control_character

_log = logger("mitxonline.transport")

# Linux refuses one argument longer than 128 KiB (MAX_ARG_STRLEN); the programs sent to
# `shell -c` (`remote`) are a few KiB, every other argument far less.
_MAX_ARGUMENT = 32768
# What a command that cannot start names (issue 25): the setting to fix.
MANAGE_COMMAND_KEY = "`courseware:mitxonline` manageCommand"


@dataclass(frozen=True)
class Completed:
    """What a finished command left behind."""

    exit_code: int
    stdout: str
    stderr: str


class Runner(Protocol):
    """Runs one argument vector; raises `subprocess.TimeoutExpired` past `timeout`, and
    OSError or SessionBroken when it cannot start what the argument vector names."""

    def __call__(self, argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed: ...


def run_subprocess(argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed:
    """The production runner: `subprocess.run` on a list, no shell."""
    done = subprocess.run(
        list(argv),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        # A traceback may quote bytes that are not UTF-8; they must not hide the error.
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )
    return Completed(done.returncode, done.stdout, done.stderr)


def check_argv(argv: Sequence[str]) -> None:
    """Refuse an argument vector that a command could read differently from its author.

    A newline or NUL inside one argument is the classic way to smuggle a second line
    into `shell -c` or to break a name in a log line; the code given to `shell -c` is
    written by `commands.py` on one line for the same reason.
    """
    problems = []
    for index, argument in enumerate(argv):
        if not isinstance(argument, str):
            problems.append(FieldProblem(f"argv[{index}]", f"must be a string, got {type(argument).__name__}"))
        elif has_control_character(argument):
            problems.append(FieldProblem(f"argv[{index}]", f"{argument[:60]!r} holds a newline or control character"))
        elif len(argument) > _MAX_ARGUMENT:
            problems.append(FieldProblem(f"argv[{index}]", f"is {len(argument)} characters long"))
    if problems:
        raise UnsafeCommand(problems)


@dataclass(frozen=True)
class Refusal:
    """A message a command prints when it did not do what was asked."""

    command: str
    pattern: re.Pattern[str]
    reason: str  # plain words; `{0}`, `{1}`… are the pattern's groups


def _refusal(command: str, pattern: str, reason: str) -> Refusal:
    return Refusal(command, re.compile(pattern), reason)


# Every refusal message the project can meet, per command (docs/platforms/mitxonline.md §3, §5, §9). Matched on stdout
# and stderr whatever the exit code.
REFUSALS: tuple[Refusal, ...] = (
    _refusal(
        "import_courserun",
        r"Could not retrieve data for (\S+): (.*)",
        "MITx Online could not read the edX run {0} ({1}); create it in edX first (exit 0, "
        "docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "import_courserun",
        r"Validation error importing (\S+)\.",
        "MITx Online refused to import {0}: the course already has a CMS page, or no course index "
        "page exists (docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "import_courserun",
        r"Lookup error importing (\S+)\.",
        "MITx Online refused to import {0}: bad language code or variant option (docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "create_courseware",
        r"(\w+) with ID (\S+) already exists\.",
        "{0} {1} already exists (docs/platforms/mitxonline.md §3)",
    ),
    _refusal("create_courseware", r"The departments specified do not currently exist\.", "unknown department"),
    _refusal("create_courseware", r"(Object ID .* would be named .*)", "{0}"),
    _refusal(
        "create_courseware_page",
        r"Can't find courseware object for (\S+), stopping\.",
        "MITx Online has no course {0} (docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "create_courseware_page",
        r"An error occurred creating the about page for (\S+): (.*)",
        "MITx Online could not create the page of {0}: {1} (docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "sync_courserun",
        r"Could not find run with courseware_id=(\S+)",
        "MITx Online cannot sync {0}: it is unknown or a source run, which sync_courserun skips "
        "(docs/platforms/mitxonline.md §3)",
    ),
    _refusal(
        "b2b_contract",
        r"Organization '(.*)' does not exist\.",
        "MITx Online has no organization {0} (docs/platforms/mitxonline.md §5)",
    ),
    _refusal("b2b_contract", r"Contract with ID '(.*)' does not exist\.", "MITx Online has no contract {0}"),
    _refusal("b2b_contract", r"Contract '(.*)' not found\.", "MITx Online has no contract {0}"),
    _refusal("b2b_contract", r"(Unsupported export format version .*)", "{0}"),
    _refusal("b2b_courseware", r"Contract with ID/slug '(.*)' does not exist\.", "MITx Online has no contract {0}"),
    _refusal(
        "b2b_courseware",
        r"Bad variant options specified: (.*)",
        "the contract's variant options do not match: {0} (docs/platforms/mitxonline.md §9)",
    ),
    _refusal(
        "b2b_courseware",
        r"No source run found for (\S+?)\.?$",
        "course {0} has no source run: import its source run with is_source_run first "
        "(docs/platforms/mitxonline.md §9)",
    ),
    _refusal(
        "b2b_courseware",
        r"Invalid key error for course (\S+)\.",
        "the readable id of course {0} does not make a valid contract run key (docs/platforms/mitxonline.md §7)",
    ),
    _refusal(
        "b2b_codes", r"Identifier (.*) not found\.", "MITx Online has no contract {0} (docs/platforms/mitxonline.md §3)"
    ),
    # `b2b_codes output` run by `call_command` inside `shell` (commands.codes_read): its
    # CommandError ends the shell's traceback.
    _refusal(
        "shell",
        r"CommandError: Identifier (.*) not found\.",
        "MITx Online has no contract {0} (docs/platforms/mitxonline.md §3)",
    ),
)

# Wagtail re-reads a saved contract through `active_objects`, so saving one that is
# inactive or outside its dates raises this after the command did part of its work
# (docs/platforms/mitxonline.md §4).
_LOCKED = re.compile(r"ContractPage\.DoesNotExist|ContractPage matching query does not exist")
_LOCKED_REASON = (
    "MITx Online could not save the contract: it is inactive or outside its dates, and such a "
    "contract cannot be saved by any command (docs/platforms/mitxonline.md §4)"
)


def classify(argv: Sequence[str], command: str, done: Completed, step: str) -> None:
    """Raise the typed error a finished command deserves; return when it succeeded."""
    output = f"{done.stdout}\n{done.stderr}"
    for refusal in REFUSALS:
        if refusal.command != command:
            continue
        for line in output.splitlines():
            match = refusal.pattern.search(line)
            if match:
                reason = refusal.reason.format(*match.groups())
                raise CommandRefused(argv, done.exit_code, done.stdout, done.stderr, reason, step)
    if done.exit_code == 0:
        return
    if _LOCKED.search(output):
        raise ContractLocked(argv, done.exit_code, done.stdout, done.stderr, _LOCKED_REASON, step)
    raise CommandFailed(argv, done.exit_code, done.stdout, done.stderr, step)


@dataclass(frozen=True)
class ManageCommand:
    """`prefix + [command, *args]`, run by `runner` and classified by `classify`."""

    prefix: tuple[str, ...]
    timeout: float
    runner: Runner = field(default=run_subprocess)

    def run(self, command: str, *args: str, stdin: str | None = None, step: str = "") -> Completed:
        argv = [*self.prefix, command, *args]
        check_argv(argv)
        # What errors and logs show: never the prefix, which may hold a token.
        shown = shown_argv([command, *args])
        for word in _programs(args):
            _log.debug("%s: program sent to `%s -c`: %s", step or command, command, word)
        started = time.monotonic()
        try:
            done = self.runner(argv, timeout=self.timeout, stdin=stdin)
        except subprocess.TimeoutExpired as expired:
            _log.info("%s: %s killed after %g s", step or command, " ".join(shown), self.timeout)
            raise CommandTimedOut(
                shown, -1, _text(expired.stdout), _text(expired.stderr) + f"\n(killed after {self.timeout:g} s)", step
            ) from None
        except (OSError, SessionBroken) as error:
            # The prefix itself could not be started (kubectl missing, a wrong path), or
            # what it started is not a `manage.py shell` that serves a command session.
            _log.info("%s: %s could not start: %s", step or command, " ".join(shown), error)
            raise CommandFailed(
                shown, -1, "", f"could not start the command: {error}", step, key=MANAGE_COMMAND_KEY
            ) from None
        _log.info(
            "%s: %s exited %d in %.1f s", step or command, " ".join(shown), done.exit_code, time.monotonic() - started
        )
        classify(shown, command, done, step)
        return done


def _programs(args: Sequence[str]) -> list[str]:
    """The programs among `args`: each word after a `-c`."""
    return [word for flag, word in itertools.pairwise(args) if flag == "-c"]


def shown_argv(words: Sequence[str]) -> list[str]:
    """`words` as logs and errors show them: a program after `-c` becomes `<program: …>`
    with its last statement, the call that says what it does (`remote.shell_code`)."""
    shown = list(words)
    for index in range(1, len(shown)):
        if shown[index - 1] == "-c":
            entry = shown[index].rsplit("; ", 1)[-1]
            shown[index] = f"<program: {entry if len(entry) <= 200 else entry[:199] + '…'}>"
    return shown


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
