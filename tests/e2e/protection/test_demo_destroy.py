"""`pulumi destroy --yes --skip-preview` of the demo stack (issue 14, "done when"): it
stops before any platform write, every enrollment code of every contract is kept, and
the CLI tells the operator which protected resources stopped it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import sandbox_codes, writes_since
from tests.sandbox.helpers import Sandbox


def test_destroying_the_demo_stack_loses_no_code(module_sandbox: Sandbox, tmp_path: Path) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="sandbox", stack_file=STACKS / "Pulumi.sandbox.yaml")
    project.use_sandbox(module_sandbox.info)
    project.up()
    contracts = {k: v for k, v in project.outputs().items() if k.startswith("contract:")}
    before = {label: sandbox_codes(module_sandbox, c["contract_id"]) for label, c in contracts.items()}
    assert sum(len(codes) for codes in before.values()) > 0

    start = len(module_sandbox.log())
    destroyed = project.destroy(expect=None)
    assert destroyed.exit_code != 0, destroyed
    assert writes_since(module_sandbox, start) == [], destroyed
    assert "protect" in destroyed.stdout + destroyed.stderr
    after = {label: sandbox_codes(module_sandbox, c["contract_id"]) for label, c in contracts.items()}
    assert after == before
