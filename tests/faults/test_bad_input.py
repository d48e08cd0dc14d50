"""Bad input through the real CLI (issue 8, item 3).

Each case breaks one field of an otherwise valid stack file and runs `pulumi preview`:
the preview fails with the field's stack-file path and what is wrong, without a Python
traceback, and the sandbox log shows that no platform call was made (the catalog is
validated before any resource is registered, provider/catalog.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider import platforms
from provider.mitxonline.course import CourseProvider
from tests.e2e.harness import STACKS, PulumiProject
from tests.faults.conftest import checked, configured, contract, source_course
from tests.sandbox.helpers import Sandbox

KEY = "course-v1:UAI_SOURCE+B.0001x+SOURCE"
VALID: dict[str, Any] = {
    "source_courses": [
        {
            **source_course(KEY),
            "enrollment_start": "2026-01-01T00:00:00Z",
            "enrollment_end": "2030-12-01T00:00:00Z",
        }
    ],
    "organizations": [{"org_key": "BADIN", "name": "Bad Input University"}],
    "contracts": [contract("BADIN", "Bad Input Contract", ["course-v1:UAI_SOURCE+B.0001x"])],
}


def _set(path: str, value: Any) -> dict[str, Any]:
    """VALID with the value at `path` (`source_courses.0.title`) replaced."""
    catalog = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = catalog
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return catalog


def _twice(section: str) -> dict[str, Any]:
    catalog = copy.deepcopy(VALID)
    catalog[section].append(copy.deepcopy(catalog[section][0]))
    return catalog


# (catalog, the path the error must name, a word of the reason)
CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "key with a space": (_set("source_courses.0.course_key", "course-v1:UAI_SOURCE+B 1x+SOURCE"), "course_key", "' '"),
    "key with a +": (_set("source_courses.0.course_key", "course-v1:UAI_SOURCE+B+1x+SOURCE"), "course_key", "part"),
    "key with a /": (_set("source_courses.0.course_key", "course-v1:UAI_SOURCE+B/1x+SOURCE"), "course_key", "'/'"),
    "key with unicode": (
        _set("source_courses.0.course_key", "course-v1:UAI_SOURCE+Bé.1x+SOURCE"),
        "course_key",
        "ASCII",
    ),
    "key with an empty part": (
        _set("source_courses.0.course_key", "course-v1:UAI_SOURCE++SOURCE"),
        "course_key",
        "empty",
    ),
    "end before start": (_set("source_courses.0.end", "2025-01-01T00:00:00Z"), "end", "later than start"),
    "enrollment ends after the run": (
        _set("source_courses.0.enrollment_end", "2031-06-01T00:00:00Z"),
        "end",
        "enrollment_end",
    ),
    "enrollment starts after the run starts": (
        _set("source_courses.0.enrollment_start", "2026-02-01T00:00:00Z"),
        "start",
        "enrollment_start",
    ),
    "unknown membership type": (_set("contracts.0.membership_type", "premium"), "membership_type", "managed"),
    "zero seats": (_set("contracts.0.max_learners", 0), "max_learners", "greater than 0"),
    "negative seats": (_set("contracts.0.max_learners", -5), "max_learners", "greater than 0"),
    "contract ends before it starts": (_set("contracts.0.end", "2025-12-31"), "end", "before start"),
    "same course key twice": (_twice("source_courses"), "source_courses[1].course_key", "more than once"),
    "same organization twice": (_twice("organizations"), "organizations[1].org_key", "more than once"),
    "newline in a title": (_set("source_courses.0.title", "Intro\nrm -rf /"), "title", "one line"),
    "newline in a contract name": (_set("contracts.0.name", "Bad\nInput"), "name", "one line"),
    "newline in an organization name": (_set("organizations.0.name", "Bad\r\nInput"), "name", "one line"),
}


def _expected_path(case: str, field: str) -> str:
    if "[" in field:
        return f"catalog.{field}"
    if field in ("membership_type", "max_learners") or "contract" in case:
        return f"catalog.contracts[0].{field}"
    if "organization" in case:
        return f"catalog.organizations[0].{field}"
    return f"catalog.source_courses[0].{field}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, fresh_sandbox: Sandbox) -> Iterator[PulumiProject]:
    project = PulumiProject(tmp_path_factory.mktemp("bad-input"), STACKS, stack="bad-input")
    project.use_sandbox(fresh_sandbox.info)
    yield project


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_its_path_before_any_platform_call(
    project: PulumiProject, fresh_sandbox: Sandbox, case: str
) -> None:
    catalog, field, reason = CASES[case]
    project.set_config("catalog", catalog)
    before = len(fresh_sandbox.log())
    result = project.preview(expect=None)
    text = result.stdout + result.stderr
    assert result.exit_code != 0, text
    path = _expected_path(case, field)
    lines = [line for line in text.splitlines() if path in line]
    assert lines and any(reason in line for line in lines), f"{path} / {reason!r} not in:\n{text}"
    assert "Traceback" not in text, text
    assert fresh_sandbox.log()[before:] == []


def test_the_valid_stack_file_previews(project: PulumiProject, fresh_sandbox: Sandbox) -> None:
    """The matrix's base is valid: each failure above comes from its one change."""
    project.set_config("catalog", VALID)
    project.preview()


def test_shell_metacharacters_in_a_title_are_passed_literally(fresh_sandbox: Sandbox) -> None:
    """Titles may hold `&`, `;`, `$( )`, backquotes and quotes ("Data & Society"): they are
    valid text, so they are accepted and reach the command as one argument, never through
    a shell (provider/mitxonline/transport.py)."""
    title = "Data & Society; $(touch /tmp/courseware-pwned) `id` | cat > x 'quoted' \"too\""
    course = f"course-v1:META+{Sandbox.unique('T')}"
    provider = configured(fresh_sandbox, CourseProvider)
    provider.create(checked(provider, readable_id=course, title=title))
    platforms.mitxonline().shared.forget()
    live = platforms.mitxonline().course(course)
    assert live is not None and live.title == title
    assert not Path("/tmp/courseware-pwned").exists()
