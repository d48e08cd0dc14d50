"""Issue 20: what the provider reads from a command does not depend on the environment
the command runs in. `kubectl exec` and `ssh` carry none of the provider's environment
into the deployment; `env -i` in front of the sandbox's `manage` does the same here, so
`b2b_list` would draw its tables 80 columns wide and cut the names (§12.2.5) unless the
programs the provider sends set the width themselves (`provider/mitxonline/remote`).

The codes workflow (stacks/Pulumi.codes-contract.yaml, after the source course of
stacks/Pulumi.uai-source.yaml) is applied through that prefix and converges.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.sandbox.helpers import SANDBOX_CLONE_TIMEOUT, Sandbox


def through_env_i(tmp_path: Path, stack: str, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path / stack, STACKS, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
    project.use_sandbox(sandbox.info)
    project.set_config(
        "mitxonline",
        {
            "url": sandbox.info["mitxonline_url"],
            "manageCommand": ["env", "-i", *sandbox.info["manage_command"]],
            "cloneTimeout": SANDBOX_CLONE_TIMEOUT,
        },
    )
    return project


def test_the_codes_workflow_converges_through_a_prefix_that_passes_no_environment(
    tmp_path: Path, module_sandbox: Sandbox
) -> None:
    source = through_env_i(tmp_path, "uai-source", module_sandbox)
    source.up()
    codes = through_env_i(tmp_path, "codes-contract", module_sandbox)
    codes.up()
    contract = codes.outputs()["contract:UCODE/University of Enrollment Codes Contract"]
    assert contract["code_count"] == 15
    # A refresh reads the listings again, now with the contract's long name in them: it
    # came through whole (an 80-column table would cut it), so nothing changed.
    codes.refresh("--expect-no-changes")
    codes.preview("--expect-no-changes")
    source.preview("--expect-no-changes")
    # Every command went through the prefix, and the listings were read after the apply.
    listed = [e for e in module_sandbox.log() if e["kind"] == "command" and "print_listings" in e["argv"][-1]]
    assert len(listed) >= 2
