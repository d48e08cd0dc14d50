"""A write that fails, and whose read-back fails too, is reported as it failed and never
run again blind (issue 28, item 4), through the real CLI.

The read that follows a failed write decides whether its work is done (provider/attempts.py).
When that read failed as well, its own error used to stand in for the write's failure and
be judged by the write's retry rule: a `b2b_contract modify` that exited 1 ran three times,
and the error that came back named `b2b_list contracts`. Now the modify runs once, the
error is the modify's, and the message lists what the step had done before it.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.faults.conftest import commands_of, contract, source_course
from tests.sandbox.helpers import Sandbox


def test_a_failed_write_whose_read_back_fails_runs_once(tmp_path: Path, fresh_sandbox: Sandbox) -> None:
    org = Sandbox.unique("RR").upper()
    course = f"course-v1:UAI_SOURCE+{Sandbox.unique('RR')}"
    project = PulumiProject(tmp_path, STACKS, stack="reread")
    project.use_sandbox(fresh_sandbox.info)
    # One process per command, so that the fault on `shell` below hits the read-back
    # alone (in a command session the session itself is a `shell`).
    project.set_config("mitxonline", {**project.config_value("mitxonline"), "session": False})
    catalog = {
        "source_courses": [source_course(f"{course}+SOURCE")],
        "organizations": [{"org_key": org, "name": f"{org} University"}],
        "contracts": [contract(org, f"{org} Contract", [course], max_learners=3)],
    }
    project.set_config("catalog", catalog)
    project.up()

    catalog["contracts"][0]["max_learners"] = 5
    project.set_config("catalog", catalog)
    planned = project.preview()
    assert "max_learners" in planned.stdout, planned
    modifies = len(commands_of(fresh_sandbox, "b2b_contract", "modify"))
    fresh_sandbox.fault("--command", "b2b_contract modify", "--fail", "--body", "OperationalError: lost")
    # The read-back is the listing, one `shell` (provider/mitxonline/remote/listings.py).
    fresh_sandbox.fault("--command", "shell", "--fail", "--times", "20", "--body", "OperationalError: gone")
    try:
        failed = project.up(expect=None)
    finally:
        fresh_sandbox.clear_faults()
    assert failed.exit_code != 0, failed
    text = failed.stdout + failed.stderr
    assert len(commands_of(fresh_sandbox, "b2b_contract", "modify")) == modifies + 1, text
    assert "not tried again" in text, text
    assert "OperationalError: lost" in text, text

    # With the platform back, the same `up` finishes the change.
    project.up()
    project.preview("--refresh", "--expect-no-changes")
