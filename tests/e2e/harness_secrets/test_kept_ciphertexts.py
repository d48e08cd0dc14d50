"""The harness keeps the salt and secret ciphertexts the real CLI wrote (tests/e2e/harness.py,
`_Ciphertexts`): a later project of the same test process starts from that salt and gets
its secrets without a `pulumi config set-all`, and the CLI decrypts them as its own."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.e2e.harness import STACKS, PulumiProject, Result
from tests.sandbox.helpers import Sandbox


def _recording(project: PulumiProject) -> list[tuple[str, ...]]:
    """The argv of every CLI command `project` runs from now on."""
    ran: list[tuple[str, ...]] = []
    run = project.run

    def recorded(*args: str, **kwargs: object) -> Result:
        ran.append(args)
        return run(*args, **kwargs)  # type: ignore[arg-type]

    project.run = recorded  # type: ignore[method-assign]
    return ran


def test_a_second_project_reuses_the_salt_and_ciphertexts_the_cli_wrote(tmp_path: Path, sandbox: Sandbox) -> None:
    secrets = {"edxClientSecret": "s3cret-" + Sandbox.unique("a"), "mitxonlineApiKey": "k3y-" + Sandbox.unique("b")}
    first = PulumiProject(tmp_path / "first", STACKS, stack="first")
    first_ran = _recording(first)
    first.set_secrets(**secrets)
    assert [args[:2] for args in first_ran] == [("config", "set-all")]

    second = PulumiProject(tmp_path / "second", STACKS, stack="second")
    second_ran = _recording(second)
    second.set_secrets(**secrets)
    assert second_ran == []
    first_file = (tmp_path / "first" / "Pulumi.first.yaml").read_text()
    second_file = (tmp_path / "second" / "Pulumi.second.yaml").read_text()
    assert yaml.safe_load(first_file) == yaml.safe_load(second_file)  # one salt, the same `secure:` values
    for key, value in secrets.items():
        shown = second.run("config", "get", f"courseware:{key}")
        assert shown.stdout.strip() == value, shown
        assert value not in second_file

    # A value not kept yet goes through the CLI, under the same salt.
    other = {"edxClientSecret": "other-" + Sandbox.unique("c")}
    second.set_secrets(**other)
    assert [args[:2] for args in second_ran[-1:]] == [("config", "set-all")]
    assert second.run("config", "get", "courseware:edxClientSecret").stdout.strip() == other["edxClientSecret"]
