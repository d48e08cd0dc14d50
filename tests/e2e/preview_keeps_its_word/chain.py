"""Preview keeps its word over a corpus of edits of the demo stack (issue 28, item 6).

In CI a reviewer approves a pull request's preview and `up` runs on merge. For every
edit, one of two things must hold, through the real CLI against the sandbox:

- preview refuses it, and `pulumi up --yes` refuses it too, having written nothing
  (the sandbox's log shows no command that writes and no Studio call that changes);
- or `up` applies it (exit 0) and the next `preview --expect-no-changes` is empty.

The edits form three chains (corpus.CHAINS), each applied one edit after the other to a
stack of its own made from the demo catalog, each edit on the last accepted one of its
chain; each edit says whether it must be refused, so the corpus cannot pass by refusing
everything. A test file per chain (test_corpus_*.py) lets `make test` run them side by
side; this module is what they share.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import writes_since
from tests.e2e.preview_keeps_its_word.corpus import CHAINS, demo_catalog, write_catalog
from tests.sandbox.helpers import Sandbox


def apply_chain(name: str, tmp_path: Path, module_sandbox: Sandbox) -> None:
    """Apply the chain `name` of corpus.CHAINS to a stack of its own, made from the demo
    catalog, and fail with every edit that broke the promise."""
    project = PulumiProject(tmp_path, STACKS, stack=f"corpus-{name}")
    project.use_sandbox(module_sandbox.info)
    current = demo_catalog()
    project.set_config("catalog", current)
    project.up()
    project.preview("--expect-no-changes")

    broken: list[str] = []
    for edit in CHAINS[name]:
        try:
            edited = edit.apply(current)
        except AssertionError as error:
            broken.append(f"{edit.name}: cannot be made: {error}")
            continue
        write_catalog(project.root, project.stack, edited)
        start = len(module_sandbox.log())
        preview = project.preview(expect=None)
        if preview.exit_code != 0:
            # `pulumi up --yes`, as CI runs it on merge: its own preview refuses the edit
            # before any step runs (tests/e2e/preview_keeps_its_word/test_cases.py drives
            # each single-resource refusal through `up --skip-preview` as well).
            up = project.run("up", "--yes", expect=None)
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
