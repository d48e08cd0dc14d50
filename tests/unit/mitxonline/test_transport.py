"""ManageCommand: argument checks before any call, exit codes and messages to typed errors."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence

import pytest

from provider.errors import CommandFailed, CommandRefused, CommandTimedOut, ContractLocked, UnsafeCommand
from provider.mitxonline import commands
from provider.mitxonline.transport import Completed, ManageCommand, run_subprocess, shown_argv

SUCCESS = Completed(0, "", "")


class Recorder:
    def __init__(self, answer: Completed | BaseException = SUCCESS) -> None:
        self.answer = answer
        self.calls: list[tuple[list[str], float, str | None]] = []

    def __call__(self, argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed:
        self.calls.append((list(argv), timeout, stdin))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def manage(runner: Recorder) -> ManageCommand:
    return ManageCommand(("kubectl", "exec", "-i", "deploy/app", "--", "python", "manage.py"), 42.0, runner)


def test_the_prefix_comes_first_and_the_runner_gets_a_list_timeout_and_stdin() -> None:
    runner = Recorder()
    manage(runner).run("b2b_contract", "import", "-", stdin='{"version": 1}')
    argv, timeout, stdin = runner.calls[0]
    assert argv == ["kubectl", "exec", "-i", "deploy/app", "--", "python", "manage.py", "b2b_contract", "import", "-"]
    assert (timeout, stdin) == (42.0, '{"version": 1}')


@pytest.mark.parametrize("bad", ["two\nlines", "nul\x00byte", "tab\there", "cr\rhere"])
def test_a_control_character_is_refused_before_anything_runs(bad: str) -> None:
    runner = Recorder()
    with pytest.raises(UnsafeCommand) as caught:
        manage(runner).run("b2b_contract", "create", bad, "ok", "managed")
    assert runner.calls == []
    assert "argv[9]" in str(caught.value)


def test_every_bad_argument_is_reported_at_once() -> None:
    runner = Recorder()
    with pytest.raises(UnsafeCommand) as caught:
        manage(runner).run("b2b_contract", "create", "a\nb", "c\x00d", "x" * 40000)
    assert len(caught.value.problems) == 3
    assert runner.calls == []


def test_a_timeout_becomes_command_timed_out_with_what_was_printed() -> None:
    runner = Recorder(subprocess.TimeoutExpired(["x"], 42.0, output=b"half", stderr=b"way"))
    with pytest.raises(CommandTimedOut) as caught:
        manage(runner).run("b2b_codes", "validate", "--contract", "3", step="validate codes")
    error = caught.value
    assert error.stdout == "half" and "way" in error.stderr and "42" in error.stderr
    assert str(error).startswith("validate codes:")


def test_a_prefix_that_cannot_start_is_a_command_failure() -> None:
    with pytest.raises(CommandFailed, match="could not start"):
        manage(Recorder(FileNotFoundError(2, "No such file", "kubectl"))).run("b2b_list", "contracts")


def test_a_non_zero_exit_keeps_argv_exit_code_stdout_and_stderr() -> None:
    runner = Recorder(Completed(2, "usage", "error: unrecognized arguments: --make-codes"))
    with pytest.raises(CommandFailed) as caught:
        manage(runner).run("b2b_courseware", "add", "3", "course-v1:A+B", "--make-codes")
    error = caught.value
    assert type(error) is CommandFailed
    assert (error.exit_code, error.stdout) == (2, "usage")
    assert "unrecognized arguments" in error.stderr and error.argv[-1] == "--make-codes"


def test_a_refusal_printed_with_exit_0_is_still_an_error() -> None:
    # import_courserun exits 0 when edX has no such run (docs/platforms/mitxonline.md §3).
    answer = Completed(0, "Could not retrieve data for course-v1:A+B+R: 404 Client Error: Not Found\n", "")
    with pytest.raises(CommandRefused) as caught:
        manage(Recorder(answer)).run("import_courserun", "--courserun", "course-v1:A+B+R")
    assert caught.value.exit_code == 0
    assert "could not read the edX run course-v1:A+B+R" in caught.value.reason


def test_refusals_are_matched_per_command() -> None:
    # The same words from another command are not that command's refusal.
    answer = Completed(0, "Could not retrieve data for x: y", "")
    assert manage(Recorder(answer)).run("b2b_list", "contracts").exit_code == 0


def test_a_contract_that_cannot_be_saved_is_contract_locked() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        "b2b.models.ContractPage.DoesNotExist: ContractPage matching query does not exist.\n"
    )
    with pytest.raises(ContractLocked) as caught:
        manage(Recorder(Completed(1, "", stderr))).run("b2b_contract", "modify", "21", "--max-learners", "20")
    assert "inactive or outside its dates" in caught.value.reason
    assert isinstance(caught.value, CommandRefused)


def test_a_missing_contract_is_a_refusal_naming_it() -> None:
    answer = Completed(1, "", "CommandError: Contract with ID/slug '999' does not exist.")
    with pytest.raises(CommandRefused, match="no contract 999"):
        manage(Recorder(answer)).run("b2b_courseware", "add", "999", "course-v1:A+B")


def test_a_course_without_source_run_is_named() -> None:
    stderr = "courses.exceptions.SourceCourseIncompleteError: No source run found for course-v1:UAI_SOURCE+A.0001x."
    with pytest.raises(CommandRefused) as caught:
        manage(Recorder(Completed(1, "", stderr))).run("b2b_courseware", "add", "3", "course-v1:UAI_SOURCE+A.0001x")
    assert "course course-v1:UAI_SOURCE+A.0001x has no source run" in caught.value.reason


def test_the_subprocess_runner_runs_a_list_without_a_shell() -> None:
    done = run_subprocess(["sh", "-c", 'printf "%s|%s" "$(cat)" "$1"', "sh", "a b; c"], timeout=10, stdin="in")
    assert (done.exit_code, done.stdout) == (0, "in|a b; c")


def test_the_subprocess_runner_raises_timeout_expired() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run_subprocess(["sleep", "5"], timeout=0.2, stdin=None)


TOKEN_PREFIX = ("kubectl", "--token=s3cr3t", "exec", "-i", "deploy/app", "--", "python", "manage.py")


def test_logs_and_errors_show_the_command_without_the_prefix(caplog: pytest.LogCaptureFixture) -> None:
    runner = Recorder(Completed(1, "", "CommandError: boom"))
    caplog.set_level(logging.DEBUG, logger="provider")
    with pytest.raises(CommandFailed) as caught:
        ManageCommand(TOKEN_PREFIX, 5.0, runner).run("b2b_codes", "validate", "--contract", "3", step="validate codes")
    assert caught.value.argv == ["b2b_codes", "validate", "--contract", "3"]
    assert "s3cr3t" not in str(caught.value) and "s3cr3t" not in caplog.text
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert line.startswith("validate codes: b2b_codes validate --contract 3 exited 1 in ")


def test_a_program_is_one_short_info_line_and_in_full_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="provider")
    invocation = commands.listings()
    ManageCommand(TOKEN_PREFIX, 5.0, Recorder()).run(invocation.command, *invocation.args, step="list")
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert info == [f"list: shell --no-imports -c <program: print_listings(('contracts', 'organizations'))> "
                    f"exited 0 in {info[0].rsplit(' in ', 1)[1]}"]  # fmt: skip
    assert len(info[0]) < 200
    assert any(invocation.args[-1] in message for message in debug)


def test_shown_argv_shortens_only_the_program_after_dash_c() -> None:
    assert shown_argv(["shell", "-c", "exec('x'); pin_environment(); main(1)", "-v", "2"]) == [
        "shell", "-c", "<program: main(1)>", "-v", "2",
    ]  # fmt: skip
