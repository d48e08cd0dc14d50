"""``call_command`` inside ``shell -c``: one process runs another management command
(Django 5.2; docs/platforms/mitxonline.md §2, §6; docs/decisions.md). The provider reads
enrollment codes this way, so the sandbox must behave as Django does and count one
command."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from sandbox import log
from sandbox.context import CommandContext
from sandbox.manage import run_manage
from sandbox.mitxonline import commands
from sandbox.mitxonline.commands.base import Command, CommandParser
from sandbox.mitxonline.console import Output
from sandbox.settings import set_value
from tests.sandbox.mitxonline_helpers import Local, Ran

CALL = "from django.core.management import call_command\n"


def shell(local: Local, code: str) -> Ran:
    return local.manage("shell", "--no-imports", "-c", code)


def last_line(ran: Ran) -> str:
    return ran.err.strip().splitlines()[-1]


def test_call_command_writes_the_codes_file_that_the_same_code_prints(local: Local, code_contract: int) -> None:
    code = (
        "with __import__('tempfile').TemporaryDirectory() as d: import io, pathlib; "
        "from django.core.management import call_command; f = pathlib.Path(d, 'codes.json'); "
        f"call_command('b2b_codes', 'output', '--contract', '{code_contract}', '--all', '--format', 'json', "
        "'--filename', str(f), stdout=io.StringIO()); print(f.read_text())"
    )
    ran = shell(local, code)
    assert (ran.code, ran.err) == (0, "")
    # Only the file: "Filtering by contract" and "Wrote json output" went to the StringIO.
    rows = json.loads(ran.out)
    assert len(rows) == 15
    year = time.gmtime().tm_year
    assert {row["Course Run"] for row in rows} == {f"course-v1:UAI_UCODE+A.0001x+1T{code_contract}C{year}_en"}


def test_without_stdout_the_called_command_prints_on_the_shells_stdout(
    local: Local, code_contract: int, tmp_path: Path
) -> None:
    target = tmp_path / "codes.json"
    ran = shell(
        local,
        CALL + f"call_command('b2b_codes', 'output', '--contract', '{code_contract}', '--all', '--format', 'json', "
        f"'--filename', {str(target)!r})",
    )
    assert ran.code == 0
    assert ran.lines == [f"Filtering by contract: {code_contract}", f"Wrote json output to {target}."]
    assert len(json.loads(target.read_text())) == 15


def test_keyword_options_of_a_subcommand_are_set_by_dest(local: Local, code_contract: int) -> None:
    code = (
        "import io\n" + CALL + "out = io.StringIO()\n"
        # Not parsed: `contract` stays an int, as Django passes it.
        f"call_command('b2b_codes', 'output', contract={code_contract}, stats=True, stdout=out)\n"
        "call_command('b2b_codes', 'output', organization='UCODE', stats=True, no_redemptions=True, stdout=out)\n"
        "print(out.getvalue())"
    )
    ran = shell(local, code)
    assert ran.code == 0, ran.err
    assert ran.lines[0] == f"Filtering by contract: {code_contract}"
    assert "Filtering by organization: UCODE" in ran.lines
    assert ran.out.count("┏") == 2  # two --stats tables
    # Django maps option names to dests for the command's own parser only, not its subcommands'.
    refused = shell(local, CALL + "call_command('b2b_codes', 'output', org='UCODE')")
    assert last_line(refused).startswith("TypeError: Unknown option(s) for b2b_codes command: org.")


def _probe_configure(parser: CommandParser) -> None:
    parser.add_argument("--run-tag", "--tag", dest="tag")
    parser.add_argument("--needed", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--one", action="store_true")
    group.add_argument("--two")


def test_keyword_options_by_option_name_and_required_ones(local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []

    def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
        seen.append(args)
        out.out("probe ran")
        return 0

    monkeypatch.setitem(commands.COMMANDS, "probe", Command("probe", _probe_configure, handle))
    # `run_tag` is the name of --run-tag (the smallest option string), whose dest is `tag`;
    # required options given as keywords go through the parser.
    ran = shell(local, CALL + "call_command('probe', run_tag='T1', needed=3, one=True)")
    assert (ran.code, ran.out) == (0, "probe ran\n"), ran.err
    assert (seen[0].tag, seen[0].needed, seen[0].one, seen[0].skip_checks) == ("T1", 3, True, True)
    assert not hasattr(seen[0], "stdout")
    missing = shell(local, CALL + "call_command('probe', '--one')")
    assert last_line(missing) == (
        "django.core.management.base.CommandError: Error: the following arguments are required: --needed"
    )


def test_a_called_write_is_kept_in_the_store(local: Local, code_contract: int) -> None:
    ran = shell(local, CALL + f"call_command('b2b_contract', 'modify', '{code_contract}', '--max-learners', '20')")
    assert ran.code == 0, ran.err
    assert local.scalar("SELECT max_learners FROM mitx_contract WHERE id = ?", code_contract) == 20


def test_an_unknown_command_is_a_command_error(local: Local) -> None:
    ran = shell(local, CALL + "call_command('no_such_command')")
    assert ran.code == 1
    assert last_line(ran) == "django.core.management.base.CommandError: Unknown command: 'no_such_command'"


def test_an_unknown_keyword_option_is_a_type_error(local: Local) -> None:
    ran = shell(local, CALL + "call_command('b2b_codes', 'output', colour='red')")
    assert ran.code == 1
    assert last_line(ran).startswith("TypeError: Unknown option(s) for b2b_codes command: colour. Valid options are:")


def test_a_command_error_of_the_called_command_propagates(local: Local) -> None:
    ran = shell(local, CALL + "call_command('b2b_codes', 'output', '--contract', '999', '--all')")
    assert (ran.code, ran.out) == (1, "Filtering by contract: 999\n")
    assert last_line(ran) == "django.core.management.base.CommandError: Identifier 999 not found."
    assert ran.err.startswith("Traceback (most recent call last):")


def test_the_code_can_catch_a_command_error(local: Local) -> None:
    code = (
        "from django.core.management import CommandError, call_command\n"
        "from django.core.management.base import CommandError as BaseCommandError\n"
        "try:\n"
        "    call_command('b2b_codes', 'validate', '--contract', '999')\n"
        "except CommandError as error:\n"
        "    print('caught:', error, CommandError is BaseCommandError)\n"
    )
    ran = shell(local, code)
    assert (ran.code, ran.lines) == (0, ["Filtering by contract: 999", "caught: Identifier 999 not found. True"])


def test_usage_errors_are_command_errors_not_exits(local: Local) -> None:
    ran = shell(local, CALL + "call_command('b2b_codes', 'output', '--frob')")
    assert ran.code == 1
    assert last_line(ran) == "django.core.management.base.CommandError: Error: unrecognized arguments: --frob"


def test_exceptions_inside_mitx_online_keep_their_names(local: Local, code_contract: int) -> None:
    ran = shell(local, CALL + f"call_command('b2b_codes', 'output', contract={code_contract}, format='json')")
    assert ran.code == 1
    assert last_line(ran) == "TypeError: 'OutputWrapper' object does not support the context manager protocol"


def test_django_exists_for_the_shells_code_only(local: Local) -> None:
    code = "import django.core.management as m\nimport django\nprint(django.VERSION[:2], callable(m.call_command))"
    ran = shell(local, code)
    assert (ran.code, ran.out) == (0, "(5, 2) True\n")
    # `django.db` is there for the command session's `connections.close_all()`; nothing more is.
    assert shell(local, "from django.db import connections; connections.close_all()").code == 0
    assert last_line(shell(local, "import django.contrib")) == "ModuleNotFoundError: No module named 'django.contrib'"
    assert shell(local, "import importlib; importlib.import_module('django')").code == 1
    assert "django" not in sys.modules


def test_a_shell_that_calls_commands_is_one_command_with_one_start_up_delay(
    local: Local, code_contract: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_value(local.ctx.db, "command_delay", "20")
    slept: list[float] = []
    monkeypatch.setattr("sandbox.manage.time", SimpleNamespace(sleep=slept.append, monotonic=time.monotonic))
    before = len(list(log.entries(local.ctx.db)))
    code = (
        "import io\n" + CALL + "for _ in range(3):\n"
        f"    call_command('b2b_codes', 'validate', '--contract', '{code_contract}', stdout=io.StringIO())\n"
        "print('done')"
    )
    assert run_manage(local.ctx.state_dir, ["shell", "--no-imports", "-c", code]) == 0
    assert capsys.readouterr().out == "done\n"
    entries = list(log.entries(local.ctx.db))[before:]
    assert [(e["argv"][0], e["exit_code"]) for e in entries if e["kind"] == "command"] == [("shell", 0)]
    assert slept == [20.0]
