"""Program rules, command builders and the program sent to `manage.py shell` (issue 26)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import pytest

from provider import rules
from provider.errors import DeclarationError
from provider.mitxonline import commands
from provider.mitxonline.models import ContractCoursewareArgs, ProgramArgs, RestProgram
from provider.mitxonline.remote import programs as remote_programs

A, B = "course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI_SOURCE+A.0002x"


@pytest.mark.parametrize("good", ["program-v1:UAI+AI", "program-v1:MITx+DEDP", "program-v1:UAI+A.1_x-2"])
def test_program_ids_of_the_platforms_form_pass(good: str) -> None:
    assert rules.program_id_problem(good) is None


@pytest.mark.parametrize("bad", ["course-v1:UAI+AI", "program-v1:", "program-v1:UAI++AI", "program-v1:U AI", "x"])
def test_other_ids_are_refused_with_an_example(bad: str) -> None:
    problem = rules.program_id_problem(bad)
    assert problem is not None and "program-v1:UAI+AI" in problem


def test_a_program_needs_a_required_course_with_a_source_run() -> None:
    assert rules.program_without_required_source("program-v1:UAI+AI", [A], [A]) is None
    problem = rules.program_without_required_source("program-v1:UAI+AI", [B], [A])
    assert problem is not None and "requirements.required" in problem


def test_retired_with_program_names_the_courses_still_declared() -> None:
    assert rules.retired_with_program([A, B], [B]) == [B]
    assert rules.retired_with_program([A], []) == []


def test_create_program_puts_flags_before_positionals() -> None:
    made = commands.create_program("program-v1:UAI+AI", "AI Foundations", live=True, b2b_only=True)
    assert (made.command, made.args) == (
        "create_courseware",
        ("--live", "--b2b-only", "program", "program-v1:UAI+AI", "AI Foundations"),
    )


def test_builders_refuse_what_the_check_refuses() -> None:
    with pytest.raises(DeclarationError) as caught:
        commands.create_program("course-v1:X+Y", "-bad", live=False, b2b_only=False)
    assert {p.path for p in caught.value.problems} == {"readable_id", "title"}


def test_add_and_remove_take_programs_and_the_remove_program_runs_choice() -> None:
    added = commands.courseware_add(7, ["program-v1:UAI+AI", "program-v1:UAI+ML"], make_codes=True)
    assert added.args == ("add", "--make-codes", "7", "program-v1:UAI+AI", "--also", "program-v1:UAI+ML")
    removed = commands.courseware_remove(7, ["program-v1:UAI+AI"], remove_program_runs=True)
    assert removed.args == ("remove", "--remove-program-runs", "7", "program-v1:UAI+AI")
    assert commands.courseware_remove(7, ["program-v1:UAI+AI"]).args == ("remove", "7", "program-v1:UAI+AI")


def test_write_program_is_one_line_of_shell_code_with_the_checked_values() -> None:
    made = commands.write_program("program-v1:UAI+AI", "AI", live=True, b2b_only=False, required=[B, A], elective=[])
    assert made.command == "shell" and made.args[:2] == ("--no-imports", "-c")
    code = made.args[2]
    assert "\n" not in code
    ast.parse(code)
    assert code.endswith(f"write_program('program-v1:UAI+AI', 'AI', True, False, {[B, A]!r}, [])")


@dataclass
class Node:
    id: int
    node_type: str
    course_id: int | None = None
    elective_flag: bool = False
    operator_value: str | None = None
    children: list[Node] = field(default_factory=list)

    def get_children(self) -> list[Node]:
        return self.children


def test_the_tree_keeps_existing_node_ids_and_the_declared_order() -> None:
    required = Node(1, "operator", children=[Node(10, "course", course_id=100), Node(11, "course", course_id=101)])
    elective = Node(2, "operator", elective_flag=True, operator_value="2", children=[Node(20, "course", course_id=200)])
    built = remote_programs.tree([required, elective], [101, 100, 102], [200])
    [req, ele] = built
    assert req["id"] == 1 and req["data"]["operator"] == "all_of"
    assert [(c["id"], c["data"]["course"]) for c in req["children"]] == [(11, 101), (10, 100), (None, 102)]
    # A minimum above the electives left is lowered to their number.
    assert ele["id"] == 2 and ele["data"]["operator_value"] == "1"


def test_no_electives_leaves_no_elective_operator() -> None:
    built = remote_programs.tree([], [100], [])
    assert [node["data"]["title"] for node in built] == [remote_programs.REQUIRED_TITLE]
    assert built[0]["id"] is None


def test_declared_models_keep_order_and_refuse_repeats() -> None:
    args = ProgramArgs(readable_id="program-v1:UAI+AI", title="AI", required=[B, A])
    assert args.required == [B, A]
    with pytest.raises(ValueError, match="more than once"):
        ContractCoursewareArgs(contract_id=1, programs=["program-v1:UAI+AI", "program-v1:UAI+AI"])


def test_rest_program_reads_requirements_in_tree_order() -> None:
    body: dict[str, Any] = {
        "id": 5,
        "readable_id": "program-v1:UAI+AI",
        "title": "AI",
        "live": True,
        "requirements": {"courses": {"required": [{"id": 2, "readable_id": B}, {"id": 1, "readable_id": A}]}},
    }
    live = RestProgram.model_validate(body)
    assert live.required == [B, A] and live.elective == []


def test_read_program_is_one_shell_line_printing_the_program() -> None:
    made = commands.read_program("program-v1:UAI+AI")
    assert made.command == "shell" and "\n" not in made.args[2]
    assert made.args[2].endswith("print_program('program-v1:UAI+AI')")
    with pytest.raises(DeclarationError):
        commands.read_program("course-v1:UAI+AI")


def _courseware_check(olds: dict[str, Any], news: dict[str, Any]) -> Any:
    from provider.mitxonline.contract_courseware import ContractCoursewareProvider

    return ContractCoursewareProvider().check(olds, news)


AI, ML = "program-v1:UAI+AI", "program-v1:UAI+ML"
OLD = {"contract_id": 7, "courses": [], "programs": [AI, ML], "program_courses": {AI: [A, B], ML: [B]}}


def test_retiring_a_programs_runs_is_refused_while_a_course_of_it_stays_declared() -> None:
    news = {"contract_id": 7, "programs": [ML], "program_courses": {ML: [B]}, "remove_program_runs": True}
    checked = _courseware_check(OLD, news)
    [failure] = checked.failures
    assert failure.property == "remove_program_runs"
    assert f"would retire the contract runs of {B}" in failure.reason and "remove_program_runs: false" in failure.reason
    assert checked.inputs["programs_removed"] == [AI]


def test_keeping_a_programs_runs_is_named_for_the_policy_pack_and_passes() -> None:
    news = {"contract_id": 7, "programs": [ML], "program_courses": {ML: [B]}}
    checked = _courseware_check(OLD, news)
    assert checked.failures == [] and checked.inputs["programs_removed"] == [AI]
    assert "courses_removed" not in checked.inputs


def test_a_contract_needs_a_course_or_a_program() -> None:
    [failure] = _courseware_check({}, {"contract_id": 7}).failures
    assert failure.property == "courses" and "at least one course or one program" in failure.reason


def test_a_course_dropped_alone_but_still_in_a_program_is_not_removed() -> None:
    olds = {"contract_id": 7, "courses": [A], "programs": [AI], "program_courses": {AI: [A]}}
    news = {"contract_id": 7, "courses": [], "programs": [AI], "program_courses": {AI: [A]}}
    assert "courses_removed" not in _courseware_check(olds, news).inputs


def test_an_existing_program_course_without_a_source_run_is_refused_at_preview(client: Any, fake: Any) -> None:
    """A course of a newly sold program that the stack does not make, and that MITx
    Online lacks, is looked up through REST and refused before `add` (no command)."""
    news = {
        "contract_id": 7,
        "programs": [AI],
        "program_courses": {AI: [A, B]},
        "existing_courses": [A, B],
    }
    fake.add_course(A)
    fake.add_run(A, f"{A}+SOURCE")
    checked = _courseware_check({}, news)
    [failure] = checked.failures
    assert failure.property == "programs[0]" and f"{B} does not exist in MITx Online" in failure.reason
    assert fake.commands() == []
