"""The timeout row of the fault matrix: every write command of every resource, killed by
its timeout, against the package's sandbox (docs/reliability.md, "MITx Online management
commands").

A command killed by `commandTimeout` may still be running in the deployment (`kubectl
exec` killed locally does not stop the process in the pod), so it is never run again:
the re-read decides. Two cases per command:

- killed, and its work is not there: the step fails with `CommandTimedOut` naming the
  object, the step and the limit, after exactly one run; once the cause is gone, the
  next `pulumi up` (the same call again) converges to one object;
- killed locally while it finished remotely: the re-read finds the work, the step goes
  on, and the command ran once.

The sandbox holds the command with a fault rule (`--latency`); only the command under
test gets the short timeout, so the reads around it run as usual. The count of runs is
the provider's own (each start of the command), so a run killed before the sandbox
logged it still counts.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Sequence

import pytest

from provider import platforms
from provider.errors import CommandTimedOut
from provider.mitxonline.transport import Completed, ManageCommand
from tests.faults import test_write_steps as matrix
from tests.faults.test_write_steps import COMMAND_STEPS, _command
from tests.sandbox.helpers import Sandbox

# The matrix's source course (edX run, course, source run, page), made once per module.
source_course = matrix.source_course

# Short enough to keep the matrix quick, far below the sandbox's hold of the command.
KILLED_AFTER = 3.0
HELD_FOR = 60


class TimingOutRunner:
    """The client's own runner (its command sessions, or one process per command) under
    a `commandTimeout` of `KILLED_AFTER` seconds, which only the command under test is
    held to (the others keep the stack's own limit); `finish_remotely` lets that command
    complete and then reports the timeout, as a `kubectl exec` whose local wait ran out
    while the pod finished the work."""

    def __init__(self, manage: ManageCommand, command: str, *, finish_remotely: bool = False) -> None:
        self.inner = manage.runner
        self.prefix = list(manage.prefix)
        self.usual_timeout = manage.timeout
        self.words = _command(command).split()
        self.finish_remotely = finish_remotely
        self.runs = 0

    def __call__(self, argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed:
        args = list(argv[len(self.prefix) :])
        if args[: len(self.words)] != self.words:
            return self.inner(argv, timeout=self.usual_timeout, stdin=stdin)
        self.runs += 1
        if self.finish_remotely:
            self.inner(argv, timeout=self.usual_timeout, stdin=stdin)
            raise subprocess.TimeoutExpired(list(argv), timeout)
        return self.inner(argv, timeout=timeout, stdin=stdin)


def _install(monkeypatch: pytest.MonkeyPatch, command: str, *, finish_remotely: bool = False) -> TimingOutRunner:
    """The client's commands run through a `TimingOutRunner` for `command` until the test ends."""
    client = platforms.mitxonline()
    runner = TimingOutRunner(client.manage, command, finish_remotely=finish_remotely)
    monkeypatch.setattr(client, "manage", dataclasses.replace(client.manage, timeout=KILLED_AFTER, runner=runner))
    return runner


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_command_killed_by_its_timeout_runs_once_then_converges(
    providers: Sandbox, source_course: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    client = platforms.mitxonline()
    original = client.manage
    runner = _install(monkeypatch, command)
    providers.fault("--command", _command(command), "--latency", str(HELD_FOR), "--times", "99")

    with pytest.raises(CommandTimedOut) as failure:
        case.act()
    message = str(failure.value)
    assert all(word in message for word in case.words), message
    assert _command(command).split()[0] in message and f"killed after {KILLED_AFTER:g} s" in message, message
    assert runner.runs == 1
    assert case.count() == 0

    providers.clear_faults()
    monkeypatch.setattr(client, "manage", original)
    client.shared.forget()
    case.act()
    assert case.count() == 1


@pytest.mark.parametrize("command", list(COMMAND_STEPS))
def test_command_that_finished_remotely_after_its_timeout_is_adopted(
    providers: Sandbox, source_course: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = COMMAND_STEPS[command](providers, source_course)
    runner = _install(monkeypatch, command, finish_remotely=True)
    case.act()
    assert case.count() == 1
    assert runner.runs == 1
