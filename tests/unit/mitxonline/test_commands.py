"""Argument vectors of the commands, their grammar checks, and the output parsers."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from provider.errors import DeclarationError
from provider.mitxonline import commands, outputs, tables
from tests.unit.mitxonline.fake import table


def test_add_puts_flags_first_and_batches_the_rest_with_also() -> None:
    # docs/platforms/mitxonline.md §9: flags after the positionals are an argparse error; docs/platforms/mitxonline.md
    # §2: --also batches.
    courses = ["course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI_SOURCE+B.0002x", "course-v1:UAI_SOURCE+C.0003x"]
    invocation = commands.courseware_add(21, courses, make_codes=True)
    assert (invocation.command, list(invocation.args)) == (
        "b2b_courseware",
        ["add", "--make-codes", "21", courses[0], "--also", courses[1], "--also", courses[2]],
    )


def test_remove_batches_too() -> None:
    invocation = commands.courseware_remove(21, ["course-v1:A+B", "course-v1:A+C"])
    assert invocation.args == ("remove", "21", "course-v1:A+B", "--also", "course-v1:A+C")


def test_courseware_refuses_bad_course_ids_all_at_once() -> None:
    with pytest.raises(DeclarationError) as caught:
        commands.courseware_add(21, ["course-v1:A+B+RUN", "--force", "course-v1:OK+X"], make_codes=False)
    assert [p.path for p in caught.value.problems] == ["courses[0]", "courses[1]"]


def test_modify_carries_only_the_changed_flags() -> None:
    invocation = commands.contract_modify(
        21, {"max_learners": 20, "price": Decimal("12.5"), "start": dt.date(2026, 9, 1), "end": None}
    )
    assert invocation.args == (
        "modify",
        "21",
        "--start",
        "2026-09-01",
        "--no-end-date",
        "--max-learners",
        "20",
        "--price",
        "12.50",
    )
    assert commands.contract_modify(21, {"active": False}).args == ("modify", "21", "--inactive")
    assert commands.contract_modify(21, {"max_learners": None, "price": None}).args == (
        "modify",
        "21",
        "--no-learner-cap",
        "--no-price",
    )


def test_import_sends_the_document_on_stdin_with_the_slug() -> None:
    invocation = commands.contract_import({"version": 1}, "bigco-codes-contract")
    assert invocation.args == ("import", "--commit", "--slug", "bigco-codes-contract", "-")
    assert json.loads(invocation.stdin or "") == {"version": 1}
    with pytest.raises(DeclarationError):
        commands.contract_import({}, "bad slug")


def test_import_courserun_names_course_tag_and_flags() -> None:
    invocation = commands.import_courserun(
        "course-v1:UAI_SOURCE+A.0001x+SOURCE", "course-v1:UAI_SOURCE+A.0001x", "SOURCE", live=True, source=True
    )
    assert invocation.args == (
        "--courserun",
        "course-v1:UAI_SOURCE+A.0001x+SOURCE",
        "--use-specific-course",
        "course-v1:UAI_SOURCE+A.0001x",
        "--run-tag",
        "SOURCE",
        "--live",
        "--source-course",
    )
    with pytest.raises(DeclarationError) as caught:
        commands.import_courserun("not a key", "course-v1:X", "a b", live=False, source=False)
    assert [p.path for p in caught.value.problems] == ["courseware_id", "course", "run_tag"]


def test_import_course_makes_course_run_and_page_in_one_command() -> None:
    page = commands.PageChoice(live=False, include_in_learn_catalog=True, ingest_content_files_for_ai=False)
    invocation = commands.import_course(
        "course-v1:UAI_SOURCE+A.0001x+SOURCE", "SOURCE", live=True, source=True, departments=["AI"], page=page
    )
    assert invocation.command == "import_courserun"
    # No --use-specific-course: the course is made from the key, and the page only then.
    assert invocation.args == ("--courserun", "course-v1:UAI_SOURCE+A.0001x+SOURCE", "--run-tag", "SOURCE",
                               "--live", "--source-course", "--dept", "AI", "--create-depts", "--create-cms-page",
                               "--draft-cms-page", "--include-in-learn-catalog")  # fmt: skip
    plain = commands.import_course("course-v1:A+B+R", "R", live=False, source=False, departments=[], page=None)
    assert plain.args == ("--courserun", "course-v1:A+B+R", "--run-tag", "R")
    with pytest.raises(DeclarationError) as caught:
        commands.import_course("course-v1:A+B+R", "a b", live=False, source=False, departments=["-x"], page=None)
    assert [p.path for p in caught.value.problems] == ["run_tag", "departments[0]"]


def test_create_course_and_page_use_the_documented_flags() -> None:
    course = commands.create_course("course-v1:A+B", "Intro", live=True, departments=["Math"])
    assert course.args == ("--live", "--dept", "Math", "--create-depts", "course", "course-v1:A+B", "Intro")
    page = commands.create_courseware_page("course-v1:A+B", live=True, catalog=False, ingest=True)
    assert page.args == ("--live", "--ingest_content_files_for_ai", "course-v1:A+B")
    with pytest.raises(DeclarationError):
        commands.create_course("course-v1:A+B", "-rm", live=False, departments=[])


def test_codes_are_read_by_one_shell_that_runs_the_remote_program() -> None:
    # One Django start-up instead of two (docs/decisions.md §13, docs/platforms/mitxonline.md §2).
    one = commands.codes_read(21)
    assert (one.command, one.args[:2]) == ("shell", ("--no-imports", "-c"))
    code = one.args[2]
    assert "\n" not in code
    compile(code, "<command>", "exec")
    assert code.endswith(
        "; pin_environment(); print_command_file(('b2b_codes', 'output', '--contract', '21', '--all', '--format', "
        "'json', '--filename'))"
    )
    every = commands.codes_read()
    assert every.args[2].endswith(
        "print_command_file(('b2b_codes', 'output', '--all', '--format', 'json', '--filename'))"
    )
    with pytest.raises(DeclarationError):
        commands.codes_read(0)


@pytest.fixture
def process_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A copy of the environment for code that sets its own (`remote.environment`)."""
    copy = {**os.environ, "COLUMNS": "80", "FORCE_COLOR": "1"}
    monkeypatch.setattr(os, "environ", copy)
    return copy


