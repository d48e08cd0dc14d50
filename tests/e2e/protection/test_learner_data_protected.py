"""Everything learners hold is protected with its contract (issue 14, items 1 and 9).

A `pulumi destroy --skip-preview` of a protected contract, or an `up --skip-preview`
after an edit that drops the contract, stops before any platform write: no
`b2b_courseware remove`, not one enrollment code deleted. A deliberate end (`protect:
false`, then destroy) says truthfully what happened to the codes, and the advice given
when the same contract is declared again works when followed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, STACKS, PulumiProject
from tests.e2e.learner_data import CodeContract, commands_since, sandbox_codes, writes_since
from tests.sandbox.helpers import Sandbox

DOC = REPO / "docs" / "destroy.md"


def documented_commands() -> list[list[str]]:
    """The commands of docs/destroy.md's "Ending a partner's access", in order."""
    section = DOC.read_text().split("## Ending a partner's access", 1)[1]
    [block] = re.findall(r"```sh\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def test_learner_data_survives_destroy_and_bad_edits(project: PulumiProject, sandbox: Sandbox) -> None:
    declared = CodeContract(courses=1, seats=5)
    project.set_config("catalog", declared.catalog())
    project.up()
    made = project.outputs()[f"contract:{declared.label}"]
    contract_id, slug = made["contract_id"], made["slug"]
    codes = sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id))
    assert len(codes) == 5

    # destroy without a preview: refused before any platform write.
    start = len(sandbox.log())
    destroyed = project.destroy(expect=None)
    assert destroyed.exit_code != 0, destroyed
    assert writes_since(sandbox, start) == [], destroyed
    # The destroy guard's message, as docs/destroy.md quotes it, naming the entry and
    # `protect: false` (issues 24 and 28); Pulumi's own is what an `up` gets, below.
    said = destroyed.stdout + destroyed.stderr
    assert "the stack still protects what learners hold, so nothing was deleted" in said, said
    assert f"contract {declared.label}" in said and "`protect: false`" in said, said
    section = DOC.read_text().split("## When `destroy` or `up` stops at a protected resource", 1)[1]
    assert "the stack still protects what learners hold" in section and "`protect: false`" in section
    assert "because it is protected. To unprotect" in section

    # An edit that drops the contract, applied without a preview: the same.
    project.set_config("catalog", {**declared.catalog(), "contracts": []})
    start = len(sandbox.log())
    dropped = project.up(expect=None)
    assert dropped.exit_code != 0, dropped
    assert writes_since(sandbox, start) == [], dropped
    assert "because it is protected. To unprotect" in dropped.stdout + dropped.stderr, dropped
    assert sorted(row["Enrollment Code"] for row in sandbox_codes(sandbox, contract_id)) == codes

    # Ending the partner's access on purpose, as docs/destroy.md says: unprotect, then
    # destroy. The warnings say what happened to the codes, and it is what happened.
    project.set_config("catalog", declared.catalog(protect=False))
    *apply, destroy = documented_commands()
    assert [argv[:2] for argv in [*apply, destroy]] == [["pulumi", "preview"], ["pulumi", "up"], ["pulumi", "destroy"]]
    start = len(sandbox.log())
    shown = [project.run(*argv[1:]) for argv in apply]
    assert writes_since(sandbox, start) == []  # protection is state only
    # What the page says the preview shows: the destroy guard's list of protected entries
    # loses the contract, and every other resource is unchanged.
    summary = re.search(r"^Resources:\n    ~ 1 to update\n    (\d+) unchanged\n", shown[0].stdout, re.M)
    assert summary and "courseware:DestroyGuard" in shown[0].stdout, shown[0].stdout
    assert "protected" in shown[0].stdout.split("courseware:DestroyGuard", 1)[1], shown[0].stdout
    assert "`courseware:DestroyGuard`, whose `protected` list loses the contract: `~ 1 to update`" in DOC.read_text()
    start = len(sandbox.log())
    ended = project.run(*destroy[1:])
    assert "b2b_courseware remove" in commands_since(sandbox, start)
    left = sandbox_codes(sandbox, contract_id)
    assert left == []  # nothing was redeemed, so every code was unused
    output = ended.stdout + ended.stderr
    assert "deleted their unused enrollment codes" in output, output
    assert "are left in MITx Online" not in output

    # Declared again, the inactive contract is refused with advice that works.
    project.set_config("catalog", declared.catalog())
    again = project.up(expect=None)
    assert again.exit_code != 0, again
    advice = f"slug: {slug}-2"
    assert advice in again.stdout, again
    assert "adopt: true" not in again.stdout.replace("`adopt: true` would not help", "")
    project.set_config("catalog", declared.catalog(slug=f"{slug}-2"))
    project.up()
    renewed = project.outputs()[f"contract:{declared.label}"]
    assert renewed["contract_id"] != contract_id and renewed["code_count"] == 5
    project.preview("--expect-no-changes")
