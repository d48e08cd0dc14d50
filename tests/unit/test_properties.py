"""Stack-file entry -> resource properties (provider/properties.py), the one mapping the
program registers and the catalog checks."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from provider import properties
from provider.catalog import load_catalog
from provider.edx.course_run import CourseRunProvider
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.contract_courseware import ContractCoursewareProvider
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider as MitxCourseRunProvider
from provider.mitxonline.enrollment_codes import EnrollmentCodesProvider
from provider.mitxonline.organization import OrganizationProvider
from tests.unit.test_catalog import VALID, problems, with_change

CATALOG = load_catalog(VALID)
SOURCE = CATALOG.source_courses[0].model_dump(mode="json")
ORGANIZATION = CATALOG.organizations[0].model_dump(mode="json")
CONTRACT = CATALOG.contracts[0].model_dump(mode="json")


def _failures(provider: ResourceProvider, props: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, props).failures or []]


@pytest.mark.parametrize(
    ("provider", "props"),
    [
        (CourseRunProvider(), properties.edx_course_run(SOURCE)),
        (CourseProvider(), properties.mitxonline_course(SOURCE)),
        (MitxCourseRunProvider(), properties.mitxonline_course_run(SOURCE)),
        (CoursePageProvider(), properties.mitxonline_course_page(SOURCE)),
        (OrganizationProvider(), properties.organization(ORGANIZATION)),
        (ContractProvider(), properties.contract(CONTRACT, ORGANIZATION)),
        (ContractCoursewareProvider(), properties.contract_courseware(CONTRACT, 7, True)),
        (EnrollmentCodesProvider(), properties.enrollment_codes(CONTRACT, 7, ["course-v1:UAI_UCODE+A.0001x+1T7C_en"])),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, ResourceProvider) else "",
)
def test_a_valid_entry_makes_properties_its_resource_accepts(provider: ResourceProvider, props: dict[str, Any]) -> None:
    assert _failures(provider, props) == []


def test_the_mitxonline_run_copies_the_edx_run_under_its_own_names() -> None:
    run = properties.mitxonline_course_run(SOURCE)
    assert run["courseware_id"] == SOURCE["course_key"]
    assert run["course"] == "course-v1:UAI_SOURCE+A.0001x"
    assert run["run_tag"] == "SOURCE"
    assert (run["start_date"], run["end_date"]) == (SOURCE["start"], SOURCE["end"])
    assert run["is_self_paced"] is True


def test_a_contract_carries_its_organizations_fields_for_the_import() -> None:
    props = properties.contract(CONTRACT, ORGANIZATION)
    assert props["organization_name"] == "University of Enrollment Codes"
    assert props["org_key_prefix"] == "UAI_"
    assert "courses" not in props and "protect" not in props


def test_a_contract_of_an_undeclared_organization_gets_no_made_up_name() -> None:
    props = properties.contract(CONTRACT, None)
    assert not set(props) & set(properties.CONTRACT_ORGANIZATION_FIELDS)


def test_a_null_field_is_left_to_the_resources_default() -> None:
    assert "enrollment_start" not in properties.edx_course_run({**SOURCE, "enrollment_start": None})


def test_an_organizations_bad_name_is_reported_once_under_the_organization() -> None:
    found = problems(with_change("organizations.0.name", "two\nlines"))
    assert set(found) == {"catalog.organizations[0].name"}


def test_a_contract_of_an_undeclared_organization_is_reported_once() -> None:
    found = problems(with_change("contracts.0.organization", "NOPE"))
    assert set(found) == {"catalog.contracts[0].organization"}
