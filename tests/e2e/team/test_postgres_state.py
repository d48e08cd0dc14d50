"""Team state on PostgreSQL, through the real CLI (issue 17, docs/team.md).

The module starts a PostgreSQL of its own (`sandbox/postgres.py`, the code behind
`scripts/postgres`) and points every clone at it the documented way: the backend URL
names the role and no password, libpq finds the password in PGPASSFILE, and the secrets
are encrypted with a team passphrase, never the sandbox's.

- two clones apply one stack at once: one wins, the other fails at once with Pulumi's
  lock message, and the state and the platforms hold exactly one apply's objects;
- a `pulumi up` killed with SIGKILL leaves its lock; `courseware unlock` refuses while
  the run lives, clears the lock and the pending creates once it is gone, and `up`
  converges; the read-only role runs `courseware drift` and `plan-summary` on the shared
  state, and cannot apply;
- a stack moved from `file://` with `pulumi stack export` / `import` keeps every
  resource, and `preview --expect-no-changes` is empty.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider import stack_lock
from tests.e2e.harness import REPO, STACKS, PulumiProject, Result, stop_session
from tests.sandbox.helpers import Sandbox
from tests.sandbox.postgres_helpers import postgres_cli, postgres_directory

TEAM_PASSPHRASE = "team-passphrase-" + uuid.uuid4().hex
LOCKED = "the stack is currently locked by 1 lock(s)"
CONTRACT = "pulumi-python:dynamic/mitxonline:Contract"


@pytest.fixture(scope="module")
def team_db() -> Iterator[dict[str, Any]]:
    """A PostgreSQL for this module, started by the test run itself."""
    with postgres_directory() as directory:
        yield postgres_cli("start", "--dir", str(directory))


def _team_env(db: dict[str, Any], *, role: str = "apply") -> dict[str, str]:
    return {
        "PULUMI_BACKEND_URL": db["backend_url"] if role == "apply" else db["preview_backend_url"],
        "PGPASSFILE": db["pgpassfile"],
        "PULUMI_CONFIG_PASSPHRASE": TEAM_PASSPHRASE,
    }


def _catalog(org: str) -> dict[str, Any]:
    course = f"course-v1:UAI_SOURCE+{org}.1x"
    return {
        "source_courses": [
            {
                "course_key": f"{course}+SOURCE",
                "title": f"Team {org}",
                "start": "2026-01-05T00:00:00Z",
                "end": "2030-12-31T00:00:00Z",
                "pacing": "self_paced",
            }
        ],
        "organizations": [{"org_key": org, "name": f"Org {org}"}],
        "contracts": [
            {
                "organization": org,
                "name": f"{org} Contract",
                "membership_type": "code",
                "max_learners": 2,
                "start": "2026-01-01",
                "end": "2030-12-31",
                "courses": [course],
                "protect": False,
            }
        ],
    }


def _first_clone(root: Path, sandbox: Sandbox, db: dict[str, Any], stack: str, org: str) -> PulumiProject:
    project = PulumiProject(root, STACKS, stack=stack, env=_team_env(db))
    project.use_sandbox(sandbox.info)
    project.set_config("catalog", _catalog(org))
    return project


def _passwords(db: dict[str, Any]) -> list[str]:
    return [line.rsplit(":", 1)[1].strip() for line in Path(db["pgpassfile"]).read_text().splitlines()]


def _commands(sandbox: Sandbox, *words: str) -> list[list[str]]:
    return [e["argv"] for e in sandbox.log() if e["kind"] == "command" and e["argv"][: len(words)] == list(words)]


def _imports(sandbox: Sandbox) -> list[list[str]]:
    """Every `b2b_contract import` so far: each makes a contract (decisions.md §5)."""
    return _commands(sandbox, "b2b_contract", "import")


def _courseware(project: PulumiProject, *args: str, env: dict[str, str] | None = None) -> Result:
    argv = [str(Path(sys.executable).parent / "courseware"), *args]
    done = subprocess.run(
        argv,
        cwd=project.root,
        env={**project.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(argv, done.returncode, done.stdout, done.stderr)


def _locks(project: PulumiProject) -> list[stack_lock.StackLock]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PGPASSFILE", project.env["PGPASSFILE"])
        return stack_lock.read_locks(project.env["PULUMI_BACKEND_URL"], "courseware", project.stack)


def test_two_clones_apply_at_once_one_wins_and_the_state_is_one_apply(
    tmp_path: Path, module_sandbox: Sandbox, team_db: dict[str, Any]
) -> None:
    first = _first_clone(tmp_path / "first", module_sandbox, team_db, "team", "TEAMA")
    # The second clone has the same stack file (as a checkout of the same repository) and
    # selects the stack the first one created in the shared state.
    second = PulumiProject(
        tmp_path / "second",
        STACKS,
        stack="team",
        stack_file=first.root / "Pulumi.team.yaml",
        env=_team_env(team_db),
        create=False,
    )
    imports_before = len(_imports(module_sandbox))
    rule = module_sandbox.fault("--command", "b2b_contract import", "--latency", "4")
    winner = first.popen("up", "--yes", "--skip-preview")
    try:
        module_sandbox.wait_until_fired(rule["id"])
        loser = second.up(expect=None)
        # It gave up while the winner was still applying: it did not wait for the lock.
        assert winner.poll() is None, "the first apply ended before the second gave up"
        output, _ = winner.communicate(timeout=600)
    finally:
        stop_session(winner)
        module_sandbox.clear_faults()
    assert winner.returncode == 0, output
    assert loser.exit_code != 0 and LOCKED in loser.stderr + loser.stdout, str(loser)
    # The lock message names the lock by URL, with the role masked and no password.
    for password in _passwords(team_db):
        assert password not in str(loser)
    # Exactly one apply's objects: one contract import, one contract in state, and the
    # loser, sharing the state, has nothing left to do.
    assert len(_imports(module_sandbox)) == imports_before + 1
    assert len(second.resources(CONTRACT)) == 1
    assert not second.export()["deployment"].get("pending_operations")
    second.preview("--expect-no-changes")
    assert _locks(second) == []


def test_killed_up_leaves_a_lock_that_courseware_unlock_clears_then_up_converges(
    tmp_path: Path, module_sandbox: Sandbox, team_db: dict[str, Any]
) -> None:
    project = _first_clone(tmp_path / "clone", module_sandbox, team_db, "team-kill", "TEAMK")
    imports_before = len(_imports(module_sandbox))
    rule = module_sandbox.fault("--command", "b2b_contract import", "--latency", "4")
    process = project.popen("up", "--yes", "--skip-preview")
    try:
        module_sandbox.wait_until_fired(rule["id"])
        refused = _courseware(project, "unlock", "--stack", project.stack)
        assert refused.exit_code == 1, str(refused)
        assert "still alive" in refused.stderr and f"(pid {process.pid})" in refused.stderr, str(refused)
        assert len(_locks(project)) == 1  # refused: the live run keeps its lock
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=300)
        # The CLI is gone; the language host and provider it started are not, and the
        # provider may still be running a command: still refused, naming them.
        orphans = _courseware(project, "unlock", "--stack", project.stack)
        assert orphans.exit_code == 1 and "pulumi.dynamic" in orphans.stderr, str(orphans)
    finally:
        stop_session(process)
        module_sandbox.clear_faults()

    [left] = _locks(project)
    assert left.pid == process.pid
    blocked = project.up(expect=None)
    assert blocked.exit_code != 0 and LOCKED in blocked.stderr + blocked.stdout, str(blocked)

    unlocked = _courseware(project, "unlock", "--stack", project.stack)
    assert unlocked.exit_code == 0, str(unlocked)
    assert _locks(project) == []
    assert not project.export()["deployment"].get("pending_operations")
    project.up()
    project.preview("--expect-no-changes")
    assert len(project.resources(CONTRACT)) == 1
    # The killed run's import finished; the recovered up adopted its contract.
    assert len(_imports(module_sandbox)) == imports_before + 1

    # The read-only role: CI's previews and drift checks work on the shared state ...
    reader = _team_env(team_db, role="preview")
    assert _courseware(project, "drift", "--stack", project.stack, env=reader).exit_code == 0
    # Stack selection is kept per backend URL, and the reader's URL names another role.
    digest = project.run("preview", "--json", "--stack", project.stack, env=reader).stdout
    summary = subprocess.run(
        [str(Path(sys.executable).parent / "courseware"), "plan-summary"],
        input=digest,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert summary.returncode == 0 and "no change" in summary.stdout.lower(), summary.stdout + summary.stderr
    # ... and a drift made by hand in Studio shows through it, naming the field.
    module_sandbox.cli("edx set-course", "course-v1:UAI_SOURCE+TEAMK.1x+SOURCE", "--title", "Renamed by hand")
    drifted = _courseware(project, "drift", "--stack", project.stack, env=reader)
    assert drifted.exit_code == 2 and "title" in drifted.stdout, str(drifted)
    # It cannot apply: writing the lock is refused by the database.
    denied = project.run("up", "--yes", "--skip-preview", "--stack", project.stack, expect=None, env=reader)
    assert denied.exit_code != 0 and "permission denied" in denied.stderr + denied.stdout, str(denied)


def test_a_stack_moved_from_file_to_postgres_keeps_every_resource(
    tmp_path: Path, module_sandbox: Sandbox, team_db: dict[str, Any]
) -> None:
    local = PulumiProject(tmp_path / "local", STACKS, stack="moved", env={"PULUMI_CONFIG_PASSPHRASE": TEAM_PASSPHRASE})
    local.use_sandbox(module_sandbox.info)
    local.set_config("catalog", _catalog("TEAMM"))
    local.up()
    exported = tmp_path / "moved.json"
    local.run("stack", "export", "--file", str(exported))

    # The same checkout, now logged in to the team database: init the stack there (the
    # stack file keeps its encryption salt), import the state, and nothing is left to do.
    shared = PulumiProject(
        tmp_path / "shared", STACKS, stack="moved", stack_file=local.root / "Pulumi.moved.yaml", env=_team_env(team_db)
    )
    shared.run("stack", "import", "--file", str(exported))
    before = [(r["urn"], r.get("id")) for r in local.export()["deployment"]["resources"]]
    after = [(r["urn"], r.get("id")) for r in shared.export()["deployment"]["resources"]]
    assert after == before and len(after) > 5
    shared.preview("--expect-no-changes")

    # docs/team.md, "Backups", word for word but for the host and port: back up, restore,
    # and the restored state still matches the platforms.
    # Both blocks in one shell, as a reader types them: the restore uses the backup's exports.
    backup, restore = _doc_blocks("Backups")
    listing = _run_doc_block(backup + restore, team_db, tmp_path)
    assert "TABLE DATA public pulumi_state" in listing, listing
    shared.preview("--expect-no-changes")


def _run_doc_block(block: str, db: dict[str, Any], cwd: Path, **env: str) -> str:
    """A block of docs/team.md, pointed at the test's PostgreSQL: its host and port, its
    pgpass, and no TLS (a local server has no certificate)."""
    script = (
        block.replace("db.example.org", db["host"])
        .replace("5432", str(db["port"]))
        .replace('"$HOME/.pgpass"', db["pgpassfile"])
        .replace("sslmode=verify-full", "sslmode=disable")
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        # A reader's shell: no Pulumi settings of the test run (scripts/run sets the local ones).
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")},
            "PGPASSFILE": db["pgpassfile"],
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_documented_login_takes_the_password_from_pgpass_and_shows_none(
    tmp_path: Path, team_db: dict[str, Any]
) -> None:
    """docs/team.md, "Pointing the CLI at it", through scripts/run: it logs in (the
    database answered, with the password from the pgpass file) and prints no password,
    nor stores one in PULUMI_HOME."""
    [block] = _doc_blocks("Pointing the CLI at it: no password in the URL")
    home = tmp_path / "pulumi-home"
    said = _run_doc_block(block, team_db, REPO, PULUMI_HOME=str(home))
    assert f"(postgres://courseware_apply@127.0.0.1:{team_db['port']}/courseware?sslmode=disable)" in said, said
    stored = (home / "credentials.json").read_text()
    for password in _passwords(team_db):
        assert password not in said and password not in stored


def _doc_blocks(section: str) -> list[str]:
    """The shell blocks of one section of docs/team.md, in order."""
    text = (REPO / "docs" / "team.md").read_text().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", text, re.S)
