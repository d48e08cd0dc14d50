"""The catalog written into a stack file: only its value changes; the operator's
comments, key order, quoting and indentation stay, and it parses to the catalog built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.adopt import CATALOG_KEY, AdoptError, Adoption, render_catalog, replace_catalog, stack_file, write_catalog
from provider.catalog import load_catalog

# Everything around the catalog, in the operator's layout: a comment on top, end-of-line
# comments, comments between keys and between list items, quotes, sequences indented
# under their key, and a comment after the catalog (above the next key).
BEFORE = """\
# Production: owned by the platform team.
# Ask #courseware before changing the catalog.
encryptionsalt: 'v1:salt'   # written by pulumi
config:
  # Studio and the LMS
  courseware:edx:
    lmsUrl: https://lms.example.edu  # the LMS
    clientId: courseware
  courseware:edxClientSecret:
    secure: v1:secret
  # Below: what adopt writes
"""
OLD_CATALOG = """\
  courseware:catalog:
    organizations:
      - org_key: OLD
        name: Old   # gone with the old catalog
      - org_key: OLDER
        name: Older
"""
AFTER = """\
  # MITx Online, through kubectl
  courseware:mitxonline:
    url: https://mitxonline.example.edu
    manageCommand:
      - kubectl
      # the pod is named by its deployment
      - exec
      - deploy/mitxonline
    commandTimeout: 120
# end of the stack file
"""
STACK = BEFORE + OLD_CATALOG + AFTER


def adoption() -> Adoption:
    catalog = {
        "source_courses": [],
        "existing_source_courses": ["course-v1:UAI_SOURCE+A1"],
        "organizations": [{"org_key": "NEW", "name": 'Say "hi": #1', "org_key_prefix": "UAI_", "adopt": True}],
        "contracts": [
            {
                "organization": "NEW",
                "name": "2026",
                "membership_type": "code",
                "start": "2026-01-01",
                "max_learners": 5,
                "price": "1.50",
                "courses": ["course-v1:UAI_SOURCE+A1"],
                "adopt": True,
            }
        ],
    }
    return Adoption(catalog, {("organizations", 0, "org_key_prefix"): "check it in the Wagtail admin"})


def catalog_of(text: str) -> Any:
    return yaml.safe_load(text)["config"][CATALOG_KEY]


def test_only_the_catalog_changes_and_it_parses_to_the_catalog_built() -> None:
    text = replace_catalog(STACK, adoption(), ["Written by courseware adopt"])
    # Every byte around the catalog is the operator's, the comment after it included.
    assert text.startswith(BEFORE) and text.endswith(AFTER), text
    # Strings that read as a date or a number stay strings; the catalog is the one built.
    assert catalog_of(text) == adoption().catalog
    assert load_catalog(catalog_of(text)) == load_catalog(adoption().catalog)
    # The header and the comment on a field no read exposes.
    assert "  courseware:catalog:\n    # Written by courseware adopt\n    source_courses: []\n" in text
    assert "org_key_prefix: UAI_  # check it in the Wagtail admin\n" in text
    assert "# gone with the old catalog" not in text


def test_the_catalog_is_indented_as_the_file_is() -> None:
    text = replace_catalog(STACK, adoption(), [])
    assert "    organizations:\n      - org_key: NEW\n" in text
    # The same file with every dash under its key's first letter.
    flush = STACK.replace("\n      - ", "\n    - ").replace("        name", "      name")
    flush = flush.replace("      # the pod", "    # the pod")
    assert "    organizations:\n    - org_key: NEW\n" in replace_catalog(flush, adoption(), [])


def test_adopting_again_replaces_the_header_and_changes_nothing_else() -> None:
    first = replace_catalog(STACK, adoption(), ["on day one"])
    assert replace_catalog(first, adoption(), ["on day one"]) == first
    second = replace_catalog(first, adoption(), ["on day two"])
    assert "# on day one" not in second and second.count("# on day two") == 1
    assert second.startswith(BEFORE) and second.endswith(AFTER)


def test_a_comment_on_the_catalog_key_and_after_a_last_catalog_stay() -> None:
    stack = "config:\n  edx: x\n  courseware:catalog:  # owned by adopt\n    contracts: []\n# end\n"
    text = replace_catalog(stack, adoption(), ["header"])
    assert "  courseware:catalog:  # owned by adopt\n    # header\n" in text
    assert text.endswith("      adopt: true\n# end\n"), text
    assert catalog_of(text) == adoption().catalog


def test_a_flow_style_config_becomes_a_block_with_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("encryptionsalt: v1:salt\nconfig: {courseware:edx: {lmsUrl: http://lms}, other: [1, 2]}\n")
    write_catalog(path, adoption())
    data = yaml.safe_load(path.read_text())
    assert data["encryptionsalt"] == "v1:salt"
    assert {k: v for k, v in data["config"].items() if k != CATALOG_KEY} == {
        "courseware:edx": {"lmsUrl": "http://lms"},
        "other": [1, 2],
    }
    assert data["config"][CATALOG_KEY] == adoption().catalog


@pytest.mark.parametrize("before", ["", "# only a comment\n", "encryptionsalt: v1:salt  # salt\n", "config:\n"])
def test_a_stack_file_without_a_catalog_gets_one(tmp_path: Path, before: str) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text(before)
    write_catalog(path, adoption())
    text = path.read_text()
    assert text.startswith(before.removesuffix("config:\n")), text
    assert catalog_of(text) == adoption().catalog


@pytest.mark.parametrize("before", ["config: [a, b]\n", "- a list\n", "config: {unclosed\n"])
def test_a_stack_file_that_is_not_a_pulumi_one_is_refused_untouched(tmp_path: Path, before: str) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text(before)
    with pytest.raises(AdoptError):
        write_catalog(path, adoption())
    assert path.read_text() == before


def test_the_dry_run_prints_the_catalog_key_with_its_comments() -> None:
    text = render_catalog(adoption(), ["header"])
    assert text.startswith(f"{CATALOG_KEY}:\n  # header\n")
    assert yaml.safe_load(text) == {CATALOG_KEY: adoption().catalog}


def test_the_first_difference_names_the_key_and_both_values() -> None:
    before = {"config": {"a": 1, "catalog": {"organizations": [{"org_key": "X", "name": "yes"}]}}}
    after = {"config": {"a": 1, "catalog": {"organizations": [{"org_key": "X", "name": True}]}}}
    assert stack_file.first_difference(before, before, "") is None
    assert stack_file.first_difference(before, after, "") == (
        "`config.catalog.organizations[0].name` would read back as True instead of 'yes'"
    )
    assert stack_file.first_difference({"a": 1}, {}, "config") == "`config.a` would be dropped"
    assert stack_file.first_difference({}, {"b": 2}, "") == "`b` would appear"


def test_a_catalog_that_would_not_read_back_is_refused_with_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "Pulumi.s.yaml"
    path.write_text("config:\n  courseware:other: 1\n")
    catalog = {"organizations": [{"org_key": "ADOPTU", "name": "Adopt University"}]}
    # A writer that changes another key, as a YAML round trip gone wrong would.
    real = stack_file.replace_catalog
    monkeypatch.setattr(
        stack_file, "replace_catalog", lambda text, adoption, header=(): real(text, adoption, header).replace("1", "2")
    )
    with pytest.raises(AdoptError, match=r"`config\.courseware:other` would read back as 2 instead of 1"):
        write_catalog(path, Adoption(catalog=catalog))
    assert path.read_text() == "config:\n  courseware:other: 1\n"
