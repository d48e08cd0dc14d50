"""`courseware adopt` without platforms: the catalog built from what was read, and the
notes on what cannot be adopted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from provider.adopt import (
    NOT_EXPOSED_PREFIX,
    NOT_EXPOSED_SOURCE_FLAG,
    LiveContract,
    LiveSourceRun,
    LiveState,
    build_catalog,
)
from provider.catalog import load_catalog
from provider.edx.models import ManagedFields
from provider.mitxonline.client import Organization
from provider.mitxonline.models import CodeRow, ContractRow, OrganizationRow, RestCourse, RestOrganization

SOURCE = "course-v1:UAI_SOURCE+A1+SOURCE"
COURSE = "course-v1:UAI_SOURCE+A1"
SHARED = "course-v1:UAI_SOURCE+B2"
BARE = "course-v1:OTHER+C3"
SSO = "2f0c6a52-6b1e-4a8e-9d57-3d5c0b9a1e01"


def course(
    readable_id: str, runs: list[dict[str, Any]], *, live: bool = True, page: bool = True, title: str = "Intro"
) -> RestCourse:
    """A course as REST reads it; titled as the edX run below (`EDX`) unless said otherwise."""
    return RestCourse.model_validate(
        {
            "id": abs(hash(readable_id)) % 1000,
            "readable_id": readable_id,
            "title": title,
            "live": live,
            "page": {"live": True} if page else None,
            "include_in_learn_catalog": page,
            "courseruns": runs,
        }
    )


def run(key: str, *, contract: int | None = None, live: bool = True) -> dict[str, Any]:
    return {"courseware_id": key, "run_tag": key.rsplit("+", 1)[1], "live": live, "b2b_contract": contract}


def contract(
    contract_id: int,
    name: str,
    slug: str,
    runs: dict[str, list[str]],
    *,
    codes: int | None = None,
    seats: int | None = 5,
    prefix: str | None = "UAI_",
    programs: list[dict[str, Any]] | None = None,
) -> LiveContract:
    row = ContractRow(
        id=contract_id,
        name=name,
        slug=slug,
        org_name="Org One",
        membership_type="code",
        start=dt.date(2026, 1, 1),
        end=None,
        active=True,
        max_learners=seats,
        price=None,
    )
    export = {
        "organization": {"org_key": "ORG1", "org_key_prefix": prefix, "sso_organization_id": SSO},
        "contract": {"description": "Seats for Org One"},
        "programs": programs or [],
    }
    # `codes` codes, all for the contract's first run (the codes of the runs it declares).
    run_keys = sorted(key for keys in runs.values() for key in keys)
    rows = [
        CodeRow.model_validate(
            {"Contract": f"{contract_id} - {name}", "Course Run": run_keys[0], "Enrollment Code": f"C{n}"}
        )
        for n in range(codes or 0)
    ]
    return LiveContract(row, export, runs, None if codes is None else rows)


EDX = ManagedFields(
    title="Intro",
    start=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    end=dt.datetime(2030, 12, 31, tzinfo=dt.UTC),
    enrollment_start=None,
    enrollment_end=None,
    pacing="self_paced",
)
COURSES = {
    COURSE: course(COURSE, [run(SOURCE), run("course-v1:UAI_ORG1+A1+1T21C2026_en", contract=21)]),
    SHARED: course(SHARED, [run(f"{SHARED}+SOURCE"), run("course-v1:UAI_ORG1+B2+1T21C2026_en", contract=21)]),
    BARE: course(BARE, [run(f"{BARE}+2026_T1", contract=21)]),
}
ORG1 = Organization(
    OrganizationRow(id=7, name="Org One", slug="org-org-one", key="ORG1"),
    RestOrganization(id=7, name="Org One", sso_organization_id=SSO),
)


def live(contracts: list[LiveContract], sources: list[LiveSourceRun] | None = None) -> LiveState:
    others = Organization(OrganizationRow(id=8, name="Lone", slug="org-lone", key="LONE"), None)
    return LiveState([ORG1, others], contracts, sources or [LiveSourceRun(SOURCE, EDX)], COURSES)


def test_the_catalog_declares_what_exists_and_validates() -> None:
    runs = {COURSE: ["course-v1:UAI_ORG1+A1+1T21C2026_en"], SHARED: ["course-v1:UAI_ORG1+B2+1T21C2026_en"]}
    result = build_catalog(live([contract(21, "Org One Contract", "org-one-contract", runs, codes=10)]))
    catalog = load_catalog(result.catalog)
    assert [s.course_key for s in catalog.source_courses] == [SOURCE]
    source = result.catalog["source_courses"][0]
    assert source["adopt"] is True and source["mitxonline"]["adopt"] is True
    assert source["mitxonline"]["page"] == {
        "live": True, "include_in_learn_catalog": True, "ingest_content_files_for_ai": False,
    }  # fmt: skip
    # A contract course whose source run this stack does not declare is an existing one.
    assert catalog.existing_source_courses == [SHARED]
    (declared,) = result.catalog["contracts"]
    assert declared == {
        "organization": "ORG1",
        "name": "Org One Contract",
        "slug": "org-one-contract",
        "membership_type": "code",
        "description": "Seats for Org One",
        "start": "2026-01-01",
        "max_learners": 5,
        "courses": [COURSE, SHARED],
        "adopt": True,
    }
    assert [o["org_key_prefix"] for o in result.catalog["organizations"]] == ["UAI_", "UAI_"]
    assert result.comments == {
        ("source_courses", 0, "mitxonline", "is_source_run"): NOT_EXPOSED_SOURCE_FLAG,
        # LONE has no contract to export, so nothing shows its prefix.
        ("organizations", 0, "org_key_prefix"): NOT_EXPOSED_PREFIX,
    }
    assert result.left_out == [] and result.inexact == []


def test_a_repeated_contract_name_keeps_the_one_named_slug_and_reports_the_other() -> None:
    first = contract(21, "Org One Contract", "org-one-contract", {})
    second = contract(19, "Org One Contract", "org-one-contract-2", {})
    result = build_catalog(live([second, first]))
    assert [c["slug"] for c in result.catalog["contracts"]] == ["org-one-contract"]
    assert [n.subject for n in result.left_out] == ["contract 19 (org-one-contract-2) of ORG1"]


def test_what_the_catalog_cannot_express_is_listed() -> None:
    programs = [{"readable_id": "program-v1:ORG1+P"}]
    runs = {BARE: [f"{BARE}+2026_T1"]}
    result = build_catalog(live([contract(21, "C", "c", runs, programs=programs)], [LiveSourceRun(SOURCE, None)]))
    assert result.catalog["source_courses"] == [] and "courses" not in result.catalog["contracts"][0]
    assert sorted(n.subject for n in result.left_out) == [
        f"contract 21 (c): course {BARE}",
        "contract 21 (c): program program-v1:ORG1+P",
        SOURCE,
    ]


def test_what_would_make_the_first_up_write_is_reported() -> None:
    runs = {COURSE: ["course-v1:UAI_ORG1+A1+1T21C2026_en"]}
    result = build_catalog(live([contract(21, "C", "c", runs, codes=3)]))
    (note,) = result.inexact
    assert "3 enrollment codes where 5 seats x 1 runs make 5" in note.reason
    assert "b2b_codes validate --contract 21" in note.reason


def test_codes_are_counted_as_the_enrollment_codes_resource_counts_them() -> None:
    # Five codes for the live contract run, and two redeemed codes of a run that
    # `b2b_courseware remove` retired: mitxonline:EnrollmentCodes holds the five only, so
    # adopting writes nothing.
    runs = {COURSE: ["course-v1:UAI_ORG1+A1+1T21C2026_en"]}
    held = contract(21, "C", "c", runs, codes=5)
    retired = [
        CodeRow.model_validate(
            {"Contract": "21 - C", "Course Run": "course-v1:UAI_ORG1+Z9+1T21C2026_en", "Enrollment Code": f"R{n}",
             "Enroll Redemption": "2026-03-01"}
        )
        for n in range(2)
    ]  # fmt: skip
    result = build_catalog(live([LiveContract(held.row, held.export, held.runs, [*(held.codes or []), *retired])]))
    assert result.inexact == []


def test_an_edx_only_run_is_declared_without_its_mitxonline_side() -> None:
    result = build_catalog(live([], [LiveSourceRun("course-v1:UAI_SOURCE+Z9+SOURCE", EDX)]))
    assert result.catalog["source_courses"][0]["mitxonline"] is None
    assert "no course" in result.inexact[0].reason
