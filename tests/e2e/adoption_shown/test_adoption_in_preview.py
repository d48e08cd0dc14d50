"""No silent adoption (issue 14, item 5): a second stack whose declaration is identical to
objects another stack made sees, in its preview and in `courseware plan-summary`, that
its `up` would take over the existing organization, course and contract rather than
create them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, commands_since, courseware
from tests.sandbox.helpers import Sandbox


def test_an_identical_declaration_shows_its_adoptions(sandbox: Sandbox, tmp_path: Path) -> None:
    declared = CodeContract(courses=1, seats=2)
    first = PulumiProject(tmp_path / "first", STACKS, stack="first")
    first.use_sandbox(sandbox.info)
    first.set_config("catalog", declared.catalog())
    first.up()
    contract_id = first.outputs()[f"contract:{declared.label}"]["contract_id"]

    second = PulumiProject(tmp_path / "second", STACKS, stack="second")
    second.use_sandbox(sandbox.info)
    second.set_config("catalog", declared.catalog())
    start = len(sandbox.log())
    preview = second.preview()
    said = preview.stdout + preview.stderr
    slug = first.outputs()[f"contract:{declared.label}"]["slug"]
    assert (
        f"MITx Online contract {slug} of {declared.org_key} already exists in MITx Online (contract {contract_id})"
        in said
    ), said
    assert f"MITx Online course {declared.courses[0]} already exists" in said
    assert f"MITx Online organization {declared.org_key} already exists" in said
    assert "keep it in one of them only" in said

    digest = second.run("preview", "--json")
    summary = courseware(second, "plan-summary", stdin=digest.stdout)
    assert summary.exit_code == 0, summary
    assert "**Adopts**" in summary.stdout
    assert (
        f"`pulumi-python:dynamic/mitxonline:Contract` `{declared.label}` adopts the existing contract {contract_id}"
        in summary.stdout
    )
    assert f"`{declared.courses[0]}` adopts the existing course" in summary.stdout
    assert f"`{declared.org_key}` adopts the existing organization" in summary.stdout
    assert commands_since(sandbox, start) == []  # the look is REST only
