"""`courseware adopt` says what the following `up` and preview will find (issue 25).

It said "Every declared object matches" for a course whose MITx Online title differed
from edX's, and the `up` that followed warned "course … differs (title)"; that `up` also
warned "made by hand or by another stack" for entries that declare `adopt: true`. Now
"matches" holds exactly when the `up` after it warns of nothing and the next preview is
empty, and an entry that asks for adoption gets no warning for it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import courseware
from tests.sandbox.helpers import Sandbox

MATCHES = "Every declared object matches what exists"


def hand_made_source_course(sandbox: Sandbox, number: str, title: str) -> str:
    """A source course made with the runbook: the edX run, then `import_courserun`."""
    key = f"course-v1:UAI_SOURCE+{number}+SOURCE"
    with sandbox.studio() as studio:
        created = studio.post(
            "/api/v1/course_runs/",
            json={
                "org": "UAI_SOURCE",
                "number": number,
                "run": "SOURCE",
                "title": title,
                "pacing_type": "self_paced",
                "schedule": {"start": "2026-01-05T00:00:00Z", "end": "2030-12-31T00:00:00Z"},
                "team": [],
            },
        )
    assert created.status_code == 201, created.text
    imported = sandbox.manage("import_courserun", "--courserun", key, "--source-course", "--live", "--create-cms-page")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    return key


def warnings_of(said: str) -> list[str]:
    return [line.strip() for line in said.splitlines() if line.strip().startswith(("WARNING", "warning:"))]


def test_matches_means_a_silent_up_and_an_empty_preview(tmp_path: Path, sandbox: Sandbox) -> None:
    key = hand_made_source_course(sandbox, Sandbox.unique("W"), "Words 101")
    project = PulumiProject(tmp_path, STACKS, stack="words")
    project.use_sandbox(sandbox.info)
    adopted = courseware(project, "adopt", "--stack", "words", "--source-course", key)
    assert adopted.exit_code == 0, adopted
    assert MATCHES in adopted.stdout, adopted

    applied = project.run("up", "--yes")  # with its preview pass: each warning would show twice
    said = applied.stdout + applied.stderr
    assert warnings_of(said) == [], said
    project.preview("--expect-no-changes")


def test_a_title_only_edx_changed_is_not_called_a_match(tmp_path: Path, sandbox: Sandbox) -> None:
    key = hand_made_source_course(sandbox, Sandbox.unique("W"), "Words 101")
    with sandbox.studio() as studio:
        renamed = studio.patch(f"/api/v1/course_runs/{key}/", json={"title": "Words 102"})
    assert renamed.status_code == 200, renamed.text
    project = PulumiProject(tmp_path, STACKS, stack="words")
    project.use_sandbox(sandbox.info)
    adopted = courseware(project, "adopt", "--stack", "words", "--source-course", key)
    assert adopted.exit_code == 0, adopted
    assert MATCHES not in adopted.stdout, adopted
    assert "titled 'Words 101' and the edX run 'Words 102'" in adopted.stdout, adopted

    applied = project.run("up", "--yes", "--skip-preview")
    found = warnings_of(applied.stdout + applied.stderr)
    # The one object that differs gets one warning, which the report announced.
    assert len(found) == 1 and "differs (title)" in found[0], found
    project.preview("--expect-no-changes")
