"""The other management commands, in-process: codes, lists, shell, Keycloak, courseware
creation and the Django conventions (docs/platforms/mitxonline.md §3, §6, §13)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, SOURCE_RUN, Local

# Django conventions ---------------------------------------------------------------


def test_unknown_command(local: Local) -> None:
    ran = local.manage("no_such_command")
    assert (ran.code, ran.err) == (1, "Unknown command: 'no_such_command'\nType 'manage.py help' for usage.\n")


def test_django_base_options_are_accepted(local: Local) -> None:
    assert local.manage("b2b_list", "organizations", "-v", "0", "--no-color", "--skip-checks").code == 0


# b2b_codes ------------------------------------------------------------------------


def test_validate_tops_codes_up_after_max_learners_changes(local: Local, code_contract: int) -> None:
    local.ok("b2b_contract", "modify", str(code_contract), "--max-learners", "20")
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 15  # modify changes no codes
    ran = local.ok("b2b_codes", "validate", "--contract", str(code_contract))
    assert ran.lines == [
        f"Filtering by contract: {code_contract}",
        f"Contract {code_contract} - UCODE Contract (UCODE) is type code",
        "Found 15 enrollment codes, expected 20",
        f"Code count for {code_contract} - UCODE Contract (UCODE) is not what is expected: expected 20, got 15",
        "Checked 1 contracts.",
    ]
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 20


def test_validate_without_a_target_does_nothing(local: Local, code_contract: int) -> None:
    assert local.ok("b2b_codes", "validate").lines == ["No contracts found.", "Checked 0 contracts."]


def test_fix_and_check_are_aliases_and_the_fix_flag_is_ignored(local: Local, code_contract: int) -> None:
    for alias in ("fix", "check"):
        assert local.ok("b2b_codes", alias, "--contract", str(code_contract)).lines[-1] == "Checked 1 contracts."
    assert local.ok("b2b_codes", "validate", "--fix", "--contract", "ucode-contract").code == 0


def test_validate_unknown_contract(local: Local) -> None:
    ran = local.manage("b2b_codes", "validate", "--contract", "nope")
    assert (ran.code, ran.err.strip()) == (1, "CommandError: Identifier nope not found.")


def test_validate_reprices_products_and_codes(local: Local, code_contract: int) -> None:
    local.ok("b2b_contract", "modify", str(code_contract), "--price", "12.50")
    ran = local.ok("b2b_codes", "validate", "--contract", str(code_contract))
    assert "Updated 1 products." in ran.lines
    assert "Updated 15 codes." in ran.lines
    assert {row[0] for row in local.ctx.db.execute("SELECT amount FROM mitx_discount")} == {"12.50"}


def test_uncapped_code_contract_gets_one_unlimited_code_per_run(local: Local) -> None:
    contract = local.contract("U", "Uncapped", "code", org_key="U")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    local.ok("b2b_codes", "validate", "--org", "U")
    rows = list(local.ctx.db.execute("SELECT redemption_type FROM mitx_discount"))
    assert [r[0] for r in rows] == ["unlimited"]


def test_output_json_without_filename_crashes(local: Local, code_contract: int) -> None:
    ran = local.manage("b2b_codes", "output", "--contract", str(code_contract), "--format", "json")
    assert ran.code == 1
    assert ran.out == f"Filtering by contract: {code_contract}\n"
    assert "TypeError: 'OutputWrapper' object does not support the context manager protocol" in ran.err


def test_output_json_with_filename_then_read_back_with_shell(local: Local, code_contract: int, tmp_path: Path) -> None:
    target = tmp_path / "codes.json"
    ran = local.ok("b2b_codes", "output", "--contract", str(code_contract), "--all", "--format", "json",
                   "--filename", str(target))  # fmt: skip
    assert ran.lines == [f"Filtering by contract: {code_contract}", f"Wrote json output to {target}."]
    # In-process, so the code closes its file (a separate manage process need not).
    code = f"import pathlib; print(pathlib.Path({str(target)!r}).read_text())"
    shown = local.ok("shell", "--no-imports", "-c", code)
    rows = json.loads(shown.out)
    assert len(rows) == 15
    assert set(rows[0]) == {
        "Contract", "Course Run", "Enrollment Code", "Assigned To", "Attach Redemption", "Enroll Redemption",
        "Attach Link",
    }  # fmt: skip
    assert rows[0]["Attach Link"].endswith(rows[0]["Enrollment Code"] + "/")


def test_output_without_target_covers_all_contracts(local: Local, code_contract: int) -> None:
    ran = local.ok("b2b_codes", "output", "--stats")
    assert ran.lines[:2] == [
        "No contract or org specified - operating on all contracts.",
        "Generating stats for 1 contracts...",
    ]
    assert ran.lines[2].strip() == f"Stats for {code_contract} - UCODE Contract (UCODE)"


def test_output_default_lists_unredeemed_codes_up_to_remaining_seats(local: Local, code_contract: int) -> None:
    code_id = local.scalar("SELECT MIN(id) FROM mitx_discount")
    local.ctx.db.execute(
        "INSERT INTO mitx_code_redemption (discount_id, contract_id, kind, user_email, redeemed_on) "
        "VALUES (?, ?, 'attach', 'a@example.com', '2026-01-01T00:00:00Z')",
        (code_id, code_contract),
    )
    target = Path(local.ctx.state_dir) / "open.csv"
    local.ok("b2b_codes", "output", "--contract", str(code_contract), "--format", "csv", "--filename", str(target))
    assert len(target.read_text().splitlines()) == 1 + 14


def test_expire_is_a_dry_run_without_expire(local: Local, code_contract: int) -> None:
    dry = local.ok("b2b_codes", "expire", "--contract", str(code_contract))
    assert dry.lines[1:3] == ["WARNING: Expiring codes from 1 contracts.", "15 codes removed."]
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 15
    real = local.ok("b2b_codes", "expire", "--contract", str(code_contract), "--expire")
    assert real.lines[2] == "WARNING: Expire mode active - will deactivate/delete codes."
    assert real.lines[4].startswith(f"{code_contract} - UCODE Contract (UCODE),")
    assert real.lines[4].endswith(",deleted")
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 0


# b2b_list -------------------------------------------------------------------------


def test_list_is_cut_to_80_columns_without_columns(local: Local, code_contract: int) -> None:
    ran = local.ok("b2b_list", "contracts")
    assert max(len(line) for line in ran.lines) == 80
    assert "…" in ran.out
    assert "UCODE Contract" not in ran.out


def test_list_with_columns_shows_whole_cells(local: Local, code_contract: int) -> None:
    ran = local.ok("b2b_list", "contracts", "--org", "UCODE", env={"COLUMNS": "200"})
    row = next(line for line in ran.lines if line.startswith("│"))
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells == [str(code_contract), "UCODE Contract", "ucode-contract", "UCODE", "code", "", "", "Yes", "15", ""]


def _cells(output: str, first_cell: str) -> list[str]:
    """The cells of the first line of the row whose ID (right-justified) is `first_cell`."""
    row = next(
        line for line in output.splitlines() if line.startswith("│") and line.split("│")[1].strip() == first_cell
    )
    return [cell.strip() for cell in row.strip("│").split("│")]


def test_list_organizations_and_courseware(local: Local, code_contract: int) -> None:
    orgs = local.ok("b2b_list", "organizations", env={"COLUMNS": "200"})
    org_id = local.scalar("SELECT id FROM mitx_organization WHERE org_key = 'UCODE'")
    assert _cells(orgs.out, str(org_id)) == [str(org_id), "UCODE", "org-ucode", "UCODE", "1"]
    courseware = local.ok("b2b_list", "courseware", "--contract", str(code_contract), env={"COLUMNS": "250"})
    run_id = local.scalar("SELECT id FROM mitx_course_run WHERE b2b_contract_id = ?", code_contract)
    cells = _cells(courseware.out, str(run_id))
    # The organization and the contract are two lines of one cell; the type is "CR".
    assert cells[1:5] == ["UCODE", "CR", cells[3], "Intro to Courses"]
    assert cells[3].startswith("course-v1:UAI_UCODE+A.0001x+1T")


def test_list_codes_writes_a_csv(local: Local, code_contract: int, tmp_path: Path) -> None:
    target = tmp_path / f"codes-{code_contract}.csv"
    ran = local.ok("b2b_list", "contracts", "--codes", str(code_contract), "--codes-out", str(target))
    assert ran.lines == [f"Codes written to {target}"]
    lines = target.read_text().splitlines()
    assert lines[0] == "Code,Product,Redeemed,Product URL"
    assert len(lines) == 16


# shell ----------------------------------------------------------------------------


def test_shell_without_no_imports_prints_the_import_line_first(local: Local) -> None:
    assert local.ok("shell", "-c", "print('hi')").out == (
        "150 objects imported automatically (use -v 2 for details).\n\nhi\n"
    )
    assert local.ok("shell", "-v", "0", "-c", "print('hi')").out == "hi\n"
    assert local.ok("shell", "--no-imports", "-c", "print('hi')").out == "hi\n"


def test_shell_errors_are_tracebacks_with_exit_1(local: Local) -> None:
    ran = local.manage("shell", "--no-imports", "-c", "open('/nonexistent/file')")
    assert ran.code == 1
    assert "FileNotFoundError" in ran.err


# Keycloak ---------------------------------------------------------------------------


def test_sync_keycloak_orgs_creates_and_updates_but_never_changes_org_key(local: Local) -> None:
    seeded = json.loads(local.ok("sandbox_keycloak_orgs", "add", "--name", "IDP University", "--alias", "IDPU").out)
    created = local.ok("sync_keycloak_orgs")
    assert created.out == ""
    assert "Created 1 orgs, updated 0 orgs" in created.err
    row = local.ctx.db.execute(
        "SELECT name, org_key, org_key_prefix, sso_organization_id, slug FROM mitx_organization"
    ).fetchone()
    assert tuple(row) == ("IDP University", "IDPU", "UAI_", seeded["id"], "org-idp-university")
    local.ctx.db.execute("UPDATE mitx_keycloak_org SET name = 'IDP U', alias = 'OTHER'")
    assert "Created 0 orgs, updated 1 orgs" in local.ok("sync_keycloak_orgs").err
    assert tuple(local.ctx.db.execute("SELECT name, org_key FROM mitx_organization").fetchone()) == ("IDP U", "IDPU")


def test_sync_keycloak_orgs_skips_a_duplicate_org_key(local: Local) -> None:
    local.contract("Manual", "C", "managed", org_key="DUP")
    local.ok("sandbox_keycloak_orgs", "add", "--name", "From Keycloak", "--alias", "DUP")
    ran = local.ok("sync_keycloak_orgs")
    assert "Created 0 orgs, updated 0 orgs" in ran.err
    assert local.scalar("SELECT COUNT(*) FROM mitx_organization") == 1


def test_sync_keycloak_orgs_sees_only_the_first_page(local: Local) -> None:
    for n in range(12):
        local.ok("sandbox_keycloak_orgs", "add", "--name", f"Org {n:02d}", "--alias", f"K{n:02d}")
    local.ok("sync_keycloak_orgs")
    assert local.scalar("SELECT COUNT(*) FROM mitx_organization") == 10


# create_courseware / create_courseware_page / sync_courserun ------------------------


def test_create_courseware_refusals_exit_255_on_stderr(local: Local) -> None:
    cases = {
        ("course", SOURCE_COURSE, "T"): f"Course with ID {SOURCE_COURSE} already exists.",
        ("courserun", "course-v1:X+Y", "T", "--run-tag", "R"): "Course with ID course-v1:X+Y doesn't exist.",
        ("courserun", SOURCE_COURSE, "T"): (
            "You must specify the run tag with either --run-tag or --create-run when creating a course run."
        ),
        ("courserun", SOURCE_COURSE, "T", "--run-tag", "SOURCE"): (
            f"Course run for {SOURCE_COURSE} with ID SOURCE already exists."
        ),
        ("course", "My Title", "course-v1:A+B"): (
            'Object ID "My Title" would be named "course-v1:A+B" - you might have your ID and title options '
            "swapped. Use --force to force creation anyway."
        ),
        ("course", "course-v1:A+B", "T", "--dept", "Nope"): "The departments specified do not currently exist.",
    }
    for argv, message in cases.items():
        ran = local.manage("create_courseware", *argv)
        assert (ran.code, ran.err.strip(), ran.out) == (255, message, ""), argv


def test_create_courseware_course_with_run(local: Local) -> None:
    ran = local.ok("create_courseware", "course", "course-v1:MITx+1.001x", "One", "--create-run", "1T2027", "--live")
    course_id = local.scalar("SELECT id FROM mitx_course WHERE readable_id = 'course-v1:MITx+1.001x'")
    assert ran.lines[0] == f"Created Course {course_id}: One (course-v1:MITx+1.001x)."
    assert (
        local.scalar("SELECT run_tag FROM mitx_course_run WHERE courseware_id = 'course-v1:MITx+1.001x+1T2027'")
        == "1T2027"
    )


def test_create_courseware_page_errors_exit_1_on_stdout(local: Local) -> None:
    unknown = local.manage("create_courseware_page", "course-v1:NO+X")
    assert (unknown.code, unknown.out.strip()) == (1, "Can't find courseware object for course-v1:NO+X, stopping.")
    again = local.manage("create_courseware_page", SOURCE_COURSE)
    assert again.code == 1
    assert again.out.startswith(f"An error occurred creating the about page for {SOURCE_COURSE}: {{'slug': [")
    assert "'course': ['Course page with this Course already exists.']" in again.out


def test_create_courseware_page_defaults(local: Local) -> None:
    local.ok("create_courseware", "course", "course-v1:MITx+2.002x", "Two")
    ran = local.ok("create_courseware_page", "course-v1:MITx+2.002x", "--live", "--include_in_learn_catalog")
    assert ran.lines[0] == "About page created successfully for course-v1:MITx+2.002x"
    row = local.ctx.db.execute(
        "SELECT slug, title, description, length, min_weekly_hours, live FROM mitx_course_page WHERE title = 'Two'"
    ).fetchone()
    assert tuple(row) == ("course-v1mitx2002x", "Two", "Two", "No Data", "Empty", 1)


def test_sync_courserun_refuses_source_runs(local: Local) -> None:
    ran = local.manage("sync_courserun", "--run", SOURCE_RUN)
    assert (ran.code, ran.err.strip()) == (1, f"CommandError: Could not find run with courseware_id={SOURCE_RUN}")


def test_sync_courserun_all_requires_a_value(local: Local) -> None:
    assert local.manage("sync_courserun", "--all").code == 2


def test_import_courserun_contract_option_only_aborts_when_unknown(local: Local) -> None:
    ran = local.ok("import_courserun", "--courserun", "course-v1:X+Y+Z", "--contract", "nope")
    assert ran.lines == ["Contract 'nope' not found or B2B module not available."]


def test_import_courserun_rejects_publish_and_draft_together(local: Local) -> None:
    ran = local.ok("import_courserun", "--courserun", "course-v1:X+Y+Z", "--publish-cms-page", "--draft-cms-page")
    assert (ran.out, ran.err) == ("", "Cannot specify both --publish-cms-page and --draft-cms-page.\n")