def _fake_django(monkeypatch: pytest.MonkeyPatch, call_command: Callable[..., None]) -> None:
    """`django.core.management` for the code run here (the real one runs inside MITx Online)."""
    modules = {name: types.ModuleType(name) for name in ("django", "django.core", "django.core.management")}
    modules["django.core.management"].call_command = call_command  # type: ignore[attr-defined]
    modules["django"].core = modules["django.core"]  # type: ignore[attr-defined]
    modules["django.core"].management = modules["django.core.management"]  # type: ignore[attr-defined]
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)


def test_the_read_code_prints_the_file_the_command_wrote_and_removes_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], process_environment: dict[str, str]
) -> None:
    written: list[Path] = []

    def call_command(*args: str, stdout: io.StringIO) -> None:
        assert args[:4] == ("b2b_codes", "output", "--contract", "21") and args[-2] == "--filename"
        target = Path(args[-1])
        stdout.write(f"Filtering by contract: 21\nWrote json output to {target}.\n")
        target.write_text(json.dumps([{"Enrollment Code": "c1"}], indent=2))
        written.append(target)

    _fake_django(monkeypatch, call_command)
    exec(commands.codes_read(21).args[2], {})
    assert json.loads(capsys.readouterr().out) == [{"Enrollment Code": "c1"}]
    assert not written[0].exists() and not written[0].parent.exists()


def test_the_read_code_prints_an_empty_list_when_no_file_was_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], process_environment: dict[str, str]
) -> None:
    _fake_django(monkeypatch, lambda *args, stdout: stdout.write("Nothing to output.\n"))
    exec(commands.codes_read().args[2], {})
    assert capsys.readouterr().out == "[]"


def test_the_read_code_removes_the_file_when_the_command_fails(
    monkeypatch: pytest.MonkeyPatch, process_environment: dict[str, str]
) -> None:
    written: list[Path] = []

    def call_command(*args: str, stdout: io.StringIO) -> None:
        written.append(Path(args[-1]))
        written[0].write_text("[")
        raise RuntimeError("Identifier 21 not found.")

    _fake_django(monkeypatch, call_command)
    with pytest.raises(RuntimeError):
        exec(commands.codes_read(21).args[2], {})
    assert not written[0].parent.exists()


def test_the_listings_program_sets_the_table_width_before_the_command_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], process_environment: dict[str, str]
) -> None:
    # Issue 20: a prefix that passes no environment (`kubectl exec`) must not narrow the tables.
    seen: list[dict[str, str]] = []

    def call_command(name: str, listing: str, *, stdout: io.StringIO) -> None:
        seen.append({key: os.environ.get(key, "") for key in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")})
        print(f"{name} {listing} on sys.stdout")  # rich prints to sys.stdout (docs/platforms/mitxonline.md §6)
        stdout.write("and through stdout=\n")

    _fake_django(monkeypatch, call_command)
    exec(commands.listings().args[2], {})
    assert seen == [{"COLUMNS": "1000", "NO_COLOR": "1", "FORCE_COLOR": ""}] * 2
    assert json.loads(capsys.readouterr().out) == {
        "contracts": "b2b_list contracts on sys.stdout\nand through stdout=\n",
        "organizations": "b2b_list organizations on sys.stdout\nand through stdout=\n",
    }


def test_the_programs_sent_are_the_package_modules_without_docstrings() -> None:
    code = commands.listings().args[2]
    assert code.startswith("exec(") and "\n" not in code
    # Made of the modules' code: no docstring or comment travels, every definition does.
    assert "What the provider's parsers depend on" not in code
    assert "def pin_environment()" in code and "def print_listings(listings" in code
    assert len(code) < 4000


def test_parse_table_reads_rows_by_header() -> None:
    text = "Contracts\n" + table(["ID", "Name", "Slug"], [["18", "IDP University Contract", "idp"], ["19", "B", "b"]])
    assert tables.parse_table(text) == [
        {"ID": "18", "Name": "IDP University Contract", "Slug": "idp"},
        {"ID": "19", "Name": "B", "Slug": "b"},
    ]


def test_parse_table_joins_a_wrapped_cell() -> None:
    text = table(["ID", "Name"], [["18", "IDP University"], ["", "Contract"]])
    assert tables.parse_table(text) == [{"ID": "18", "Name": "IDP University Contract"}]


def test_parse_table_refuses_a_narrowed_table() -> None:
    with pytest.raises(ValueError, match="narrowed table"):
        tables.parse_table(table(["ID", "Name"], [["18", "IDP Univ…"]]))


def test_parse_import_and_json_documents() -> None:
    assert outputs.parse_import("Step 3: contract\nImport complete. Contract slug: acme (id=42)\n") == ("acme", 42)
    assert outputs.parse_import("nothing") is None
    assert outputs.import_found_existing("Contract exists: acme (id=42)")
    assert outputs.parse_json_document('Filtering by contract: 3\n[{"a": 1}]\n') == [{"a": 1}]
    with pytest.raises(ValueError):
        outputs.parse_json_document("Nothing to output.")
