"""Every catalog example in docs/stack-file.md is a valid catalog, and every shipped
stack file's catalog too: the reference cannot drift from the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from provider.catalog import load_catalog

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "stack-file.md").read_text()
EXAMPLES = [block for block in re.findall(r"```yaml\n(.*?)```", DOC, re.S) if "courseware:catalog:" in block]


def test_the_reference_has_an_example_per_workflow() -> None:
    # One per workflow, and the new partner of the walkthrough (tests/e2e/walkthrough/).
    assert len(EXAMPLES) == 5


@pytest.mark.parametrize("example", EXAMPLES)
def test_documented_example_is_a_valid_catalog(example: str) -> None:
    catalog = load_catalog(yaml.safe_load(example)["courseware:catalog"])
    assert catalog.source_courses or catalog.contracts


@pytest.mark.parametrize("stack_file", sorted((REPO / "stacks").glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_shipped_stack_catalog_is_valid(stack_file: Path) -> None:
    config = yaml.safe_load(stack_file.read_text())["config"]
    load_catalog(config["courseware:catalog"])
