"""Each way a green preview was once followed by a half-applied `up` (issue 28), through
the real CLI: the engine hands old inputs back as floats, unknowns and absent keys, which
unit tests fed ints never showed.

For each: preview fails and names the field; `up --skip-preview` fails the same way and
the sandbox's log shows no write; the state still matches the platform.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import STACKS, PulumiProject, Result
from tests.e2e.learner_data import CodeContract, writes_since
from tests.sandbox.helpers import Sandbox


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="word")
    project.use_sandbox(sandbox.info)
    return project


def refused_everywhere(project: PulumiProject, sandbox: Sandbox, catalog: dict[str, Any], *words: str) -> Result:
    """Preview refuses `catalog` naming `words`; `up --skip-preview` too, with no write."""
    project.set_config("catalog", catalog)
    start = len(sandbox.log())
    preview = project.preview(expect=None)
    assert preview.exit_code != 0, preview
    text = preview.stdout + preview.stderr
    assert all(word in text for word in words), preview
    assert "Traceback" not in text, preview
    up = project.up(expect=None)
    assert up.exit_code != 0, up
    assert writes_since(sandbox, start) == []
    return preview


def test_lower_or_dropped_seats_are_refused_before_any_write(project: PulumiProject, sandbox: Sandbox) -> None:
    contract = CodeContract(courses=1, seats=20)
    project.set_config("catalog", contract.catalog())
    project.up()
    refused_everywhere(project, sandbox, contract.catalog(max_learners=15), "max_learners", "from 20 to 15")
    refused_everywhere(project, sandbox, contract.catalog(max_learners=None), "max_learners", "dropping")
    # Nothing moved: the declaration as applied still matches the platform.
    project.set_config("catalog", contract.catalog())
    project.preview("--refresh", "--expect-no-changes")


def test_a_missing_existing_course_is_refused_before_any_write(project: PulumiProject, sandbox: Sandbox) -> None:
    """The issue's case: preview planned "~ 2 to update", and `up` made one contract run,
    then failed on the course MITx Online lacks. Now the courseware's check looks the
    course up through REST, and refuses before `b2b_courseware add` runs."""
    contract = CodeContract(courses=1, seats=5)
    project.set_config("catalog", contract.catalog())
    project.up()
    ghost = f"course-v1:UAI_SOURCE+{Sandbox.unique('GHOST')}"
    catalog = contract.catalog(courses=[*contract.courses, ghost])
    catalog["existing_source_courses"] = [ghost]
    refused_everywhere(project, sandbox, catalog, "courses[", ghost, "does not exist")


def test_a_change_to_a_contract_that_starts_later_is_refused_at_preview(
    project: PulumiProject, sandbox: Sandbox
) -> None:
    contract = CodeContract(courses=1, seats=5)
    later = dt.date.today() + dt.timedelta(days=60)
    dates = {"start": later.isoformat(), "end": (later + dt.timedelta(days=365)).isoformat()}
    project.set_config("catalog", contract.catalog(**dates))
    project.up()
    project.preview("--expect-no-changes")
    refused_everywhere(project, sandbox, contract.catalog(**dates, max_learners=8), "max_learners", "starts on")


@pytest.mark.parametrize("title", ["T" * 300, "-Intro to Courses"], ids=["300 characters", "leading dash"])
def test_a_name_the_command_would_refuse_is_refused_at_preview(
    project: PulumiProject, sandbox: Sandbox, title: str
) -> None:
    contract = CodeContract(courses=1, seats=5)
    catalog = contract.catalog()
    catalog["source_courses"][0]["title"] = title
    refused_everywhere(project, sandbox, catalog, "title")
    catalog = contract.catalog(name=title)
    refused_everywhere(project, sandbox, catalog, "name")


def test_a_refused_destroy_keeps_every_resource_in_state(project: PulumiProject, sandbox: Sandbox) -> None:
    """A protected contract once stopped `destroy --skip-preview` only after the CMS page,
    which nothing protected depends on, had left the state; the next preview wanted to
    make it again. The destroy guard is deleted first and refuses: nothing leaves."""
    contract = CodeContract(courses=1, seats=5)
    project.set_config("catalog", contract.catalog())
    project.up()
    before = sorted(r["urn"] for r in project.export()["deployment"]["resources"])
    assert any("mitxonline:CoursePage" in urn for urn in before)

    start = len(sandbox.log())
    destroyed = project.destroy(expect=None)
    assert destroyed.exit_code != 0, destroyed
    text = destroyed.stdout + destroyed.stderr
    assert "protect: false" in text and f"{contract.org_key}/{contract.name}" in text, destroyed
    assert writes_since(sandbox, start) == []
    assert sorted(r["urn"] for r in project.export()["deployment"]["resources"]) == before
    project.preview("--expect-no-changes")
