"""Two `b2b_contract import`s at once (issue 29, docs/decisions.md §32).

With `session: false` the engine's workers run imports as parallel processes, and on a
real MITx Online one of two failed inside treebeard's `newobj.save()`: both computed the
same Wagtail page-tree path for a new organization page, and the second insert broke the
path's unique constraint. The decided answer is not to serialize page-inserting commands
in the provider but to keep the one retry rule: the import runs in one transaction, so
the failed one left nothing; the provider reads, finds nothing, and runs it again. The
sandbox fails one of three parallel imports with the traceback the real one printed;
the apply converges with exactly one import run twice, the warning quotes the
exception line (not `newobj.save()` from the traceback's middle), and the preview after
it is empty."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.faults.conftest import commands_of, contract, source_course
from tests.sandbox.helpers import SANDBOX_CLONE_TIMEOUT, Sandbox

COURSE = "course-v1:UAI_SOURCE+RACE1"
EXCEPTION = 'django.db.utils.IntegrityError: duplicate key value violates unique constraint "wagtailcore_page_path_key"'
# The end of what the failed import printed on the real platform (shortened frames).
TREEBEARD_RACE = "\n".join(
    [
        "Traceback (most recent call last):",
        '  File "/app/manage.py", line 10, in <module>',
        "    execute_from_command_line(sys.argv)",
        '  File "/app/b2b/management/commands/b2b_contract.py", line 611, in _import_organization',
        "    org_index.add_child(instance=org)",
        '  File "/app/.venv/lib/python3.11/site-packages/treebeard/mp_tree.py", line 372, in process',
        "    newobj.save()",
        EXCEPTION,
        "DETAIL:  Key (path)=(000100020004) already exists.",
    ]
)


def test_parallel_imports_that_race_in_the_page_tree_converge_with_one_retry(
    tmp_path: Path, fresh_sandbox: Sandbox
) -> None:
    sandbox = fresh_sandbox
    project = PulumiProject(tmp_path, STACKS, stack="race")
    project.use_sandbox(sandbox.info)
    project.set_config(
        "mitxonline",
        {
            "url": sandbox.info["mitxonline_url"],
            "manageCommand": sandbox.info["manage_command"],
            "cloneTimeout": SANDBOX_CLONE_TIMEOUT,
            "session": False,
        },
    )
    project.set_config(
        "catalog",
        {
            "source_courses": [source_course(f"{COURSE}+SOURCE", "Race")],
            "organizations": [{"org_key": f"RACE{n}", "name": f"Race University {n}"} for n in range(3)],
            "contracts": [contract(f"RACE{n}", f"Race {n} Codes", [COURSE]) for n in range(3)],
        },
    )
    before = len(commands_of(sandbox, "b2b_contract", "import"))
    sandbox.fault("--command", "b2b_contract import", "--fail", "--body", TREEBEARD_RACE, "--times", "1")
    applied = project.up("--parallel", "8")
    said = applied.stdout + applied.stderr

    assert len(commands_of(sandbox, "b2b_contract", "import")) - before == 4  # three, one of them twice
    # The CLI shows the warning in its progress (cut to the terminal's width) and in full
    # under Diagnostics.
    warnings = [line.rstrip() for line in said.splitlines() if "trying again" in line]
    assert any(line.endswith(f"exited 1: {EXCEPTION}") for line in warnings), said
    assert not [line for line in warnings if "newobj.save()" in line]
    outputs = project.outputs()
    assert sorted(outputs[f"contract:RACE{n}/Race {n} Codes"]["code_count"] for n in range(3)) == [3, 3, 3]
    project.preview("--expect-no-changes")
