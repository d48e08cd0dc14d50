"""provider/stack_config.py: unknown `courseware:` keys and the empty-catalog guard (issue 14, item 2)."""

from __future__ import annotations

from typing import Any

import pytest

from provider import stack_config
from provider.errors import DeclarationError
from provider.stack_config import check_stack_config, declared_entries, managed_resources, unknown_keys

PLATFORM = {"courseware:edx": "{}", "courseware:mitxonline": "{}"}
CATALOG = {"source_courses": [{"course_key": "course-v1:A+B+C"}]}


class StackResources:
    """What the stack holds now, and whether the guard asked."""

    def __init__(self, *resources: str) -> None:
        self.resources = list(resources)
        self.asked = 0

    def __call__(self) -> list[str]:
        self.asked += 1
        return self.resources


def problems(config: dict[str, Any], catalog: Any, stack: StackResources) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        check_stack_config(config, catalog, stack)
    return [str(problem) for problem in caught.value.problems]


def test_a_misspelt_key_is_named_with_the_key_meant_and_every_known_key() -> None:
    stack = StackResources("edx:CourseRun course-v1:A+B+C")
    [problem] = problems({**PLATFORM, "courseware:catalogue": CATALOG}, None, stack)
    assert problem.startswith("courseware:catalogue: not a key this project reads: did you mean `courseware:catalog`?")
    for known in ("catalog", "allowEmptyCatalog", "edx", "edxClientSecret", "mitxonline", "mitxonlineApiKey"):
        assert f"`courseware:{known}`" in problem
    # Refused before the state is even read.
    assert stack.asked == 0


def test_keys_of_other_namespaces_and_known_keys_pass() -> None:
    assert unknown_keys({**PLATFORM, "courseware:catalog": "{}", "aws:region": "x", "pulumi:tags": "y"}) == []
    assert [p.path for p in unknown_keys({"courseware:colour": "blue"})] == ["courseware:colour"]
    assert "did you mean" not in str(unknown_keys({"courseware:colour": "blue"})[0])


def test_an_empty_catalog_of_a_stack_with_resources_is_refused() -> None:
    stack = StackResources(*(f"edx:CourseRun course-v1:A+B+{n}" for n in range(7)))
    for empty in (None, {}, {"source_courses": [], "contracts": []}):
        [problem] = problems(dict(PLATFORM), empty, stack)
        assert "declares nothing, and this stack manages 7 resource(s)" in problem
        assert "and 2 more" in problem and "`courseware:allowEmptyCatalog: true`" in problem


def test_an_empty_catalog_passes_when_allowed_or_when_the_stack_is_empty() -> None:
    stack = StackResources("edx:CourseRun course-v1:A+B+C")
    check_stack_config({**PLATFORM, "courseware:allowEmptyCatalog": "true"}, None, stack)
    assert stack.asked == 0
    check_stack_config(dict(PLATFORM), None, StackResources())
    # A declared catalog never reads the state.
    check_stack_config(dict(PLATFORM), CATALOG, stack)
    assert stack.asked == 0


def test_entries_are_counted_over_every_list_section() -> None:
    assert declared_entries({"source_courses": [1, 2], "organizations": [3], "existing_source_courses": []}) == 3
    assert declared_entries("not a mapping") == 0


def test_only_this_projects_resources_count() -> None:
    state = {
        "urn:pulumi:s::courseware::pulumi:pulumi:Stack::courseware-s": {"type": "pulumi:pulumi:Stack"},
        "urn:pulumi:s::courseware::pulumi:providers:pulumi-python::default": {"type": "pulumi:providers:pulumi-python"},
        "urn:pulumi:s::courseware::courseware:catalog:SourceCourse$pulumi-python:dynamic/edx:CourseRun::K": {
            "type": "pulumi-python:dynamic/edx:CourseRun"
        },
    }
    assert managed_resources(state) == ["edx:CourseRun K"]


def test_the_state_is_read_by_the_stacks_full_name_and_an_unreadable_one_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    contract = "pulumi-python:dynamic/mitxonline:Contract"
    state = {f"urn:pulumi:s::courseware::courseware:catalog:B2BContract${contract}::C": {"type": contract}}

    def invoke(token: str, args: dict[str, str]) -> Any:
        asked.append(args["stackName"])
        if args["stackName"] != "organization/courseware/dev":
            raise RuntimeError("no such stack")
        return type("Answer", (), {"value": {"name": args["stackName"], "outputs": state}})()

    monkeypatch.setattr(stack_config.pulumi, "get_organization", lambda: "organization")
    monkeypatch.setattr(stack_config.pulumi, "get_project", lambda: "courseware")
    monkeypatch.setattr(stack_config.pulumi, "get_stack", lambda: "dev")
    monkeypatch.setattr(stack_config.pulumi.runtime, "invoke", invoke)
    assert stack_config.resources_in_state() == ["mitxonline:Contract C"]
    assert asked == ["organization/courseware/dev"]

    monkeypatch.setattr(stack_config.pulumi, "get_organization", lambda: "elsewhere")
    with pytest.raises(DeclarationError, match="could not be read"):
        stack_config.resources_in_state()
    assert asked[1:] == ["elsewhere/courseware/dev", "dev"]
