"""A source course's title changed in the stack file reaches edX only (issue 14, item 4).

MITx Online never copies edX's values into a source run (`sync_courserun --run` cannot
find one, docs/platforms/mitxonline.md §3, §10). Preview says what stays stale and what to do
instead; after the `up`, preview and `courseware drift` agree that nothing is left to
do, so a scheduled drift check stays green, and the warning is not repeated once said.
A second stack that adopts the course then has an empty preview after its `up` (no
perpetual update of mitxonline:Course), and the
course title no command can change stays green once a refresh acknowledged it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import courseware, source_course
from tests.sandbox.helpers import Sandbox


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path / "first", STACKS, stack="e2e")
    project.use_sandbox(sandbox.info)
    return project


def test_a_source_title_change_is_explained_and_converges(
    project: PulumiProject, sandbox: Sandbox, tmp_path: Path
) -> None:
    entry = source_course(Sandbox.unique("S"))
    key = entry["course_key"]
    project.set_config("catalog", {"source_courses": [entry]})
    project.up()

    project.set_config("catalog", {"source_courses": [{**entry, "title": "Renamed in the stack file"}]})
    preview = project.preview()
    said = preview.stdout + preview.stderr
    assert f"MITx Online source run {key} keeps title {entry['title']!r}" in said, said
    assert "edit the run in the Django admin" in said
    project.up()
    drift = courseware(project, "drift", "--stack", "e2e")
    assert drift.exit_code == 0, drift
    project.preview("--refresh", "--expect-no-changes")
    # Said once (issue 25, item 5): neither the next preview nor one after a refresh
    # repeats it; a new title is a new change, and is reported again.
    again = project.preview("--expect-no-changes")
    assert "keeps title" not in again.stdout + again.stderr, again
    project.refresh("--run-program")
    again = project.preview("--expect-no-changes")
    assert "keeps title" not in again.stdout + again.stderr, again
    project.set_config("catalog", {"source_courses": [{**entry, "title": "Renamed twice"}]})
    renamed = project.preview()
    assert f"keeps title {entry['title']!r} (declared 'Renamed twice')" in renamed.stdout + renamed.stderr, renamed
    project.up()
    project.preview("--refresh", "--expect-no-changes")
    project.set_config("catalog", {"source_courses": [{**entry, "title": "Renamed in the stack file"}]})
    project.up()

    # Another stack takes the course over as it is now: edX has the new title, MITx
    # Online the old one. After its `up`, its preview is empty.
    second = PulumiProject(tmp_path / "second", STACKS, stack="second")
    second.use_sandbox(sandbox.info)
    adopted = courseware(second, "adopt", "--stack", "second", "--source-course", key)
    assert adopted.exit_code == 0, adopted
    second.up()
    second.preview("--expect-no-changes")
    # MITx Online's course keeps the title it was imported with: drift says so, and a
    # refresh acknowledges it for good (no command can change it).
    drifted = courseware(second, "drift", "--stack", "second")
    assert drifted.exit_code == 2 and "Renamed in the stack file" in drifted.stdout, drifted
    second.refresh()
    second.up()
    acknowledged = courseware(second, "drift", "--stack", "second")
    assert acknowledged.exit_code == 0, acknowledged
    second.preview("--expect-no-changes")
