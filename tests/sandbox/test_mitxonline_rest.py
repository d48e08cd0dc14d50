"""The MITx Online REST reads through ``rest.handle`` (docs/platforms/mitxonline.md §3, §4, §6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, SOURCE_RUN, Local

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


@pytest.fixture
def contract(local: Local) -> int:
    contract = local.contract("BigCo Codes", "BigCo Codes Contract", "code", "--max-learners", "15", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    return contract


def _run_keys(course: dict[str, object]) -> list[str]:
    runs = course["courseruns"]
    assert isinstance(runs, list)
    return [run["courseware_id"] for run in runs]


# Courses ----------------------------------------------------------------------------


def test_v2_courses_is_anonymous_and_paginated(local: Local) -> None:
    for n in range(13):
        local.ok("create_courseware", "course", f"course-v1:MITx+P{n}x", f"Paged {n}")
    first = local.json("/api/v2/courses/")
    assert first["count"] == 14
    assert len(first["results"]) == 12
    assert first["next"].endswith("/api/v2/courses/?page=2")
    second = local.json("/api/v2/courses/", "page=2")
    assert (len(second["results"]), second["next"]) == (2, None)
    assert second["previous"].endswith("/api/v2/courses/")
    assert len(local.json("/api/v2/courses/", "page_size=500")["results"]) == 14
    assert local.get("/api/v2/courses/", "page=9").body == {"detail": "Invalid page."}


def test_v2_hides_source_runs_and_b2b_runs_but_shows_non_live_public_runs(local: Local, contract: int) -> None:
    local.ok("create_courseware", "courserun", SOURCE_COURSE, "Draft run", "--run-tag", "3T2026")
    course = local.json("/api/v2/courses/", "readable_id=" + SOURCE_COURSE.replace("+", "%2B"))["results"][0]
    assert _run_keys(course) == [f"{SOURCE_COURSE}+3T2026"]


def test_readable_id_filter_needs_an_encoded_plus(local: Local) -> None:
    assert local.json("/api/v2/courses/", "readable_id=" + SOURCE_COURSE)["count"] == 0
    assert local.json("/api/v2/courses/", "readable_id=" + SOURCE_COURSE.replace("+", "%2B"))["count"] == 1


def test_v2_course_detail_by_id_or_readable_id(local: Local) -> None:
    course_id = local.scalar("SELECT id FROM mitx_course WHERE readable_id = ?", SOURCE_COURSE)
    assert local.json(f"/api/v2/courses/{course_id}/")["readable_id"] == SOURCE_COURSE
    assert local.json(f"/api/v2/courses/{SOURCE_COURSE}/")["id"] == course_id
    assert local.get("/api/v2/courses/999/").body == {"detail": "No Course matches the given query."}


def test_v2_live_filter(local: Local) -> None:
    local.ok("create_courseware", "course", "course-v1:MITx+Dark", "Not live")
    assert [c["readable_id"] for c in local.json("/api/v2/courses/", "live=false")["results"]] == [
        "course-v1:MITx+Dark"
    ]


def test_course_filters_are_anded_and_those_on_runs_see_every_course(local: Local, contract: int) -> None:
    """Filters on the course and on its runs together, as one queryset filters: a course
    left out by one filter is out whatever the others say."""
    local.ok("create_courseware", "course", "course-v1:MITx+Other", "Other course")
    org_id = local.scalar("SELECT organization_id FROM mitx_contract WHERE id = ?", contract)
    source = "readable_id=" + SOURCE_COURSE.replace("+", "%2B")

    def found(query: str) -> list[str]:
        return [c["readable_id"] for c in local.json("/api/internal/courses/", query, key=True)["results"]]

    assert found(f"contract_id={contract}") == [SOURCE_COURSE]
    assert found(f"org_id={org_id}") == [SOURCE_COURSE]
    assert found(f"{source}&contract_id={contract}") == [SOURCE_COURSE]
    assert found(f"{source}&contract_id={contract + 1}") == []
    assert found(f"readable_id=course-v1:MITx%2BOther&contract_id={contract}") == []
    assert found("courseruns__language=en") == [SOURCE_COURSE]
    assert found(f"{source}&live=false") == []
    assert sorted(found("")) == sorted([SOURCE_COURSE, "course-v1:MITx+Other"])


def test_internal_courses_needs_the_api_key(local: Local) -> None:
    response = local.get("/api/internal/courses/")
    assert (response.status, response.body) == (403, NOT_PROVIDED)


def test_internal_courses_lists_source_and_b2b_runs_with_their_contract(local: Local, contract: int) -> None:
    course = local.json("/api/internal/courses/", key=True)["results"][0]
    runs = {run["courseware_id"]: run for run in course["courseruns"]}
    assert SOURCE_RUN in runs
    contract_runs = [run for run in runs.values() if run["b2b_contract"] == contract]
    assert len(contract_runs) == 1
    assert all("is_source_run" not in run for run in runs.values())
    assert runs[SOURCE_RUN]["run_tag"] == "SOURCE"


def test_read_only_viewsets_answer_405_after_the_permission_check(local: Local) -> None:
    assert local.get("/api/v2/courses/", method="POST").body == {"detail": 'Method "POST" not allowed.'}
    assert local.get("/api/v0/b2b/contracts/", method="POST").status == 403
    assert local.get("/api/v0/b2b/contracts/", method="POST", key=True).status == 405


def test_missing_trailing_slash_redirects(local: Local) -> None:
    response = local.get("/api/v2/courses")
    assert response.status == 301
    assert response.headers["Location"].endswith("/api/v2/courses/")


# B2B --------------------------------------------------------------------------------


def test_b2b_reads_need_the_api_key_and_are_not_paginated(local: Local, contract: int) -> None:
    for path in ("/api/v0/b2b/organizations/", "/api/v0/b2b/contracts/"):
        assert (local.get(path).status, local.get(path).body) == (403, NOT_PROVIDED)
        assert isinstance(local.json(path, key=True), list)


def test_organization_fields_hide_org_key(local: Local, contract: int) -> None:
    org = local.json("/api/v0/b2b/organizations/org-bigco-codes/", key=True)
    assert set(org) == {"id", "name", "description", "logo", "slug", "sso_organization_id", "contracts"}
    assert [c["id"] for c in org["contracts"]] == [contract]


def test_contract_fields_hide_active_seats_and_price(local: Local, contract: int) -> None:
    body = local.json("/api/v0/b2b/contracts/bigco-codes-contract/", key=True)
    assert body["id"] == contract
    assert not {"active", "max_learners", "enrollment_fixed_price"} & set(body)


def test_inactive_contracts_are_missing_from_contracts_but_listed_for_the_org(local: Local, contract: int) -> None:
    local.ok("b2b_contract", "modify", str(contract), "--inactive")
    assert local.json("/api/v0/b2b/contracts/", key=True) == []
    detail = local.get("/api/v0/b2b/contracts/bigco-codes-contract/", key=True)
    assert (detail.status, detail.body) == (404, {"detail": "No ContractPage matches the given query."})
    assert local.json("/api/v0/b2b/organizations/", key=True)[0]["contracts"] == []


def test_out_of_window_contracts_are_missing_from_contracts_but_shown_under_the_org(local: Local) -> None:
    start = (date.today() + timedelta(days=3)).isoformat()
    local.manage("b2b_contract", "create", "F", "Future", "code", "--create", "--org-key", "F", "--start", start)
    assert local.json("/api/v0/b2b/contracts/", key=True) == []
    assert [c["name"] for c in local.json("/api/v0/b2b/organizations/", key=True)[0]["contracts"]] == ["Future"]


def test_same_slug_in_two_organizations_makes_the_detail_a_500(local: Local) -> None:
    local.contract("A", "Shared", "managed", org_key="A")
    local.contract("B", "Shared", "managed", org_key="B")
    assert len(local.json("/api/v0/b2b/contracts/", key=True)) == 2
    assert local.get("/api/v0/b2b/contracts/shared/", key=True).status == 500


# Wagtail pages ------------------------------------------------------------------------

PAGES = "/api/v2/pages/"
COURSE_PAGES = "type=cms.coursepage&fields=*&readable_id=" + SOURCE_COURSE.replace("+", "%2B")


def test_pages_api_shows_only_live_catalog_course_pages_key_or_not(local: Local) -> None:
    assert local.json(PAGES, COURSE_PAGES)["items"] == []
    assert local.json(PAGES, COURSE_PAGES, key=True)["items"] == []
    local.ctx.db.execute("UPDATE mitx_course_page SET include_in_learn_catalog = 1")
    items = local.json(PAGES, COURSE_PAGES)["items"]
    assert [item["meta"]["slug"] for item in items] == ["course-v1uai_sourcea0001x"]
    assert items[0]["meta"]["live"] is True
    assert items[0]["include_in_learn_catalog"] is True


def test_pages_api_hides_draft_pages(local: Local) -> None:
    local.ok("create_courseware", "course", "course-v1:MITx+Draft", "Draft")
    local.ok("create_courseware_page", "course-v1:MITx+Draft", "--include_in_learn_catalog")
    query = "type=cms.coursepage&readable_id=course-v1:MITx%2BDraft"
    assert local.json(PAGES, query) == {"meta": {"total_count": 0}, "items": []}


def test_pages_api_limits_and_types(local: Local) -> None:
    assert local.get(PAGES, "type=cms.coursepage&limit=21").body == {"message": "limit cannot be higher than 20"}
    assert local.get(PAGES, "type=cms.nothing").body == {"message": "type doesn't exist"}
    assert local.get(PAGES, "type=b2b.contractpage").status == 403
    assert local.get(PAGES, "type=cms.coursepage&colour=red").status == 400
