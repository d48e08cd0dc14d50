"""Fixtures for the MITx Online providers against the running sandbox.

`mitxonline` configures the providers from the sandbox's stack config; each test starts
with new clients (tests/conftest.py resets `provider.platforms`). Tests that change the
sandbox between calls, the way an operator would between two `pulumi` runs, forget the
client's shared reads there. `Commands` counts the management commands a step ran, from
the sandbox's log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.dynamic import CheckResult, Config, ConfigureRequest, ResourceProvider

from provider import platforms
from provider.edx.course_run import CourseRunProvider as EdxCourseRunProvider
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider
from tests.sandbox.helpers import Sandbox


def configured(sandbox: Sandbox, provider_class: type[ResourceProvider]) -> Any:
    provider = provider_class()
    provider.configure(ConfigureRequest(Config(sandbox.stack_config(), "courseware")))
    return provider


def checked(provider: ResourceProvider, **news: Any) -> dict[str, Any]:
    result: CheckResult = provider.check({}, {**news, "__provider": "serialised"})
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


class Commands:
    """The commands the sandbox ran since the last `take()`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.seen = len(self._all())

    def _all(self) -> list[list[str]]:
        return [entry["argv"] for entry in self.sandbox.log() if entry["kind"] == "command"]

    def take(self) -> list[str]:
        """`command subcommand` of each new command, oldest first."""
        every = self._all()
        new, self.seen = every[self.seen :], len(every)
        two_words = ("b2b_contract", "b2b_courseware", "b2b_codes", "b2b_list")
        return [f"{argv[0]} {argv[1]}" if argv[0] in two_words else argv[0] for argv in new]


@pytest.fixture
def mitxonline(sandbox: Sandbox) -> Sandbox:
    """The sandbox, with the providers configured against it: new clients, with nothing
    read yet (`tests/conftest.py` resets `provider.platforms` around each test)."""
    configured(sandbox, CourseProvider)
    return sandbox


@pytest.fixture
def commands(mitxonline: Sandbox) -> Commands:
    return Commands(mitxonline)


@dataclass(frozen=True)
class SourceCourse:
    course: str
    source_run: str


def make_source_course(sandbox: Sandbox, number: str, title: str = "Intro to Courses") -> SourceCourse:
    """The runbook's prerequisite (docs/platforms/mitxonline.md §11): an edX source run, then the MITx
    Online course, its source run and its page."""
    course = f"course-v1:UAI_SOURCE+{number}"
    source_run = f"{course}+SOURCE"
    edx = configured(sandbox, EdxCourseRunProvider)
    edx.create(
        checked(
            edx,
            course_key=source_run,
            title=title,
            start="2026-01-01T00:00:00Z",
            end="2027-12-31T00:00:00Z",
            pacing="self_paced",
        )
    )
    course_provider = configured(sandbox, CourseProvider)
    course_provider.create(checked(course_provider, readable_id=course, title=title))
    run_provider = configured(sandbox, CourseRunProvider)
    run_provider.create(checked(run_provider, courseware_id=source_run, course=course, is_source_run=True))
    page_provider = configured(sandbox, CoursePageProvider)
    page_provider.create(checked(page_provider, course=course, ingest_content_files_for_ai=True))
    platforms.mitxonline().shared.forget()
    return SourceCourse(course, source_run)
