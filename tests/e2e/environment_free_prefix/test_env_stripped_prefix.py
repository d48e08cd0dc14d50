"""Issue 20: what the provider reads from a command does not depend on the environment
the command runs in. `kubectl exec` and `ssh` carry none of the provider's environment
into the deployment; `env -i` in front of the sandbox's `manage` does the same here, so
`b2b_list` would draw its tables 80 columns wide and cut the names (docs/platforms/mitxonline.md §6) unless the
programs the provider sends set the width themselves (`provider/mitxonline/remote`).

The codes workflow (stacks/Pulumi.codes-contract.yaml, after the source course of
stacks/Pulumi.uai-source.yaml) is applied through that prefix and converges, with
command sessions (issue 15) and with one process per command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.sandbox.helpers import SANDBOX_CLONE_TIMEOUT, Sandbox, start_sandbox


@pytest.fixture
def fresh_module_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of this test's own: the shipped stacks use fixed names."""
    running = start_sandbox(tmp_path / "sandbox", "--clone-delay", "0.2")
    try:
        yield running
    finally:
        running.cli("stop")


def through_env_i(tmp_path: Path, stack: str, sandbox: Sandbox, session: bool) -> PulumiProject:
    project = PulumiProject(tmp_path / stack, STACKS, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
    project.use_sandbox(sandbox.info)
    project.set_config(
        "mitxonline",
        {
            "url": sandbox.info["mitxonline_url"],
            "manageCommand": ["env", "-i", *sandbox.info["manage_command"]],
            "cloneTimeout": SANDBOX_CLONE_TIMEOUT,
            "session": session,
        },
    )
    return project


# Issue 15: with command sessions (the default) and without them (one process per
# command, for deployments that allow no long-lived exec): the same workflow converges.
@pytest.mark.parametrize("session", [True, False], ids=["sessions", "one-process-per-command"])
def test_the_codes_workflow_converges_through_a_prefix_that_passes_no_environment(
    tmp_path: Path, fresh_module_sandbox: Sandbox, session: bool
) -> None:
    sandbox = fresh_module_sandbox
    before = len(sandbox.log())
    source = through_env_i(tmp_path, "uai-source", sandbox, session)
    source.up()
    codes = through_env_i(tmp_path, "codes-contract", sandbox, session)
    codes.up()
    contract = codes.outputs()["contract:UCODE/University of Enrollment Codes Contract"]
    assert contract["code_count"] == 15
    # A refresh reads the listings again, now with the contract's long name in them: it
    # came through whole (an 80-column table would cut it), so nothing changed.
    codes.refresh("--expect-no-changes")
    codes.preview("--expect-no-changes")
    source.preview("--expect-no-changes")
    log = sandbox.log()[before:]
    commands = [e for e in log if e["kind"] == "command"]
    starts = [e for e in log if e["kind"] == "process"]
    # The listings were read again after the apply, with the contract in them.
    assert len([e for e in commands if "print_listings" in e["argv"][-1]]) >= 2
    if session:
        # One process start per provider process that ran commands: the two ups, and
        # the refresh's two passes (its preview and the refresh itself read alike).
        assert len(starts) == 4 and all(e.get("session") for e in commands)
        assert len({e["session"] for e in commands}) == 4
    else:
        assert len(starts) == len(commands) and not any(e.get("session") for e in commands)
