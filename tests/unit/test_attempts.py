"""The one retry helper of both platforms (provider/attempts.py), driven with no clock.

Each test scripts what the call answers, try by try, and what a fresh read finds; sleep
is a list that keeps the pauses asked for. The classifications are the real ones of
provider/errors.py, so "a timed-out command is retried" fails here in milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from provider.attempts import Recovered, Retry, Succeeded, attempt, backoff_pause, linear_pause
from provider.errors import (
    CommandFailed,
    CommandRefused,
    CommandTimedOut,
    PlatformError,
    RateLimited,
    ServerError,
    Unreachable,
    retryable_command,
    retryable_http,
)

STEP = "create contract bigco"
ARGV = ["b2b_contract", "import"]
log = logging.getLogger("provider.test_attempts")


def failed(stderr: str = "OperationalError: server closed the connection") -> CommandFailed:
    return CommandFailed(ARGV, 1, "", stderr, STEP)


def timed_out() -> CommandTimedOut:
    return CommandTimedOut(ARGV, -9, "", "killed after 30 s", STEP)


def refused() -> CommandRefused:
    return CommandRefused(ARGV, 1, "", "Organization key differs", "the key is taken", STEP)


def server_error() -> ServerError:
    return ServerError("POST", "http://studio.test/api/v1/course_runs/", 502, "bad gateway", STEP)


def rate_limited(retry_after: float | None) -> RateLimited:
    return RateLimited("GET", "http://studio.test/", 429, "throttled", STEP, retry_after)


class Script:
    """A call that answers `outcomes` in turn: a value is returned, an exception raised."""

    def __init__(self, *outcomes: Any) -> None:
        self._outcomes: Iterator[Any] = iter(outcomes)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        outcome = next(self._outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class Reads:
    """A fresh read of the platform that finds `found` in turn, and counts its calls."""

    def __init__(self, *found: Any) -> None:
        self._found = iter(found)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return next(self._found)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def commands(sleeps: list[float], tries: int = 3) -> Retry:
    """MITx Online's command policy: 1 s, then 2 s apart."""
    return Retry(tries=tries, retryable=retryable_command, log=log, pause=linear_pause(1.0), sleep=sleeps.append)


def http(sleeps: list[float], *, repeatable: bool, tries: int = 5) -> Retry:
    return Retry(
        tries=tries,
        retryable=lambda failure: retryable_http(failure, repeatable=repeatable),
        log=log,
        pause=backoff_pause(0.5, 3.0, 60.0),
        sleep=sleeps.append,
        level=logging.INFO,
    )


def test_a_call_that_answers_is_not_observed_and_not_paused(sleeps: list[float], caplog: Any) -> None:
    call, read = Script("done"), Reads()
    result = attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert result == Succeeded("done", 1)
    assert (call.calls, read.calls, sleeps) == (1, 0, [])
    assert caplog.records == []


def test_a_failure_whose_work_is_found_is_recovered_not_repeated(sleeps: list[float], caplog: Any) -> None:
    failure = failed()
    call, read = Script(failure), Reads({"id": 21})
    with caplog.at_level(logging.WARNING):
        result = attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert result == Recovered({"id": 21}, failure, 1)
    assert (call.calls, read.calls, sleeps) == (1, 1, [])
    # One line naming the step once, what failed, and that it goes on.
    assert caplog.messages == [
        f"{STEP}: command 'b2b_contract import' exited 1: OperationalError: server closed the connection; "
        "it was applied all the same, continuing"
    ]


def test_a_transient_failure_is_observed_then_tried_again_after_growing_pauses(
    sleeps: list[float], caplog: Any
) -> None:
    call, read = Script(failed(), failed(), "done"), Reads(False, None)
    with caplog.at_level(logging.WARNING):
        result = attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert result == Succeeded("done", 3)
    assert (call.calls, read.calls, sleeps) == (3, 2, [1.0, 2.0])
    assert [m.split(": command")[0] for m in caplog.messages] == [
        f"{STEP}: try 1 failed, trying again in 1.0 s",
        f"{STEP}: try 2 failed, trying again in 2.0 s",
    ]


# What two `b2b_contract import`s at once printed on a real MITx Online (issue 29): a
# traceback through treebeard's page-tree insert, longer than the 800 characters a
# command error keeps, so its kept tail starts in the middle of a frame.
TREEBEARD_TRACEBACK = "\n".join(
    [
        '{"event": "Importing contract", "level": "info"}',
        "Traceback (most recent call last):",
        '  File "/app/manage.py", line 10, in <module>',
        "    execute_from_command_line(sys.argv)",
        *[
            f'  File "/app/.venv/lib/python3.11/site-packages/frame{n}.py", line {n}, in call\n    step{n}()'
            for n in range(12)
        ],
        '  File "/app/.venv/lib/python3.11/site-packages/treebeard/mp_tree.py", line 372, in process',
        "    newobj.save()",
        '  File "/app/.venv/lib/python3.11/site-packages/django/db/backends/utils.py", line 105, in _execute',
        "    return self.cursor.execute(sql, params)",
        'django.db.utils.IntegrityError: duplicate key value violates unique constraint "wagtailcore_page_path_key"',
        "DETAIL:  Key (path)=(000100010002) already exists.",
    ]
)


def test_a_retry_warning_quotes_the_exception_a_traceback_ends_in(sleeps: list[float], caplog: Any) -> None:
    call, read = Script(failed(TREEBEARD_TRACEBACK), "done"), Reads(None)
    with caplog.at_level(logging.WARNING):
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert caplog.messages == [
        f"{STEP}: try 1 failed, trying again in 1.0 s: command 'b2b_contract import' exited 1: "
        'django.db.utils.IntegrityError: duplicate key value violates unique constraint "wagtailcore_page_path_key"'
    ]


