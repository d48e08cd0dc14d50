"""Fewer seats on a code contract are refused by `pulumi preview`, through the real CLI
(issue 29, found on a real MITx Online): the engine hands `check` the old inputs with
numbers as floats (`5.0`), and the guard, which had only a unit test fed ints, let
5 -> 3 through; `up` then lowered the seats and left more codes than seats."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, writes_since
from tests.sandbox.helpers import Sandbox


def test_lowering_the_seats_of_a_code_contract_is_refused_by_preview(tmp_path: Path, module_sandbox: Sandbox) -> None:
    declared = CodeContract(seats=5)
    project = PulumiProject(tmp_path, STACKS, stack="seats")
    project.use_sandbox(module_sandbox.info)
    project.set_config("catalog", declared.catalog())
    project.up()

    project.set_config("catalog", declared.catalog(max_learners=3))
    start = len(module_sandbox.log())
    refused = project.preview(expect=None)
    assert refused.exit_code != 0 and "lowering `max_learners` from 5 to 3" in refused.stdout, refused
    applied = project.up(expect=None)
    assert applied.exit_code != 0, applied
    assert writes_since(module_sandbox, start) == []
    assert project.outputs()[f"contract:{declared.label}"]["code_count"] == 5
