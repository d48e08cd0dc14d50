"""Each resource's properties come from its declared model (provider/resource.py).

Type tokens and the property names written into state must stay exactly as older code
wrote them: the table below is what that code registered, and a state of it must keep
loading (tests/e2e/state_upgrade proves it through the engine).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from provider.edx.course_run import CourseRun as EdxCourseRun
from provider.mitxonline.contract import Contract
from provider.mitxonline.contract_courseware import ContractCourseware
from provider.mitxonline.course import Course
from provider.mitxonline.course_page import CoursePage
from provider.mitxonline.course_run import CourseRun as MitxCourseRun
from provider.mitxonline.enrollment_codes import EnrollmentCodes
from provider.mitxonline.organization import Organization
from provider.mitxonline.program import Program
from provider.resource import DeclaredResource

# Type token -> every property in state, as the code before provider/resource.py wrote them.
STATE_PROPERTIES: dict[type[DeclaredResource], tuple[str, set[str]]] = {
    EdxCourseRun: (
        "pulumi-python:dynamic/edx:CourseRun",
        {"course_key", "org", "number", "run", "title", "start", "end", "enrollment_start", "enrollment_end"}
        | {"pacing", "source_key", "on_delete", "adopt"},
    ),
    Course: (
        "pulumi-python:dynamic/mitxonline:Course",
        {"readable_id", "title", "live", "departments", "adopt", "import_run", "course_id"},
    ),
    MitxCourseRun: (
        "pulumi-python:dynamic/mitxonline:CourseRun",
        {"courseware_id", "course", "run_tag", "is_source_run", "live", "title", "start_date", "end_date"}
        | {"enrollment_start", "enrollment_end", "is_self_paced", "adopt", "b2b_contract"},
    ),
    CoursePage: (
        "pulumi-python:dynamic/mitxonline:CoursePage",
        {"course", "live", "include_in_learn_catalog", "ingest_content_files_for_ai", "adopt"},
    ),
    Organization: (
        "pulumi-python:dynamic/mitxonline:Organization",
        {"org_key", "name", "sso_organization_id", "org_key_prefix", "adopt", "organization_id", "slug"},
    ),
    Contract: (
        "pulumi-python:dynamic/mitxonline:Contract",
        {"organization", "organization_name", "org_key_prefix", "sso_organization_id", "name", "slug"}
        | {"membership_type", "description", "start", "end", "max_learners", "price", "active", "adopt"}
        | {"contract_id"},
    ),
    ContractCourseware: (
        "pulumi-python:dynamic/mitxonline:ContractCourseware",
        {"contract_id", "courses", "make_codes", "clone_timeout", "contract_active", "contract_start"}
        | {"contract_end", "contract_runs", "run_keys"}
        # Added by issue 28; an older state without it reads as no existing course.
        | {"existing_courses"}
        # Added by issue 26; an older state without them reads as a contract with no program.
        | {"programs", "program_courses", "remove_program_runs"},
    ),
    Program: (
        "pulumi-python:dynamic/mitxonline:Program",
        {"readable_id", "title", "live", "b2b_only", "required", "elective", "adopt", "program_id"},
    ),
    EnrollmentCodes: (
        "pulumi-python:dynamic/mitxonline:EnrollmentCodes",
        {"contract_id", "membership_type", "max_learners", "price", "run_keys", "adopt", "count"}
        | {"expected_count", "run_codes", "codes"},
    ),
}


class Recorder(pulumi.runtime.Mocks):
    """Registers nothing anywhere: records what each resource sends to the engine."""

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


@pytest.fixture
def recorder() -> Recorder:
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


@pytest.mark.parametrize("resource", list(STATE_PROPERTIES), ids=lambda r: r._resource_type_name)
def test_properties_and_type_token_are_those_older_states_hold(resource: type[DeclaredResource]) -> None:
    token, properties = STATE_PROPERTIES[resource]
    assert f"pulumi-python:{resource._resource_type_name}" == token
    assert set(resource.property_names()) == properties
    assert len(resource.property_names()) == len(properties)


def test_declared_values_are_registered_under_the_model_field_names(recorder: Recorder) -> None:
    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        # `name` is the contract's own name: the resource name is positional-only.
        contract = Contract("IDPU/IDP Contract", name="IDP Contract", organization="IDPU", organization_name="IDP U")
        org = Organization("IDPU", org_key="IDPU", name="IDP University")
        return pulumi.Output.all(contract.name, contract.organization_name, org.name, org.org_key)

    program()
    [contract, org] = recorder.registered
    assert contract.typ == "pulumi-python:dynamic/mitxonline:Contract"
    assert contract.name == "IDPU/IDP Contract"
    assert {k: v for k, v in contract.inputs.items() if k != "__provider"} == {
        "name": "IDP Contract",
        "organization": "IDPU",
        "organization_name": "IDP U",
    }
    assert {k: v for k, v in org.inputs.items() if k != "__provider"} == {"org_key": "IDPU", "name": "IDP University"}


def test_every_property_is_an_output_attribute(recorder: Recorder) -> None:
    codes = EnrollmentCodes("c", contract_id=1, membership_type="code", run_keys=[])
    for name in EnrollmentCodes.property_names():
        assert isinstance(getattr(codes, name), pulumi.Output), name


def test_a_misspelt_property_is_refused_in_the_program_naming_the_real_ones(recorder: Recorder) -> None:
    with pytest.raises(TypeError) as refused:
        # The keyword of the code before provider/resource.py; the field is `name`.
        Contract("IDPU/C", contract_name="C", organization="IDPU")
    assert "Contract 'IDPU/C' has no property contract_name" in str(refused.value)
    assert "organization, organization_name" in str(refused.value)
    assert recorder.registered == []


def test_an_unknown_output_names_the_outputs_that_exist(recorder: Recorder) -> None:
    page = CoursePage("p", course="course-v1:UAI_SOURCE+A.0001x")
    with pytest.raises(AttributeError) as missing:
        _ = page.include_in_catalog
    assert "include_in_learn_catalog" in str(missing.value)


def test_a_resource_declaring_an_input_as_an_output_is_refused() -> None:
    with pytest.raises(TypeError, match=r"\['name'\] are declared inputs"):

        class Broken(DeclaredResource, module="test", name="Broken"):
            args_model = Contract.args_model
            provider_class = Contract.provider_class
            output_names = ("contract_id", "name")


def test_a_resource_without_its_model_is_refused() -> None:
    with pytest.raises(TypeError, match="Broken must set args_model"):

        class Broken(DeclaredResource, module="test", name="Broken"):
            provider_class = Contract.provider_class
