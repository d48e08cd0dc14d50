"""mitxonline:Course, CourseRun, CoursePage and Organization with a scripted MITx Online."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from provider.errors import CommandRefused, Drifted, Refused
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider
from provider.mitxonline.organization import OrganizationProvider
from provider.mitxonline.transport import Completed
from tests.unit.mitxonline.fake import FakeMitx, ok

COURSE = "course-v1:UAI_SOURCE+A.0001x"
SOURCE = f"{COURSE}+SOURCE"


def checked(provider: ResourceProvider, **news: Any) -> dict[str, Any]:
    result = provider.check({}, news)
    assert result.failures == []
    return result.inputs


def refusals(provider: ResourceProvider, olds: dict[str, Any], **changes: Any) -> dict[str, str]:
    return {f.property: f.reason for f in provider.check(olds, {**olds, **changes}).failures}


# Course ---------------------------------------------------------------------------------


def test_course_create_runs_create_courseware_then_reads_back(fake: FakeMitx, client: MitxOnline) -> None:
    def create(args: list[str], stdin: str | None) -> Completed:
        fake.add_course(COURSE, "Intro to Courses", departments=[{"name": "AI"}])
        return ok("Created Course 1: Intro to Courses (course-v1:UAI_SOURCE+A.0001x).")

    fake.on("create_courseware", create)
    news = checked(CourseProvider(), readable_id=COURSE, title="Intro to Courses", departments=["AI"])
    result = CourseProvider().create(news)
    assert fake.calls == [["create_courseware", "--live", "--dept", "AI", "--create-depts", "course", COURSE,
                           "Intro to Courses"]]  # fmt: skip
    assert (result.id, result.outs["departments"], result.outs["live"]) == (COURSE, ["AI"], True)


def test_course_create_adopts_a_matching_course_and_refuses_a_different_one(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE, "Intro to Courses")
    CourseProvider().create(checked(CourseProvider(), readable_id=COURSE, title="Intro to Courses"))
    with pytest.raises(Drifted, match="title: declared 'Other', live 'Intro to Courses'"):
        CourseProvider().create(checked(CourseProvider(), readable_id=COURSE, title="Other"))
    assert fake.calls == []


def test_course_create_looks_again_after_a_failed_command(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("create_courseware", lambda args, stdin: Completed(255, "", f"Course with ID {COURSE} already exists."))
    with pytest.raises(CommandRefused, match="already exists"):
        CourseProvider().create(checked(CourseProvider(), readable_id=COURSE, title="Intro"))


def test_a_refused_create_whose_course_is_there_after_all_is_adopted(
    fake: FakeMitx, client: MitxOnline, caplog: Any
) -> None:
    """A refusal is "maybe applied" too (docs/decisions.md §24): the re-read decides, and
    the refused command is not run again."""

    def made_meanwhile(args: list[str], stdin: str | None) -> Completed:
        fake.add_course(COURSE, "Intro")
        return Completed(255, "", f"Course with ID {COURSE} already exists.")

    fake.on("create_courseware", made_meanwhile)
    result = CourseProvider().create(checked(CourseProvider(), readable_id=COURSE, title="Intro"))
    assert result.id == COURSE
    assert [call[0] for call in fake.calls] == ["create_courseware"]
    assert "already exists (docs/platforms/mitxonline.md §3); it was applied all the same, continuing" in caplog.text


def test_course_changes_that_no_command_makes_are_refused_with_advice() -> None:
    olds = checked(CourseProvider(), readable_id=COURSE, title="Intro")
    found = refusals(CourseProvider(), olds, title="Intro 2", live=False)
    assert set(found) == {"title", "live"} and "Django admin" in found["title"]
    assert CourseProvider().diff(COURSE, olds, {**olds, "readable_id": "course-v1:X+Y"}).replaces == ["readable_id"]


def test_course_read_shows_live_drift_and_a_vanished_course(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE, "Renamed", is_live=False)
    result = CourseProvider().read(COURSE, {"readable_id": COURSE, "title": "Intro"})
    assert result.inputs == {"readable_id": COURSE, "title": "Renamed", "live": False, "departments": [],
                             "adopt": False}  # fmt: skip
    assert CourseProvider().read("course-v1:X+Y", {}).id == ""


# CourseRun ------------------------------------------------------------------------------


def run_inputs(**changes: Any) -> dict[str, Any]:
    return checked(CourseRunProvider(), courseware_id=SOURCE, course=COURSE, is_source_run=True, **changes)


def test_run_create_imports_under_the_course_with_its_flags(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE)

    def imported(args: list[str], stdin: str | None) -> Completed:
        fake.add_run(COURSE, SOURCE)
        return ok(f"Created new run {SOURCE} in course {COURSE}\n1 course runs created")

    fake.on("import_courserun", imported)
    result = CourseRunProvider().create(run_inputs())
    assert fake.calls == [["import_courserun", "--courserun", SOURCE, "--use-specific-course", COURSE,
                           "--run-tag", "SOURCE", "--live", "--source-course"]]  # fmt: skip
    assert (result.outs["run_tag"], result.outs["is_source_run"], result.outs["live"]) == ("SOURCE", True, True)


def test_run_create_says_when_edx_has_no_such_run(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE)
    fake.on("import_courserun", lambda args, stdin: ok(f"Could not retrieve data for {SOURCE}: 404 Client Error"))
    with pytest.raises(CommandRefused, match="create it in edX first"):
        CourseRunProvider().create(run_inputs())


def test_run_create_needs_its_course(fake: FakeMitx, client: MitxOnline) -> None:
    with pytest.raises(Refused, match="declare it as a mitxonline:Course"):
        CourseRunProvider().create(run_inputs())
    assert fake.calls == []


def test_a_run_whose_edx_copy_differs_is_synced(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE)
    run = fake.add_run(COURSE, f"{COURSE}+1T2026", title="Old title")

    def sync(args: list[str], stdin: str | None) -> Completed:
        run["title"] = "New title"
        return ok("Sync complete: 1 updated, 0 failures")

    fake.on("sync_courserun", sync)
    news = checked(CourseRunProvider(), courseware_id=f"{COURSE}+1T2026", course=COURSE, title="New title")
    olds = {**news, "title": "Old title", "run_tag": "1T2026"}
    assert CourseRunProvider().diff(news["courseware_id"], olds, news).changes is True
    result = CourseRunProvider().update(news["courseware_id"], olds, news)
    assert fake.calls == [["sync_courserun", "--run", f"{COURSE}+1T2026"]]
    assert result.outs["title"] == "New title"


def test_a_source_run_is_never_synced_nor_diffed_on_edx_fields(fake: FakeMitx, client: MitxOnline) -> None:
    news = run_inputs(title="New title")
    olds = {**news, "title": "Old title", "run_tag": "SOURCE", "start_date": "2026-01-01T00:00:00Z"}
    assert CourseRunProvider().diff(SOURCE, olds, news).changes is False


def test_run_flags_are_refused_and_the_key_replaces() -> None:
    olds = run_inputs()
    found = refusals(CourseRunProvider(), olds, is_source_run=False, live=False)
    assert set(found) == {"is_source_run", "live"}
    news = {**olds, "courseware_id": f"{COURSE}+SOURCE2"}
    assert CourseRunProvider().diff(SOURCE, {**olds, "run_tag": "SOURCE"}, news).replaces == ["courseware_id"]


# CoursePage -----------------------------------------------------------------------------


def page_inputs(**changes: Any) -> dict[str, Any]:
    return checked(CoursePageProvider(), course=COURSE, ingest_content_files_for_ai=True, **changes)


def test_page_create_runs_create_courseware_page(fake: FakeMitx, client: MitxOnline) -> None:
    course = fake.add_course(COURSE)

    def create(args: list[str], stdin: str | None) -> Completed:
        course.update(page={"live": True}, ingest_content_files_for_ai=True, include_in_learn_catalog=False)
        return ok(f"About page created successfully for {COURSE}")

    fake.on("create_courseware_page", create)
    result = CoursePageProvider().create(page_inputs())
    assert fake.calls == [["create_courseware_page", "--live", "--ingest_content_files_for_ai", COURSE]]
    assert result.outs["ingest_content_files_for_ai"] is True


def test_page_adopts_an_existing_page_or_names_the_difference(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course(COURSE, page={"live": True}, include_in_learn_catalog=False, ingest_content_files_for_ai=False)
    with pytest.raises(Drifted, match="ingest_content_files_for_ai: declared True, live False"):
        CoursePageProvider().create(page_inputs())
    CoursePageProvider().create(page_inputs(adopt=True))
    assert fake.calls == []


def test_page_flag_changes_are_refused() -> None:
    olds = page_inputs()
    assert (
        "Wagtail admin"
        in refusals(CoursePageProvider(), olds, include_in_learn_catalog=True)["include_in_learn_catalog"]
    )


# Organization ---------------------------------------------------------------------------


def org_inputs(**changes: Any) -> dict[str, Any]:
    return checked(OrganizationProvider(), org_key="BIGCO", name="BigCo Codes", **changes)


def test_organization_is_adopted_by_key(fake: FakeMitx, client: MitxOnline) -> None:
    fake.organizations = [{"id": 20, "name": "BigCo Codes", "slug": "org-bigco-codes", "key": "BIGCO"}]
    result = OrganizationProvider().create(org_inputs())
    assert (result.id, result.outs["organization_id"]) == ("BIGCO", 20)
    assert fake.commands() == ["listings"]


def test_a_missing_organization_waits_for_its_first_contract(fake: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    result = OrganizationProvider().create(org_inputs())
    assert result.outs["organization_id"] is None and "first mitxonline:Contract" in caplog.text
    assert OrganizationProvider().read("BIGCO", result.outs).id == "BIGCO"
    assert OrganizationProvider().read("BIGCO", {**result.outs, "organization_id": 20}).id == ""


def test_organization_keycloak_id_is_compared(fake: FakeMitx, client: MitxOnline) -> None:
    fake.organizations = [
        {"id": 20, "name": "BigCo Codes", "slug": "s", "key": "BIGCO", "sso": "0b5c4a62-7d57-4f38-a0bb-1e1f0e4c4b51"}
    ]
    with pytest.raises(Drifted, match="sso_organization_id"):
        OrganizationProvider().create(org_inputs(sso_organization_id="11111111-2222-3333-4444-555555555555"))


def test_organization_changes_are_refused_and_the_key_replaces() -> None:
    olds = org_inputs()
    found = refusals(OrganizationProvider(), olds, name="BigCo", org_key_prefix="B2B_")
    assert set(found) == {"name", "org_key_prefix"}
    assert OrganizationProvider().diff("BIGCO", olds, {**olds, "org_key": "BIG"}).replaces == ["org_key"]


def test_an_org_key_an_existing_organization_has_in_another_case_is_refused(fake: FakeMitx, client: MitxOnline) -> None:
    fake.organizations = [{"id": 20, "name": "BigCo Codes", "slug": "s", "key": "bigco"}]
    twin = r"already has organization 'bigco' \(BigCo Codes\); 'BIGCO' differs from it only in case"
    with pytest.raises(Refused, match=twin):
        OrganizationProvider().create(org_inputs())
    assert fake.commands() == ["listings"]


def test_a_source_run_keeps_the_copy_mitx_online_holds_and_says_so(caplog: Any) -> None:
    olds = run_inputs(title="Old title")
    inputs = CourseRunProvider().check(olds, run_inputs(title="New title")).inputs
    assert inputs["title"] == "Old title"
    assert f"MITx Online source run {SOURCE} keeps title 'Old title' (declared 'New title')" in caplog.text
    assert "Django admin, then `pulumi refresh`" in caplog.text
    # A run that MITx Online syncs takes the declared value.
    other = {**run_inputs(title="New"), "is_source_run": False}
    assert CourseRunProvider().check({**olds, "is_source_run": False}, other).inputs["title"] == "New"


def test_course_title_is_never_a_change_to_apply() -> None:
    news = checked(CourseProvider(), readable_id=COURSE, title="Title in edX now")
    olds = {**news, "title": "Title MITx Online kept", "course_id": 7}
    assert CourseProvider().diff(COURSE, olds, news).changes is False
