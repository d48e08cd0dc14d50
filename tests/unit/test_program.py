"""provider/program.py under the SDK's mocks (tests/unit/engine_mocks.py): the resource
options and the refusals a stack file gets from `build`, as the requests `pulumi
preview` would receive. Fast guards of three safety rules that tests/e2e/protection and
tests/faults prove through the real CLI:

- a contract is protected unless its entry says `protect: false` (provider/catalog.py),
  and what learners hold (its courseware and its codes) is protected with it
  (docs/decisions.md §17);
- `build` refuses an unknown `courseware:` key and an empty catalog of a stack that has
  resources before registering anything (provider/stack_config.py).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from provider import program
from provider.errors import DeclarationError
from tests.unit.engine_mocks import EchoMocks, mocked_engine

TYPE = "pulumi-python:dynamic/mitxonline:{}"
HELD_WITH_THE_CONTRACT = ("Contract", "ContractCourseware", "EnrollmentCodes")
SOURCE = "course-v1:UAI_SOURCE+A.0001x"


def catalog(**contract: Any) -> dict[str, Any]:
    """One source course, one organization and one code contract using the course,
    with `contract`'s fields added to the contract's entry."""
    return {
        "source_courses": [
            {
                "course_key": f"{SOURCE}+SOURCE",
                "title": "Intro to Courses",
                "start": "2026-01-05T00:00:00Z",
                "end": "2030-12-31T00:00:00Z",
            }
        ],
        "organizations": [{"org_key": "UCODE", "name": "University of Enrollment Codes"}],
        "contracts": [
            {
                "organization": "UCODE",
                "name": "Codes Contract",
                "membership_type": "code",
                "max_learners": 15,
                "courses": [SOURCE],
                **contract,
            }
        ],
    }


def run_build(config: dict[str, Any], mocks: EchoMocks | None = None) -> list[Any]:
    """The RegisterResource requests of `program.build` for a stack of `config` (config
    keys without the `courseware:` prefix; objects as JSON, as the engine hands them)."""
    values = {
        f"courseware:{key}": value if isinstance(value, str) else json.dumps(value) for key, value in config.items()
    }

    def the_program() -> pulumi.Output[Any]:
        program.build(pulumi.Config())
        return pulumi.Output.from_input(None)

    with mocked_engine(values, mocks=mocks) as monitor:
        pulumi.runtime.test(the_program)()
    return monitor.registered


def protection(registered: list[Any]) -> dict[str, bool]:
    """The `protect` option of each resource held with a contract, by its type's name."""
    found = {}
    for name in HELD_WITH_THE_CONTRACT:
        [request] = [r for r in registered if r.type == TYPE.format(name)]
        found[name] = request.protect
    return found


def test_a_contract_is_protected_by_default_with_its_courseware_and_codes() -> None:
    registered = run_build({"catalog": catalog()})
    assert protection(registered) == dict.fromkeys(HELD_WITH_THE_CONTRACT, True)


def test_protect_false_releases_the_contract_its_courseware_and_codes_together() -> None:
    registered = run_build({"catalog": catalog(protect=False)})
    assert protection(registered) == dict.fromkeys(HELD_WITH_THE_CONTRACT, False)


def test_the_rest_of_the_catalog_is_not_protected() -> None:
    """Protection is for what learners hold: the course, runs and organization stay
    deletable (their providers retain them on the platforms anyway)."""
    registered = run_build({"catalog": catalog()})
    held = {TYPE.format(name) for name in HELD_WITH_THE_CONTRACT}
    assert [r.type for r in registered if r.protect and r.type not in held] == []


def test_build_refuses_an_unknown_courseware_key_before_registering_anything() -> None:
    with pytest.raises(pulumi.RunError, match="courseware:catalogue") as refused:
        run_build({"catalog": catalog(), "catalogue": catalog()})
    assert "did you mean `courseware:catalog`" in str(refused.value)
    # The program's one error boundary renders the refusal as the CLI does: with its next step.
    assert f"Next step: {DeclarationError.next_step}" in str(refused.value)


class StackWithResources(EchoMocks):
    """The stack's last state, as the engine's `readStackResourceOutputs` answers it, holds
    one contract of this project."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token != "pulumi:pulumi:readStackResourceOutputs":
            return super().call(args)
        urn = "urn:pulumi:unit::courseware::courseware:catalog:B2BContract$" + TYPE.format("Contract") + "::UCODE/C"
        return {"outputs": {urn: {"type": TYPE.format("Contract"), "outputs": {}}}}, []


def test_build_refuses_an_empty_catalog_of_a_stack_that_has_resources() -> None:
    with pytest.raises(pulumi.RunError, match="allowEmptyCatalog") as refused:
        run_build({"catalog": {}}, StackWithResources())
    assert "mitxonline:Contract UCODE/C" in str(refused.value)


def test_an_empty_catalog_is_applied_when_the_stack_file_allows_it() -> None:
    registered = run_build({"catalog": {}, "allowEmptyCatalog": "true"}, StackWithResources())
    assert [r.type for r in registered if r.type.startswith("pulumi-python:dynamic/mitxonline:")] == []
