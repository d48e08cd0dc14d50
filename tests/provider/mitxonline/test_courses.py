"""mitxonline:Course, CourseRun and CoursePage against the sandbox."""

from __future__ import annotations

import pytest

from provider import platforms
from provider.edx.course_run import CourseRunProvider as EdxCourseRunProvider
from provider.edx.keys import CourseKey
from provider.errors import CommandRefused, Drifted
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider
from tests.provider.mitxonline.conftest import Commands, checked, configured, make_source_course
from tests.sandbox.helpers import Sandbox


def test_the_source_course_takes_three_commands_and_reads_back(mitxonline: Sandbox, commands: Commands) -> None:
    source = make_source_course(mitxonline, Sandbox.unique("A"))
    assert commands.take() == ["create_courseware", "import_courserun", "create_courseware_page"]

    course = configured(mitxonline, CourseProvider).read(source.course, {"adopt": False})
    assert course.inputs == {"readable_id": source.course, "title": "Intro to Courses", "live": True,
                             "departments": [], "adopt": False}  # fmt: skip
    run_provider = configured(mitxonline, CourseRunProvider)
    run = run_provider.read(source.source_run, checked(run_provider, courseware_id=source.source_run,
                                                       course=source.course, is_source_run=True))  # fmt: skip
    assert run.outs is not None
    assert (run.outs["run_tag"], run.outs["live"], run.outs["is_self_paced"]) == ("SOURCE", True, True)
    assert run.outs["start_date"] == "2026-01-01T00:00:00Z"
    page = configured(mitxonline, CoursePageProvider).read(source.course, {})
    assert page.inputs == {"course": source.course, "live": True, "include_in_learn_catalog": False,
                           "ingest_content_files_for_ai": True, "adopt": False}  # fmt: skip
    assert commands.take() == []


def test_creating_again_adopts_everything_without_a_write(mitxonline: Sandbox, commands: Commands) -> None:
    number = Sandbox.unique("A")
    make_source_course(mitxonline, number)
    commands.take()
    make_source_course(mitxonline, number)
    assert commands.take() == []


def test_a_course_that_differs_is_not_adopted_silently(mitxonline: Sandbox) -> None:
    source = make_source_course(mitxonline, Sandbox.unique("A"))
    provider = configured(mitxonline, CourseProvider)
    with pytest.raises(Drifted, match="title"):
        provider.create(checked(provider, readable_id=source.course, title="Another title"))
    with pytest.raises(Drifted, match="ingest_content_files_for_ai"):
        pages = configured(mitxonline, CoursePageProvider)
        pages.create(checked(pages, course=source.course))


def test_a_run_missing_in_edx_is_reported_plainly(mitxonline: Sandbox) -> None:
    source = make_source_course(mitxonline, Sandbox.unique("A"))
    provider = configured(mitxonline, CourseRunProvider)
    with pytest.raises(CommandRefused, match="create it in edX first"):
        provider.create(checked(provider, courseware_id=f"{source.course}+9T2099", course=source.course))


def test_an_edx_title_change_is_synced_into_a_public_run(mitxonline: Sandbox, commands: Commands) -> None:
    source = make_source_course(mitxonline, Sandbox.unique("A"))
    key = f"{source.course}+1T2026"
    edx = configured(mitxonline, EdxCourseRunProvider)
    edx_inputs = checked(edx, course_key=key, title="Intro, fall", start="2026-09-01T00:00:00Z",
                         end="2026-12-15T00:00:00Z", pacing="instructor_paced")  # fmt: skip
    edx.create(edx_inputs)
    runs = configured(mitxonline, CourseRunProvider)
    created = runs.create(checked(runs, courseware_id=key, course=source.course, title="Intro, fall"))
    assert created.outs["is_self_paced"] is False and created.outs["b2b_contract"] is None
    commands.take()

    studio = platforms.edx()
    studio.patch_course_run(CourseKey.parse(key), {"title": "Intro, fall term"})
    platforms.mitxonline().shared.forget()
    news = checked(runs, courseware_id=key, course=source.course, title="Intro, fall term")
    assert runs.diff(key, created.outs, news).changes is True
    updated = runs.update(key, created.outs, news)
    assert commands.take() == ["sync_courserun"]
    assert updated.outs["title"] == "Intro, fall term"


