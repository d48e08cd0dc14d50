"""How a failed management command is tried again (provider/attempts.py does the trying).

Each try costs a Django start-up (about 20 s, docs/platforms/mitxonline.md §2), so the
budget is small. A read is tried again whenever the failure is transient; a write only
after a fresh read shows its work missing (`_common.write_or_recover`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from provider.attempts import Retry, linear_pause
from provider.errors import CommandFailed, CommandRefused, retryable_command

# A failed command is tried at most this many times in all (docs/reliability.md); the
# pause between tries grows by `COMMAND_PAUSE` seconds each time.
COMMAND_ATTEMPTS = 3
COMMAND_PAUSE = 1.0

# What an error and the retry log show instead of a stdout that may hold enrollment codes.
WITHHELD = "(stdout withheld: it may hold enrollment codes)"


def command_retry(*, log: logging.Logger, sleep: Callable[[float], None]) -> Retry:
    """Up to `COMMAND_ATTEMPTS` tries, `COMMAND_PAUSE` s then twice that apart, after
    `retryable_command` failures. Built at each call, so the module's settings are
    read then."""
    return Retry(
        tries=COMMAND_ATTEMPTS,
        retryable=retryable_command,
        log=log,
        pause=linear_pause(COMMAND_PAUSE),
        sleep=sleep,
    )


def without_stdout(failure: CommandFailed) -> CommandFailed:
    """The same failure, of the same class, with its stdout withheld."""
    if isinstance(failure, CommandRefused):
        return type(failure)(failure.argv, failure.exit_code, WITHHELD, failure.stderr, failure.reason, failure.step)
    return type(failure)(failure.argv, failure.exit_code, WITHHELD, failure.stderr, failure.step, key=failure.key)
