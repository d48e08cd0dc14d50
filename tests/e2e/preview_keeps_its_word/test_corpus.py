"""Preview keeps its word over a corpus of edits of the demo stack (issue 28, item 6).

In CI a reviewer approves a pull request's preview and `up` runs on merge. For every
edit, one of two things must hold, through the real CLI against the sandbox:

- preview refuses it, and `up --skip-preview` refuses it too, having written nothing
  (the sandbox's log shows no command that writes and no Studio call that changes);
- or `up` applies it (exit 0) and the next `preview --expect-no-changes` is empty.

Edits are applied one after the other to the demo stack, each on the last accepted one;
each says whether it must be refused, so the corpus cannot pass by refusing everything.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import writes_since
from tests.e2e.preview_keeps_its_word.corpus import EDITS, demo_catalog, write_catalog
from tests.sandbox.helpers import Sandbox


def test_every_edit_is_refused_by_preview_or_applied_by_up(tmp_path: Path, module_sandbox: Sandbox) -> None:
    assert len(EDITS) >= 30
    project = PulumiProject(tmp_path, STACKS, stack="corpus")
    project.use_sandbox(module_sandbox.info)
    current = demo_catalog()
    project.set_config("catalog", current)
    project.up()
    project.preview("--expect-no-changes")

    broken: list[str] = []
    for edit in EDITS:
        try:
            edited = edit.apply(current)
        except AssertionError as error:
            broken.append(f"{edit.name}: cannot be made: {error}")
            continue
        write_catalog(project.root, project.stack, edited)
        start = len(module_sandbox.log())
        preview = project.preview(expect=None)
        if preview.exit_code != 0:
            up = project.up(expect=None)
            written = writes_since(module_sandbox, start)
            if up.exit_code == 0 or written:
                broken.append(f"{edit.name}: preview refused, but `up` exited {up.exit_code} and wrote {written}")
            if edit.refused is False:
                broken.append(f"{edit.name}: must be applied, but preview refused it:\n{preview}")
            print(f"refused: {edit.name}", flush=True)
            continue
        if edit.refused:
            broken.append(f"{edit.name}: must be refused, but preview accepted it")
        up = project.up(expect=None)
        if up.exit_code != 0:
            broken.append(f"{edit.name}: preview accepted it, but `up` failed:\n{up}")
            continue
        after = project.preview("--expect-no-changes", expect=None)
        if after.exit_code != 0:
            broken.append(f"{edit.name}: after `up`, preview still plans changes:\n{after}")
        current = edited
        print(f"applied: {edit.name}", flush=True)
    write_catalog(project.root, project.stack, current)
    assert broken == [], "\n\n".join(broken)
