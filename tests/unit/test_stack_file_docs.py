"""Every catalog example in docs/stack-file.md is a valid catalog, and every shipped
stack file's catalog too: the reference cannot drift from the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest
import yaml

from provider.catalog import Contract, load_catalog
from provider.settings import settings_from_config

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "stack-file.md").read_text()
EXAMPLES = [block for block in re.findall(r"```yaml\n(.*?)```", DOC, re.S) if "courseware:catalog:" in block]


def test_the_reference_has_an_example_per_workflow() -> None:
    # One per workflow (the program workflow of issue 26 included), and the new partner
    # of the walkthrough (tests/e2e/walkthrough/).
    assert len(EXAMPLES) == 6


@pytest.mark.parametrize("example", EXAMPLES)
def test_documented_example_is_a_valid_catalog(example: str) -> None:
    catalog = load_catalog(yaml.safe_load(example)["courseware:catalog"])
    assert catalog.source_courses or catalog.contracts


@pytest.mark.parametrize("stack_file", sorted((REPO / "stacks").glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_shipped_stack_catalog_is_valid(stack_file: Path) -> None:
    config = yaml.safe_load(stack_file.read_text())["config"]
    load_catalog(config["courseware:catalog"])


def _manage_command_examples() -> list[tuple[str, list[str]]]:
    """Every `manageCommand: [...]` written in docs/ and in the shipped stacks' headers
    (`# ... e.g. [kubectl, ...]`), as the argv it spells."""
    found = []
    docs = [(path, "manageCommand:") for path in sorted((REPO / "docs").rglob("*.md"))]
    headers = [(path, "manageCommand: .*? e\\.g\\.") for path in sorted((REPO / "stacks").glob("Pulumi.*.yaml"))]
    for path, lead in [*docs, *headers]:
        # Comment markers and line breaks go, so an example spread over lines reads as one list.
        text = " ".join(re.sub(r"^\s*#", " ", path.read_text(), flags=re.M).split())
        for match in re.finditer(lead + r"\s*(\[[^\]`]*\])", text):
            found.append((f"{path.relative_to(REPO)}: {match.group(1)[:30]}", yaml.safe_load(match.group(1))))
    return found


MANAGE_COMMANDS = _manage_command_examples()


def test_the_docs_and_stack_headers_show_manage_commands() -> None:
    assert len([where for where, _ in MANAGE_COMMANDS if where.startswith("stacks/")]) == 5


@pytest.mark.parametrize(("where", "argv"), MANAGE_COMMANDS, ids=[where for where, _ in MANAGE_COMMANDS])
def test_every_documented_manage_command_is_accepted_and_needs_no_environment(where: str, argv: list[str]) -> None:
    # Issue 20: the provider's programs set what its parsers need, so an example must not
    # lean on the environment (`env COLUMNS=...`), and the settings must accept it.
    settings = {"url": "https://mitxonline.example.edu", "manageCommand": argv}
    config = {"courseware:mitxonline": json.dumps(settings), "courseware:mitxonlineApiKey": "key"}
    assert settings_from_config(config).require_mitxonline().manage_command == tuple(argv)
    assert not any("COLUMNS" in word for word in argv)


def test_every_membership_type_is_explained() -> None:
    """`auto` was listed but never explained (issue 24): each type the schema takes has its
    own paragraph saying how learners join."""
    kinds = get_args(Contract.model_fields["membership_type"].annotation)
    assert set(kinds) == {"managed", "code", "auto"}
    for kind in kinds:
        [paragraph] = re.findall(rf"^- `{kind}`[^:]*: (.*?)(?=^- `|^\n)", DOC, re.S | re.M)
        assert "join" in paragraph or "attach" in paragraph, paragraph