def _edx_source_run(sandbox: Sandbox, source_run: str, title: str = "Intro to Courses") -> None:
    edx = configured(sandbox, EdxCourseRunProvider)
    edx.create(checked(edx, course_key=source_run, title=title, start="2026-01-01T00:00:00Z",
                       end="2027-12-31T00:00:00Z", pacing="self_paced"))  # fmt: skip


def test_a_course_declared_with_its_first_run_takes_one_import_courserun(
    mitxonline: Sandbox, commands: Commands
) -> None:
    course = f"course-v1:UAI_SOURCE+{Sandbox.unique('I')}"
    source_run = f"{course}+SOURCE"
    _edx_source_run(mitxonline, source_run)
    commands.take()
    page = {"live": False, "include_in_learn_catalog": True, "ingest_content_files_for_ai": True}
    first = {"courseware_id": source_run, "run_tag": "SOURCE", "is_source_run": True, "page": page}
    courses = configured(mitxonline, CourseProvider)
    created = courses.create(checked(courses, readable_id=course, title="Intro to Courses", import_run=first))
    assert commands.take() == ["import_courserun"]
    assert created.outs["title"] == "Intro to Courses" and created.outs["live"] is True
    assert created.outs["import_run"]["courseware_id"] == source_run  # kept, so refresh shows no drift

    # The run and the page are there already, as declared: their resources only read.
    runs = configured(mitxonline, CourseRunProvider)
    run = runs.create(checked(runs, courseware_id=source_run, course=course, is_source_run=True, run_tag="SOURCE"))
    assert (run.outs["live"], run.outs["run_tag"], run.outs["is_self_paced"]) == (True, "SOURCE", True)
    pages = configured(mitxonline, CoursePageProvider)
    page = pages.create(checked(pages, course=course, live=False, include_in_learn_catalog=True,
                                ingest_content_files_for_ai=True))  # fmt: skip
    assert (page.outs["live"], page.outs["include_in_learn_catalog"]) == (False, True)
    assert commands.take() == []


def test_an_import_of_a_run_edx_lacks_says_so(mitxonline: Sandbox, commands: Commands) -> None:
    course = f"course-v1:UAI_SOURCE+{Sandbox.unique('I')}"
    courses = configured(mitxonline, CourseProvider)
    inputs = checked(courses, readable_id=course, title="T", import_run={"courseware_id": f"{course}+SOURCE"})
    with pytest.raises(CommandRefused, match=r"could not read the edX run .* create it in edX first"):
        courses.create(inputs)
    assert commands.take() == ["import_courserun"]


def test_import_run_must_be_a_run_of_the_course_and_never_makes_a_diff(mitxonline: Sandbox) -> None:
    courses = configured(mitxonline, CourseProvider)
    wrong = courses.check({}, {"readable_id": "course-v1:UAI_SOURCE+A1", "title": "T",
                               "import_run": {"courseware_id": "course-v1:UAI_SOURCE+B2+SOURCE"}})  # fmt: skip
    assert [(f.property, "is a run of course-v1:UAI_SOURCE+B2" in f.reason) for f in wrong.failures] == [
        ("import_run.courseware_id", True)
    ]
    olds = {"readable_id": "course-v1:UAI_SOURCE+A1", "title": "T", "live": True, "departments": [], "adopt": False,
            "course_id": 3}  # fmt: skip
    news = courses.check(olds, {"readable_id": "course-v1:UAI_SOURCE+A1", "title": "T",
                                "import_run": {"courseware_id": "course-v1:UAI_SOURCE+A1+SOURCE"}}).inputs  # fmt: skip
    assert courses.diff("course-v1:UAI_SOURCE+A1", olds, news).changes is False
