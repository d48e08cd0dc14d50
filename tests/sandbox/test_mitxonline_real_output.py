"""MITx Online's command output as the real platform prints it (issue #18), in-process.

Each test pins one of the nine points observed on a running MITx Online (its public
source at commit b3c9730, PostgreSQL, Celery eager). `import_courserun`
needs edX, so its messages (point 4) are pinned in `test_mitxonline_e2e.py`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from provider.mitxonline import tables
from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, SOURCE_RUN, Local

YEAR = datetime.now(UTC).year
WIDE = {"COLUMNS": "200"}


def bigco(local: Local, *flags: str) -> int:
    """The code contract of docs/platforms/mitxonline.md §11's third scenario: 15 seats, with the source course."""
    contract = local.contract("BigCo Codes", "BigCo Codes Contract", "code", "--max-learners", "15", *flags,
                              org_key="BIGCO")  # fmt: skip
    return contract


def named(contract: int) -> str:
    return f"{contract} - BigCo Codes Contract (BigCo Codes)"


def records(stderr: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


# 1. Contracts are named "{id} - {name} ({organization name})" -----------------------


def test_1_commands_name_a_contract_with_its_id_and_organization(local: Local) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    ran = local.ok("b2b_codes", "validate", "--contract", str(contract))
    assert f"Contract {named(contract)} is type code" in ran.lines
    assert f"Code count for {named(contract)} is not what is expected: expected 15, got 0" in ran.lines


def test_1_code_rows_name_the_contract_the_same_way_on_one_compact_line(local: Local, tmp_path: Path) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    target = tmp_path / "codes.json"
    local.ok("b2b_codes", "output", "--contract", str(contract), "--all", "--format", "json", "--filename", str(target))
    text = target.read_text()
    assert "\n" not in text.strip()
    rows = json.loads(text)
    assert len(rows) == 15
    assert {row["Contract"] for row in rows} == {named(contract)}
    assert text.startswith(f'[{{"Contract": "{named(contract)}", "Course Run": ')


# 2. b2b_contract import prints steps with indented details ---------------------------


def exported(local: Local, tmp_path: Path, slug: str) -> Path:
    contract = bigco(local)
    document = local.export(contract)
    document["contract"]["slug"] = slug
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    return path


def test_2_a_dry_run_import_prints_its_steps_and_rolls_back_without_import_complete(
    local: Local, tmp_path: Path
) -> None:
    path = exported(local, tmp_path, "copy")
    exported_at = json.loads(path.read_text())["exported_at"]
    ran = local.ok("b2b_contract", "import", str(path))
    assert ran.out == (
        f"Importing contract 'bigco-codes-contract' (exported {exported_at}) [DRY RUN]\n"
        "\nStep 0: CMS infrastructure\n"
        "\nStep 1: Organization\n  Organization exists: BIGCO\n"
        "\nStep 2: Programs and courses\n"
        "\nStep 3: Contract\n  Created contract: copy\n"
        "\nStep 4: Contract variant options\n  0 variant option(s) created\n"
        "\nStep 5: Contract runs\n  Created 0 contract run(s), 0 course(s) without source runs skipped\n"
        "\nDry run — rolling back. Pass --commit to apply changes.\n"
    )
    assert local.scalar("SELECT COUNT(*) FROM mitx_contract WHERE slug = 'copy'") == 0


def test_2_a_committed_import_ends_with_slug_and_id_and_an_existing_slug_is_named_without_id(
    local: Local, tmp_path: Path
) -> None:
    path = exported(local, tmp_path, "copy")
    first = local.ok("b2b_contract", "import", str(path), "--commit")
    new_id = local.scalar("SELECT id FROM mitx_contract WHERE slug = 'copy'")
    assert first.lines[0].endswith(")") and "[DRY RUN]" not in first.lines[0]
    assert "  Created contract: copy" in first.lines
    assert first.lines[-2:] == ["", f"Import complete. Contract slug: copy (id={new_id})"]
    again = local.ok("b2b_contract", "import", str(path), "--commit")
    assert "  Contract exists: copy" in again.lines
    assert again.lines[-1] == f"Import complete. Contract slug: copy (id={new_id})"


def test_2_an_import_that_makes_the_organization_names_it_by_key(local: Local, tmp_path: Path) -> None:
    path = exported(local, tmp_path, "copy")
    document = json.loads(path.read_text())
    document["organization"].update(org_key="NEWORG", name="New Org")
    path.write_text(json.dumps(document))
    assert "  Created organization: NEWORG" in local.ok("b2b_contract", "import", str(path)).lines


# 3. b2b_courseware add: nothing printed before a failure, the product with its price --


def test_3_a_failing_add_prints_nothing_before_its_traceback(local: Local) -> None:
    start = (date.today() + timedelta(days=7)).isoformat()
    local.manage("b2b_contract", "create", "F", "Future", "code", "--create", "--org-key", "F", "--start", start)
    contract = local.contract_id("F", "Future")
    ran = local.manage("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err.splitlines()[-1].startswith("b2b.models.ContractPage.DoesNotExist")
    # The run was made all the same (docs/platforms/mitxonline.md §4).
    assert local.scalar("SELECT COUNT(*) FROM mitx_course_run WHERE b2b_contract_id = ?", contract) == 1


def test_3_the_created_run_line_names_the_product_with_its_price(local: Local) -> None:
    contract = bigco(local)
    ran = local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    key = f"course-v1:UAI_BIGCO+A.0001x+1T{contract}C{YEAR}_en"
    product = local.scalar("SELECT id FROM mitx_product")
    assert ran.lines == [
        f"Created run {key} | Intro to Courses and product #{product} BigCo Codes #{contract} - Intro to Courses "
        f"{SOURCE_COURSE} [_en] 0.00 for course {SOURCE_COURSE} | Intro to Courses for contract {named(contract)}.",
        "Managed 1 courseware items for 1 specified courseware IDs.",
    ]


def test_3_adding_a_course_again_fails_softly_and_exits_0(local: Local) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    again = local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    assert again.lines == [
        f"Failed to create run for course {SOURCE_COURSE} | Intro to Courses for contract {named(contract)}.",
        "Managed 0 courseware items for 1 specified courseware IDs.",
    ]


# 4. create_courseware without --live (import_courserun: test_mitxonline_e2e.py) -------


def test_4_create_courseware_without_live_says_requirements_are_ignored(local: Local) -> None:
    ran = local.ok("create_courseware", "course", "course-v1:NEW+N.1", "New course")
    assert "Live flag not specified for course-v1:NEW+N.1, ignoring any requirements flags" in ran.lines


# 5. validate of a managed contract, remove of a course --------------------------------


def test_5_validate_names_a_managed_contract_and_its_type(local: Local) -> None:
    contract = local.contract("IDP University", "IDP University Contract", "managed", org_key="IDPU")
    ran = local.ok("b2b_codes", "validate", "--contract", str(contract))
    assert ran.lines == [
        f"Filtering by contract: {contract}",
        f"Contract {contract} - IDP University Contract (IDP University) is type managed",
        "Checked 1 contracts.",
    ]


def test_5_remove_of_a_course_says_how_many_runs_it_takes_out(local: Local) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    ran = local.ok("b2b_courseware", "remove", str(contract), SOURCE_COURSE)
    assert ran.lines[0] == (
        f"Added 1 course runs from course {SOURCE_COURSE} to remove from contract {named(contract)}."
    )


# 6. rich tables ------------------------------------------------------------------------


def test_6_listings_have_titles_and_two_line_date_time_cells_even_at_200_columns(local: Local) -> None:
    contract = bigco(local, "--start", date.today().isoformat(), "--end", "2099-12-31", "--price", "12.50")
    ran = local.ok("b2b_list", "contracts", env=WIDE)
    assert ran.lines[0].strip() == "Contracts"
    assert any(f"│ {date.today().isoformat()} │ 2099-12-31 │" in line for line in ran.lines)
    assert any(re.search(r"│ 00:00 +│ 00:00 +│", line) for line in ran.lines)
    # The provider's parser reads the sandbox's table as MITx Online prints it.
    (row,) = tables.parse_table(ran.out)
    assert row == {
        "ID": str(contract), "Name": "BigCo Codes Contract", "Slug": "bigco-codes-contract",
        "Org Name": "BigCo Codes", "Membership": "code", "Start": f"{date.today().isoformat()} 00:00",
        "End": "2099-12-31 00:00", "Active": "Yes", "Max Learners": "15", "Price": "12.50",
    }  # fmt: skip
    organizations = local.ok("b2b_list", "organizations", env=WIDE)
    assert organizations.lines[0].strip() == "B2B Organizations"


def test_6_at_80_columns_the_header_wraps_and_cells_are_cut(local: Local) -> None:
    bigco(local, "--start", date.today().isoformat())
    ran = local.ok("b2b_list", "contracts")
    header = [line for line in ran.lines if line.startswith("┃")]
    assert len(header) == 2
    assert "Org" in header[0] and "Name" in header[1]
    assert max(len(line) for line in ran.lines) == 80
    assert "…" in ran.out


def test_6_the_courseware_listing_shows_cr_and_organization_and_contract_on_two_lines(local: Local) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    ran = local.ok("b2b_list", "courseware", "--contract", str(contract), env=WIDE)
    assert ran.lines[0].strip() == "Courseware"
    (row,) = tables.parse_table(ran.out)
    assert (row["Org/Contract"], row["Type"]) == ("BigCo Codes BigCo Codes Contract", "CR")
    assert row["Readable ID"] == f"course-v1:UAI_BIGCO+A.0001x+1T{contract}C{YEAR}_en"
    cell_lines = [line.split("│")[2].strip() for line in ran.lines if line.startswith("│")]
    assert cell_lines == ["BigCo Codes", "BigCo Codes Contract"]


def test_6_stats_announce_the_contracts_then_one_titled_table_each_without_a_contract_column(local: Local) -> None:
    contract = bigco(local)
    local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    ran = local.ok("b2b_codes", "output", "--contract", str(contract), "--stats", env=WIDE)
    assert ran.lines[:2] == [f"Filtering by contract: {contract}", "Generating stats for 1 contracts..."]
    assert ran.lines[2].strip() == f"Stats for {named(contract)}"
    (row,) = tables.parse_table(ran.out)
    assert "Contract" not in row
    assert (row["Seat Limit"], row["Run Count"], row["Total Codes"]) == ("15", "1", "15")


# 7. sync_courserun of a source run; configure_wagtail ----------------------------------


def test_7_sync_courserun_cannot_find_a_source_run(local: Local) -> None:
    ran = local.manage("sync_courserun", "--run", SOURCE_RUN)
    assert (ran.code, ran.err) == (1, f"CommandError: Could not find run with courseware_id={SOURCE_RUN}\n")


def test_7_configure_wagtail_exists_and_exits_0(local: Local) -> None:
    assert local.ok("configure_wagtail").out == ""


# 8. structlog records on stderr ---------------------------------------------------------


def test_8_log_records_are_structlog_json_on_stderr(local: Local) -> None:
    ran = local.ok(
        "b2b_contract", "create", "Nobody Yet", "Some Contract", "managed", "--create", "--org-key", "NOBODY"
    )
    (record,) = records(ran.err)
    assert list(record) == ["event", "level", "logger", "timestamp"]
    assert (record["event"], record["level"], record["logger"]) == (
        "Got organization None", "info", "b2b.management.commands.b2b_contract",
    )  # fmt: skip
    assert datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    assert "{" not in ran.out


def test_8_one_record_per_code_made_names_the_code(local: Local) -> None:
    contract = bigco(local)
    ran = local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    made = [r["event"] for r in records(ran.err) if ": Created discount " in r["event"]]
    codes = {row[0] for row in local.ctx.db.execute("SELECT discount_code FROM mitx_discount")}
    assert len(made) == len(codes) == 15
    named_codes = {re.search(r"one-time - (\S+) for product #", event).group(1) for event in made}  # type: ignore[union-attr]
    assert named_codes == codes
    assert made[0].startswith(f"Contract {named(contract)}: Created discount 0.00000 fixed-price one-time - ")
    assert {r["level"] for r in records(ran.err)} <= {"info", "warning"}


# 9. the shell's banner -----------------------------------------------------------------


def test_9_the_shell_banner_counts_the_projects_models(local: Local) -> None:
    first = local.ok("shell", "-c", "print('hi')").lines[0]
    match = re.fullmatch(r"(\d+) objects imported automatically \(use -v 2 for details\)\.", first)
    assert match is not None
    assert 100 <= int(match.group(1)) <= 200  # about 150 in MITx Online, never 0
    assert local.ok("shell", "--no-imports", "-c", "print('hi')").out == "hi\n"