def test_a_recovered_warning_quotes_the_exception_too(sleeps: list[float], caplog: Any) -> None:
    call, read = Script(failed(TREEBEARD_TRACEBACK)), Reads({"id": 21})
    with caplog.at_level(logging.WARNING):
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert "newobj.save()" not in caplog.text
    assert "IntegrityError: duplicate key value" in caplog.messages[0]


def test_a_failure_without_a_traceback_keeps_its_first_line(sleeps: list[float], caplog: Any) -> None:
    call, read = Script(failed("Error: no such contract\nsee --help"), "done"), Reads(None)
    with caplog.at_level(logging.WARNING):
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert caplog.messages[0].endswith("exited 1: Error: no such contract")


def test_a_timed_out_command_is_never_tried_again(sleeps: list[float]) -> None:
    """It may still be running in the deployment: only the read decides."""
    failure = timed_out()
    call, read = Script(failure, "a second run"), Reads(None)
    with pytest.raises(CommandTimedOut) as caught:
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert caught.value is failure
    assert (call.calls, read.calls, sleeps) == (1, 1, [])


def test_a_timed_out_command_whose_work_is_found_is_recovered(sleeps: list[float]) -> None:
    failure = timed_out()
    result = attempt(Script(failure), step=STEP, retry=commands(sleeps), observe=Reads(True))
    assert result == Recovered(True, failure, 1)


def test_a_refusal_is_observed_but_never_tried_again(sleeps: list[float]) -> None:
    call, read = Script(refused(), "a second run"), Reads(None)
    with pytest.raises(CommandRefused, match="the key is taken"):
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert (call.calls, read.calls, sleeps) == (1, 1, [])


def test_a_refusal_after_the_work_was_done_is_recovered(sleeps: list[float]) -> None:
    """`b2b_courseware add` outside the contract's dates makes the runs, then refuses."""
    failure = refused()
    assert attempt(Script(failure), step=STEP, retry=commands(sleeps), observe=Reads(["run"])) == Recovered(
        ["run"], failure, 1
    )


def test_the_last_failure_is_raised_when_the_tries_run_out(sleeps: list[float]) -> None:
    last = failed("the third")
    call, read = Script(failed(), failed(), last), Reads(None, None, None)
    with pytest.raises(CommandFailed) as caught:
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert caught.value is last
    assert (call.calls, read.calls, sleeps) == (3, 3, [1.0, 2.0])


def test_without_observe_a_read_is_retried_until_it_answers(sleeps: list[float]) -> None:
    call = Script(failed(), "rows")
    assert attempt(call, step=STEP, retry=commands(sleeps)) == Succeeded("rows", 2)
    assert sleeps == [1.0]


def test_what_is_not_a_platform_error_goes_straight_out(sleeps: list[float]) -> None:
    call, read = Script(KeyError("a bug"), "done"), Reads(True)
    with pytest.raises(KeyError):
        attempt(call, step=STEP, retry=commands(sleeps), observe=read)
    assert (call.calls, read.calls) == (1, 0)


def test_a_failing_read_leaves_the_failure_it_looked_after_unrepeated(sleeps: list[float], caplog: Any) -> None:
    """Issue 28: the read's own error used to stand in for the write's failure and be
    judged by the write's retry rule, so a write that exited 1 ran three times and the
    error named the read. Now the write's failure is raised after one try, never repeated."""

    def broken_read() -> object:
        raise server_error()

    call = Script(failed(), failed(), "run")
    with caplog.at_level(logging.WARNING), pytest.raises(CommandFailed) as caught:
        attempt(call, step=STEP, retry=commands(sleeps), observe=broken_read)
    assert call.calls == 1 and sleeps == []
    assert isinstance(caught.value.__cause__, ServerError)
    assert "not tried again" in caplog.text


def test_http_backoff_doubles_up_to_its_cap_and_honours_retry_after(sleeps: list[float], caplog: Any) -> None:
    call = Script(server_error(), server_error(), rate_limited(7.0), server_error(), "run")
    with caplog.at_level(logging.INFO):
        assert attempt(call, step=STEP, retry=http(sleeps, repeatable=True)) == Succeeded("run", 5)
    assert sleeps == [0.5, 1.0, 7.0, 3.0]
    assert all(record.levelno == logging.INFO for record in caplog.records)


def test_a_retry_after_longer_than_the_cap_is_cut_short(sleeps: list[float]) -> None:
    attempt(Script(rate_limited(3600.0), "run"), step=STEP, retry=http(sleeps, repeatable=False))
    assert sleeps == [60.0]


@pytest.mark.parametrize(
    "failure",
    [server_error(), Unreachable("POST", "http://studio.test/", "ReadTimeout", STEP)],
    ids=["5xx", "answer lost"],
)
def test_a_post_that_may_have_been_applied_is_not_repeated(failure: PlatformError, sleeps: list[float]) -> None:
    call = Script(failure, "run")
    with pytest.raises(type(failure)):
        attempt(call, step=STEP, retry=http(sleeps, repeatable=False))
    assert call.calls == 1


@pytest.mark.parametrize(
    ("failure", "repeatable"),
    [
        (server_error(), True),
        # Refused unread, or never sent: a POST too is worth another try.
        (rate_limited(None), False),
        (Unreachable("POST", "http://studio.test/", "ConnectError", STEP, sent=False), False),
    ],
    ids=["5xx of a repeatable request", "429", "never sent"],
)
def test_a_request_that_cannot_have_been_applied_or_is_harmless_is_repeated(
    failure: PlatformError, repeatable: bool, sleeps: list[float]
) -> None:
    call = Script(failure, "run")
    assert attempt(call, step=STEP, retry=http(sleeps, repeatable=repeatable)) == Succeeded("run", 2)
