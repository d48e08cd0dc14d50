"""The one retry rule of both platforms: try, look, and only then maybe try again.

A call to edX or MITx Online that fails may still have done its work: a 5xx or a lost
answer after a POST, a management command that exits 1 after saving (docs/decisions.md
sections 11 and 24). `attempt` runs such a call as "maybe applied":

1. run `call`; its value is the answer (`Succeeded`);
2. on a `PlatformError`, when `observe` is given, read the platform afresh: anything it
   finds (not None, not False) means the work is done, and the answer is `Recovered`,
   carrying what was found and the failure it outlived;
3. otherwise, when `Retry.retryable(failure)` says another try may pass, tries are
   left and the read itself answered, pause `Retry.pause(number, failure)` seconds and go
   to 1 (a failure whose read failed too is raised as it is: its work may be done);
4. otherwise raise the failure.

The classification (`retryable`) is the platform's: `provider.errors.retryable_http` and
`retryable_command`. It alone decides what is never repeated, such as a command killed by
its timeout, which may still be running remotely. Sleep and log are injected, so tests
drive this with no clock and clients keep their own logger. tenacity (a pinned
dependency) runs the loop; this module adds the read between a failure and the decision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from provider.errors import CommandFailed, CommandRefused, PlatformError, RateLimited

T = TypeVar("T")
F = TypeVar("F")

#: Seconds to wait after try `number` (1 for the first) failed with `failure`.
Pause = Callable[[int, PlatformError], float]


@dataclass(frozen=True)
class Retry:
    """How one family of calls is tried again. `tries` counts the first try."""

    tries: int
    retryable: Callable[[PlatformError], bool]
    log: logging.Logger
    pause: Pause = lambda number, failure: 0.0
    sleep: Callable[[float], None] = time.sleep
    # Routine retries (a 429 waited out) are INFO; a command tried again is worth a WARNING.
    level: int = logging.WARNING


@dataclass(frozen=True)
class Succeeded(Generic[T]):
    """The call answered; `tries` says after how many tries."""

    value: T
    tries: int


@dataclass(frozen=True)
class Recovered(Generic[F]):
    """The call failed, but a fresh read found its work done: `found` is what it found."""

    found: F
    failure: PlatformError
    tries: int


def linear_pause(seconds: float) -> Pause:
    """`seconds` after the first try, twice that after the second, and so on."""
    return lambda number, failure: seconds * number


def backoff_pause(backoff: float, max_backoff: float, max_retry_after: float) -> Pause:
    """What a 429's `Retry-After` asks for, cut to `max_retry_after`; otherwise exponential
    backoff: `backoff`, twice that, four times, ... never above `max_backoff`."""

    def pause(number: int, failure: PlatformError) -> float:
        if isinstance(failure, RateLimited) and failure.retry_after is not None:
            return min(failure.retry_after, max_retry_after)
        return float(min(backoff * 2 ** (number - 1), max_backoff))

    return pause


@overload
def attempt(call: Callable[[], T], *, step: str, retry: Retry, observe: None = None) -> Succeeded[T]: ...


@overload
def attempt(
    call: Callable[[], T], *, step: str, retry: Retry, observe: Callable[[], F | None]
) -> Succeeded[T] | Recovered[F]: ...


def attempt(
    call: Callable[[], T], *, step: str, retry: Retry, observe: Callable[[], F | None] | None = None
) -> Succeeded[T] | Recovered[F]:
    """Run `call` under `retry`, reading with `observe` after each failure (module docstring).

    tenacity runs the loop (stop, wait, sleep, the log before a pause); `_once` is one try
    with its read, so the read happens before tenacity decides whether to try again.
    """

    def log_pause(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        pause = state.upcoming_sleep
        said = _said(step, failure) if failure is not None else ""
        retry.log.log(
            retry.level, "%s: try %d failed, trying again in %.1f s: %s", step, state.attempt_number, pause, said
        )

    def pause(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        return retry.pause(state.attempt_number, failure) if isinstance(failure, PlatformError) else 0.0

    # Failures whose re-read failed too: whether their work is done is unknown, so they are
    # never tried again (a blind repeat could do the work twice).
    unconfirmed: list[BaseException] = []

    def may_repeat(failure: BaseException) -> bool:
        if any(failure is seen for seen in unconfirmed):
            return False
        return isinstance(failure, PlatformError) and retry.retryable(failure)

    retrying = Retrying(
        stop=stop_after_attempt(retry.tries),
        retry=retry_if_exception(may_repeat),
        wait=pause,
        sleep=retry.sleep,
        before_sleep=log_pause,
        reraise=True,
    )
    answer: Succeeded[T] | Recovered[F] | None = None
    for trial in retrying:
        with trial:
            answer = _once(call, step, retry, observe, trial.retry_state.attempt_number, unconfirmed)
    assert answer is not None  # tenacity leaves the loop only after a try that answered
    return answer


def _once(
    call: Callable[[], T],
    step: str,
    retry: Retry,
    observe: Callable[[], F | None] | None,
    number: int,
    unconfirmed: list[BaseException],
) -> Succeeded[T] | Recovered[F]:
    """One try: the call's answer, or after a `PlatformError` what `observe` found of its
    work; the failure itself when nothing was found. When the read fails too, the call's
    own failure is raised, marked in `unconfirmed` so that it is never repeated: the read's
    error would otherwise stand in for it and be judged by the call's retry rule."""
    try:
        return Succeeded(call(), number)
    except PlatformError as failure:
        if observe is None:
            raise
        try:
            found = observe()
        except PlatformError as unread:
            unconfirmed.append(failure)
            retry.log.warning(
                "%s: %s; reading back whether it was applied failed too (%s), so it is not tried again",
                step,
                _said(step, failure),
                _said(step, unread),
            )
            raise failure from unread
        if found is not None and found is not False:
            retry.log.warning("%s: %s; it was applied all the same, continuing", step, _said(step, failure))
            return Recovered(found, failure, number)
        raise


def _said(step: str, failure: BaseException) -> str:
    """The first line of `failure` without `step`, which most messages start with; for a
    command that died in a traceback, the command and the exception it ended in (the first
    line of its message is a line cut from the middle of the traceback, issue 29)."""
    if isinstance(failure, CommandFailed) and not isinstance(failure, CommandRefused) and failure.exception:
        return f"command {' '.join(failure.argv)!r} exited {failure.exit_code}: {failure.exception}"
    text = str(failure).strip()
    first = text.splitlines()[0] if text else type(failure).__name__
    return first.removeprefix(f"{step}: ")
