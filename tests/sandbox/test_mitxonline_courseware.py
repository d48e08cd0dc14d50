"""``b2b_courseware add|remove`` and the contract run keys, in-process (docs/platforms/mitxonline.md §3, §7, §9).

The clone itself is the worker's job (``test_mitxonline_e2e.py``); here the command
only queues it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, SOURCE_RUN, Local

YEAR = datetime.now(UTC).year


def _runs(local: Local, contract: int) -> list[str]:
    rows = local.ctx.db.execute(
        "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ? ORDER BY id", (contract,)
    )
    return [row[0] for row in rows]


def test_add_creates_the_contract_run_key_with_the_language_suffix(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    key = f"course-v1:UAI_BIGCO+A.0001x+1T{contract}C{YEAR}_en"
    assert _runs(local, contract) == [key]
    assert ran.lines[0].startswith(f"Created run {key}")
    assert ran.lines[-1] == "Managed 1 courseware items for 1 specified courseware IDs."
    assert local.scalar("SELECT run_tag FROM mitx_course_run WHERE courseware_id = ?", key) == f"1T{contract}C{YEAR}"


def test_contract_run_copies_source_and_contract_dates(local: Local) -> None:
    start, end = date.today(), date.today() + timedelta(days=90)
    contract = local.contract("D", "Dated", "code", "--start", start.isoformat(), "--end", end.isoformat(), org_key="D")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    row = local.ctx.db.execute(
        "SELECT start_date, enrollment_start, end_date, live, is_self_paced, course_id FROM mitx_course_run "
        "WHERE b2b_contract_id = ?",
        (contract,),
    ).fetchone()
    assert tuple(row[:5]) == (f"{start}T00:00:00Z", f"{start}T00:00:00Z", f"{end}T00:00:00Z", 1, 1)
    assert row[5] == local.scalar("SELECT id FROM mitx_course WHERE readable_id = ?", SOURCE_COURSE)


def test_add_makes_a_product_and_verified_and_audit_modes_but_no_codes(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", "--max-learners", "15", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    description = local.scalar("SELECT description FROM mitx_product")
    assert description == f"BigCo #{contract} - Intro to Courses {SOURCE_COURSE} [_en]"
    assert local.scalar("SELECT COUNT(*) FROM mitx_course_run_mode rm JOIN mitx_course_run r ON r.id = rm.run_id "
                        "WHERE r.b2b_contract_id = ?", contract) == 2  # fmt: skip
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 0


def test_add_queues_the_clone_instead_of_running_it(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "managed", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    task = local.ctx.db.execute(
        "SELECT source_courseware_id, target_courseware_id, status FROM mitx_clone_task"
    ).fetchone()
    assert tuple(task) == (SOURCE_RUN, _runs(local, contract)[0], "pending")


def test_no_create_runs_queues_no_clone(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "managed", org_key="BIGCO")
    local.ok("b2b_courseware", "add", "--no-create-runs", str(contract), SOURCE_COURSE)
    assert local.scalar("SELECT COUNT(*) FROM mitx_clone_task") == 0


def test_make_codes_creates_seats_times_runs_one_time_zero_dollar_codes(local: Local) -> None:
    contract = local.contract("UCODE", "UCODE Contract", "code", "--max-learners", "15", org_key="UCODE")
    ran = local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    assert f"Queueing enrollment code check for {contract} - UCODE Contract (UCODE)" in ran.lines
    rows = local.ctx.db.execute("SELECT redemption_type, discount_type, amount, activation_date FROM mitx_discount")
    assert [tuple(r) for r in rows] == [("one-time", "fixed-price", "0.00", None)] * 15


def test_managed_free_contract_gets_no_codes(local: Local) -> None:
    contract = local.contract("IDPU", "IDP Contract", "managed", org_key="IDPU")
    local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 0


def test_repeated_add_is_skipped_and_the_log_names_the_next_key(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    again = local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    assert again.lines == [
        f"Failed to create run for course {SOURCE_COURSE} | Intro to Courses for contract {contract} - BigCo Contract "
        "(BigCo).",
        "Managed 0 courseware items for 1 specified courseware IDs.",
    ]
    assert f"+2T{contract}C{YEAR}_en already exists and we're not rerunning it" in again.err
    assert len(_runs(local, contract)) == 1


def test_allow_reruns_mints_the_next_number(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    local.ok("b2b_courseware", "add", "--allow-reruns", str(contract), SOURCE_COURSE)
    assert [k.split("+")[-1] for k in _runs(local, contract)] == [f"1T{contract}C{YEAR}_en", f"2T{contract}C{YEAR}_en"]


def test_also_batches_several_courses_in_one_invocation(local: Local) -> None:
    local.source_course("course-v1:UAI_SOURCE+B.0002x", "Second Course")
    contract = local.contract("BigCo", "BigCo Contract", "code", "--max-learners", "2", org_key="BIGCO")
    ran = local.ok(
        "b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE, "--also", "course-v1:UAI_SOURCE+B.0002x"
    )
    assert ran.lines[-1] == "Managed 2 courseware items for 2 specified courseware IDs."
    assert len(_runs(local, contract)) == 2
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 4


def test_flags_after_the_positionals_are_unrecognized_arguments(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.manage("b2b_courseware", "add", str(contract), SOURCE_COURSE, "--make-codes")
    assert ran.code == 2
    assert ran.err.splitlines()[-1] == "manage.py b2b_courseware: error: unrecognized arguments: --make-codes"
    assert _runs(local, contract) == []


def test_prefix_overrides_the_organization_prefix(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", "--prefix", "B2B_", str(contract), SOURCE_COURSE)
    assert _runs(local, contract) == [f"course-v1:B2B_BIGCO+A.0001x+1T{contract}C{YEAR}_en"]


def test_blank_org_prefix_falls_back_to_uai(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ctx.db.execute("UPDATE mitx_organization SET org_key_prefix = '' WHERE org_key = 'BIGCO'")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    assert _runs(local, contract)[0].startswith("course-v1:UAI_BIGCO+")


def test_numbering_is_lexicographic_so_the_tenth_run_collides(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    for _ in range(10):
        local.ok("b2b_courseware", "add", "--allow-reruns", "--no-create-runs", str(contract), SOURCE_COURSE)
    # 9T sorts after 10T, so the 11th attempt mints 10T again and hits the unique key (docs/platforms/mitxonline.md §7).
    eleventh = local.manage("b2b_courseware", "add", "--allow-reruns", "--no-create-runs", str(contract), SOURCE_COURSE)
    assert eleventh.code == 1
    assert "IntegrityError: UNIQUE constraint failed" in eleventh.err
    assert len(_runs(local, contract)) == 10


def test_a_source_run_key_is_not_resolvable(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.ok("b2b_courseware", "add", str(contract), SOURCE_RUN)
    assert ran.lines == ["Managed 0 courseware items for 1 specified courseware IDs."]


def test_a_course_without_source_run_is_a_traceback(local: Local) -> None:
    local.ok("create_courseware", "course", "course-v1:UAI_SOURCE+NO.1x", "No Source", "--live")
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.manage("b2b_courseware", "add", str(contract), "course-v1:UAI_SOURCE+NO.1x")
    assert ran.code == 1
    assert "b2b.exceptions.SourceCourseIncompleteError: No source run found for" in ran.err


def test_unknown_contract(local: Local) -> None:
    ran = local.manage("b2b_courseware", "add", "nope", SOURCE_COURSE)
    assert (ran.code, ran.err.strip()) == (1, "CommandError: Contract with ID/slug 'nope' does not exist.")


def test_contract_by_slug(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", "bigco-contract", SOURCE_COURSE)
    assert len(_runs(local, contract)) == 1


def test_add_to_an_inactive_contract_does_the_work_then_exits_1_without_codes(local: Local) -> None:
    contract = local.contract("I", "Inactive", "code", "--max-learners", "5", org_key="I")
    local.ok("b2b_contract", "modify", str(contract), "--inactive")
    ran = local.manage("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    assert ran.code == 1
    assert "ContractPage.DoesNotExist" in ran.err
    assert len(_runs(local, contract)) == 1
    assert local.scalar("SELECT COUNT(*) FROM mitx_product") == 1
    assert local.scalar("SELECT COUNT(*) FROM mitx_clone_task") == 1
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 0


def test_codes_validate_works_on_an_out_of_window_contract(local: Local) -> None:
    start = (date.today() + timedelta(days=7)).isoformat()
    local.manage("b2b_contract", "create", "F", "Future", "code", "--create", "--org-key", "F", "--start", start,
                 "--max-learners", "3")  # fmt: skip
    contract = local.contract_id("F", "Future")
    assert local.manage("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE).code == 1
    local.ok("b2b_codes", "validate", "--contract", str(contract))
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 3


def test_adding_a_run_sets_its_contract_and_respects_ownership(local: Local) -> None:
    local.ok("create_courseware", "courserun", SOURCE_COURSE, "Public run", "--run-tag", "1T2026", "--live")
    first = local.contract("A", "First", "code", org_key="A")
    second = local.contract("B", "Second", "code", org_key="B")
    run_key = f"{SOURCE_COURSE}+1T2026"
    assert local.ok("b2b_courseware", "add", str(first), run_key).lines[-1].startswith("Managed 1")
    assert (
        f"Run '{run_key}' is already owned by this contract."
        in local.ok("b2b_courseware", "add", str(first), run_key).lines
    )
    assert (
        f"Run '{run_key}' is already owned by {first} - First (A)."
        in local.ok("b2b_courseware", "add", str(second), run_key).lines
    )
    local.ok("b2b_courseware", "add", "--force", str(second), run_key)
    assert _runs(local, second) == [run_key]


def test_bad_variant_aborts_the_add_with_exit_0(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.ok("b2b_courseware", "add", "--variant", "fr", str(contract), SOURCE_COURSE)
    assert ran.lines == ["Bad variant options specified: ['fr']"]
    assert _runs(local, contract) == []


def test_remove_unlinks_deactivates_and_deletes_unused_codes(local: Local) -> None:
    contract = local.contract("UCODE", "UCODE Contract", "code", "--max-learners", "15", org_key="UCODE")
    local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    run_key = _runs(local, contract)[0]
    ran = local.ok("b2b_courseware", "remove", str(contract), SOURCE_COURSE)
    assert f"Deactivated and unlinked {run_key} from {contract} - UCODE Contract (UCODE) (no enrollments)." in ran.lines
    row = local.ctx.db.execute(
        "SELECT live, enrollment_end, b2b_contract_id FROM mitx_course_run WHERE courseware_id = ?", (run_key,)
    ).fetchone()
    assert (row[0], row[2]) == (0, None) and row[1] is not None
    assert local.scalar("SELECT is_active FROM mitx_product") == 0
    assert local.scalar("SELECT COUNT(*) FROM mitx_discount") == 0


def test_remove_keeps_a_run_with_enrollments_linked(local: Local) -> None:
    contract = local.contract("UCODE", "UCODE Contract", "code", org_key="UCODE")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    run_key = _runs(local, contract)[0]
    local.ctx.db.execute(
        "INSERT INTO mitx_enrollment (run_id, user_email, created_on) "
        "SELECT id, 'learner@example.com', '2026-01-01T00:00:00Z' FROM mitx_course_run WHERE courseware_id = ?",
        (run_key,),
    )
    ran = local.ok("b2b_courseware", "remove", str(contract), run_key)
    assert (
        f"Deactivated {run_key} but kept it linked to {contract} - UCODE Contract (UCODE) (has enrollments)."
        in ran.lines
    )
    assert _runs(local, contract) == [run_key]


def test_readding_a_removed_course_gives_the_next_number(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    local.ok("b2b_courseware", "remove", str(contract), SOURCE_COURSE)
    local.ok("b2b_courseware", "add", str(contract), SOURCE_COURSE)
    assert _runs(local, contract) == [f"course-v1:UAI_BIGCO+A.0001x+2T{contract}C{YEAR}_en"]


def test_remove_of_an_unresolvable_id_is_an_attribute_error(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.manage("b2b_courseware", "remove", str(contract), "course-v1:NOPE+X+Y")
    assert ran.code == 1
    assert "AttributeError" in ran.err


def test_a_capital_t_in_the_suffix_breaks_the_next_key(local: Local) -> None:
    local.ok("create_courseware", "course", "course-v1:UAI_SOURCE+Z.1x", "Chinese", "--live")
    local.ok(
        "create_courseware", "courserun", "course-v1:UAI_SOURCE+Z.1x", "Chinese", "--run-tag", "SOURCE",
        "--create-run-as-sourcerun", "--lang", "zh_TW", "--primary-lang",
    )  # fmt: skip
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), "course-v1:UAI_SOURCE+Z.1x")
    assert _runs(local, contract) == [f"course-v1:UAI_BIGCO+Z.1x+1T{contract}C{YEAR}_zh_TW"]
    # Splitting "1T..C.._zh_TW" on "T" gives three parts (docs/platforms/mitxonline.md §7).
    again = local.manage("b2b_courseware", "add", "--allow-reruns", str(contract), "course-v1:UAI_SOURCE+Z.1x")
    assert again.code == 1
    assert "ValueError: too many values to unpack" in again.err
