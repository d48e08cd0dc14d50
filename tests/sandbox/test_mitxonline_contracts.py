"""``b2b_contract create|modify|export|import`` (docs/platforms/mitxonline.md §3, §4, §5)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.sandbox.mitxonline_helpers import Local, local_store

TODAY = date.today()


@pytest.fixture
def local(tmp_path: Path) -> Local:
    return local_store(tmp_path / "state")


def test_create_prints_no_id_and_creates_the_organization_with_create(local: Local) -> None:
    ran = local.ok(
        "b2b_contract", "create", "BigCo Codes", "BigCo Codes Contract", "code", "--create", "--org-key", "BIGCO"
    )
    assert ran.lines == [
        "Creating contract 'BigCo Codes Contract' for organization 'BigCo Codes'",
        "Created organization 'BigCo Codes'",
        "Created contract 'BigCo Codes Contract' for organization 'BigCo Codes'",
    ]
    org = local.export(local.contract_id("BIGCO", "BigCo Codes Contract"))["organization"]
    assert org == {"name": "BigCo Codes", "org_key": "BIGCO", "org_key_prefix": "UAI_", "sso_organization_id": None}
    assert local.scalar("SELECT slug FROM mitx_organization WHERE org_key = 'BIGCO'") == "org-bigco-codes"


def test_create_twice_makes_a_second_contract_with_a_dash_2_slug(local: Local) -> None:
    local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    again = local.ok("b2b_contract", "create", "BIGCO", "BigCo Contract", "code")
    # The organization as the command was given it, here by its key.
    assert again.lines[-1] == "Created contract 'BigCo Contract' for organization 'BIGCO'"
    slugs = [row[0] for row in local.ctx.db.execute("SELECT slug FROM mitx_contract ORDER BY id")]
    assert slugs == ["bigco-contract", "bigco-contract-2"]


def test_contract_ids_are_wagtail_page_ids_shared_with_organizations(local: Local) -> None:
    first = local.contract("Org A", "Contract A", "managed", org_key="A")
    second = local.contract("Org B", "Contract B", "managed", org_key="B")
    org_b = local.scalar("SELECT id FROM mitx_organization WHERE org_key = 'B'")
    assert first < org_b < second


def test_unknown_organization_without_create_is_a_command_error(local: Local) -> None:
    ran = local.manage("b2b_contract", "create", "Nobody", "C", "managed")
    assert ran.code == 1
    assert "CommandError: Organization 'Nobody' does not exist. Use --create to create it." in ran.err


def test_create_without_org_key_is_refused(local: Local) -> None:
    ran = local.manage("b2b_contract", "create", "Nobody", "C", "managed", "--create")
    assert ran.code == 1
    assert "CommandError: To create 'Nobody', you must supply an org key." in ran.err


def test_membership_sso_is_an_argparse_error(local: Local) -> None:
    ran = local.manage("b2b_contract", "create", "X", "C", "sso")
    assert ran.code == 2
    assert "argument membership_type: invalid choice: 'sso' (choose from 'managed', 'code', 'auto')" in ran.err
    assert ran.err.startswith("usage: manage.py b2b_contract create")


@pytest.mark.parametrize(
    ("start", "end"),
    [(TODAY + timedelta(days=30), None), (TODAY - timedelta(days=60), TODAY - timedelta(days=30))],
    ids=["future-start", "past-end"],
)
def test_create_outside_the_date_window_exits_1_but_creates_the_contract(
    local: Local, start: date, end: date | None
) -> None:
    flags = ["--start", start.isoformat(), *(["--end", end.isoformat()] if end else [])]
    ran = local.manage("b2b_contract", "create", "W", "Window", "code", "--create", "--org-key", "W", *flags)
    assert ran.code == 1
    assert "b2b.models.ContractPage.DoesNotExist" in ran.err
    assert not any(line.startswith("Created contract") for line in ran.lines)
    assert local.export(local.contract_id("W", "Window"))["contract"]["contract_start"] == start.isoformat()


def test_modify_applies_the_given_flags_and_prints_the_id(local: Local) -> None:
    contract = local.contract("M", "Mod", "code", "--max-learners", "15", org_key="M")
    ran = local.ok("b2b_contract", "modify", str(contract), "--max-learners", "20", "--price", "12.5")
    assert ran.lines == [f"Modified contract with ID '{contract}'"]
    exported = local.export(contract)["contract"]
    assert (exported["max_learners"], exported["enrollment_fixed_price"]) == (20, "12.50")


def test_modify_clears_win_over_sets(local: Local) -> None:
    contract = local.contract("M", "Mod", "code", "--max-learners", "15", org_key="M")
    local.ok("b2b_contract", "modify", str(contract), "--price", "5", "--no-price", "--no-learner-cap")
    exported = local.export(contract)["contract"]
    assert (exported["max_learners"], exported["enrollment_fixed_price"]) == (None, None)


def test_modify_unknown_id_and_non_numeric_id(local: Local) -> None:
    missing = local.manage("b2b_contract", "modify", "999")
    assert missing.code == 1
    assert "CommandError: Contract with ID '999' does not exist." in missing.err
    assert local.manage("b2b_contract", "modify", "some-slug").code == 2


def test_inactive_is_one_way_through_the_commands(local: Local) -> None:
    contract = local.contract("I", "Inact", "managed", org_key="I")
    local.ok("b2b_contract", "modify", str(contract), "--inactive")
    again = local.manage("b2b_contract", "modify", str(contract), "--active")
    assert again.code == 1
    assert "ContractPage.DoesNotExist" in again.err
    assert local.export(contract)["contract"]["active"] is False


def test_delete_is_an_alias_of_inactive_and_deletes_nothing(local: Local) -> None:
    contract = local.contract("I", "Inact", "managed", org_key="I")
    local.ok("b2b_contract", "modify", str(contract), "--delete")
    assert local.export(contract)["contract"]["active"] is False


def test_modify_of_an_out_of_window_contract_fails_and_changes_nothing(local: Local) -> None:
    start = (TODAY + timedelta(days=10)).isoformat()
    local.manage("b2b_contract", "create", "F", "Future", "code", "--create", "--org-key", "F", "--start", start)
    contract = local.contract_id("F", "Future")
    ran = local.manage("b2b_contract", "modify", str(contract), "--no-start-date", "--max-learners", "3")
    assert ran.code == 1
    assert local.export(contract)["contract"]["contract_start"] == start
    assert local.export(contract)["contract"]["max_learners"] is None


def test_export_formats_dates_and_price_and_has_no_programs(local: Local) -> None:
    end = (TODAY + timedelta(days=365)).isoformat()
    contract = local.contract(
        "E", "Exp", "code", "--start", TODAY.isoformat(), "--end", end, "--price", "12.5", "--max-learners", "15",
        org_key="E",
    )  # fmt: skip
    document = local.export("exp")
    assert document["version"] == 1
    assert document["source_contract_id"] == contract
    assert document["contract"]["contract_start"] == TODAY.isoformat()
    assert document["contract"]["contract_end"] == end
    assert document["contract"]["enrollment_fixed_price"] == "12.50"
    assert document["programs"] == []


def test_export_to_a_file_reports_on_stderr(local: Local, tmp_path: Path) -> None:
    contract = local.contract("E", "Exp", "code", org_key="E")
    target = tmp_path / "out.json"
    ran = local.ok("b2b_contract", "export", str(contract), "--output", str(target))
    assert ran.out == ""
    assert ran.err.strip() == f"Contract 'exp' exported to {target}"
    assert json.loads(target.read_text())["contract"]["slug"] == "exp"


def test_export_unknown_contract(local: Local) -> None:
    ran = local.manage("b2b_contract", "export", "nope")
    assert (ran.code, ran.err.strip()) == (1, "CommandError: Contract 'nope' not found.")


def test_export_works_for_inactive_contracts(local: Local) -> None:
    contract = local.contract("I", "Inact", "managed", org_key="I")
    local.ok("b2b_contract", "modify", str(contract), "--inactive")
    assert local.export(contract)["contract"]["active"] is False


def _exported_file(local: Local, tmp_path: Path, **changes: object) -> Path:
    contract = local.contract("Src", "Imported", "code", "--max-learners", "15", org_key="SRC")
    document = local.export(contract)
    document["organization"].update(
        org_key="NEWORG", name="New Org", sso_organization_id="9b2f7c9e-0000-4000-8000-000000000001"
    )
    document["contract"].update(changes)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    return path


def test_import_is_a_dry_run_without_commit(local: Local, tmp_path: Path) -> None:
    path = _exported_file(local, tmp_path, slug="imported-copy")
    ran = local.ok("b2b_contract", "import", str(path))
    assert ran.lines[-1] == "Dry run — rolling back. Pass --commit to apply changes."
    assert local.scalar("SELECT COUNT(*) FROM mitx_organization WHERE org_key = 'NEWORG'") == 0


def test_import_commit_creates_organization_with_sso_id_and_prefix(local: Local, tmp_path: Path) -> None:
    path = _exported_file(local, tmp_path, slug="imported-copy")
    ran = local.ok("b2b_contract", "import", str(path), "--commit")
    new_id = local.scalar("SELECT id FROM mitx_contract WHERE slug = 'imported-copy'")
    assert ran.lines[-1] == f"Import complete. Contract slug: imported-copy (id={new_id})"
    assert local.export(new_id)["organization"]["sso_organization_id"] == "9b2f7c9e-0000-4000-8000-000000000001"


def test_import_of_an_existing_slug_changes_nothing(local: Local, tmp_path: Path) -> None:
    path = _exported_file(local, tmp_path, max_learners=99)
    ran = local.ok("b2b_contract", "import", str(path), "--commit")
    assert "  Contract exists: imported" in ran.lines
    assert local.export("imported")["contract"]["max_learners"] == 15


def test_import_of_an_inactive_export_crashes_and_rolls_back(local: Local, tmp_path: Path) -> None:
    path = _exported_file(local, tmp_path, slug="inactive-copy", active=False)
    ran = local.manage("b2b_contract", "import", str(path), "--commit")
    assert ran.code == 1
    assert local.scalar("SELECT COUNT(*) FROM mitx_contract WHERE slug = 'inactive-copy'") == 0
    assert local.scalar("SELECT COUNT(*) FROM mitx_organization WHERE org_key = 'NEWORG'") == 0


def test_import_refuses_other_versions(local: Local, tmp_path: Path) -> None:
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"version": 2}))
    ran = local.manage("b2b_contract", "import", str(path))
    assert (ran.code, ran.err.strip()) == (1, "CommandError: Unsupported export format version 2, expected 1.")
