"""Programs in the MITx Online emulation (docs/platforms/mitxonline.md §3, §5, §6, §7, §9, §13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.mitxonline import programs, repo, worker
from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, Local, Ran, local_store

PROGRAM = "program-v1:UAI+Fundamentals"
SECOND = "course-v1:UAI_SOURCE+B.0002x"
ELECTIVE = "course-v1:UAI_SOURCE+C.0003x"
NO_SOURCE = "course-v1:UAI_SOURCE+D.0004x"


@pytest.fixture
def local(tmp_path: Path) -> Local:
    """Two required courses with source runs and one elective, in a live program with a page."""
    store = local_store(tmp_path / "state")
    store.ok("create_courseware", "program", PROGRAM, "Fundamentals", "--live", "--create-page")
    for readable_id, title, flag in (
        (SOURCE_COURSE, "Intro to Courses", "--required"),
        (SECOND, "Second Course", "--required"),
        (ELECTIVE, "Elective Course", "--elective"),
    ):
        store.ok("create_courseware", "course", readable_id, title, "--live", "--program", PROGRAM, flag)
        store.ok(
            "create_courseware", "courserun", readable_id, title, "--run-tag", "SOURCE", "--live",
            "--create-run-as-sourcerun", "--self-paced",
        )  # fmt: skip
    return store


def _program_id(local: Local, readable_id: str = PROGRAM) -> int:
    return int(local.scalar("SELECT id FROM mitx_program WHERE readable_id = ?", readable_id))


def _contract_runs(local: Local, contract: int) -> list[str]:
    return [
        row[0]
        for row in local.ctx.db.execute(
            "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ? ORDER BY courseware_id", (contract,)
        )
    ]


def _links(local: Local, contract: int) -> list[tuple[str, int]]:
    return [
        (row[0], row[1])
        for row in local.ctx.db.execute(
            "SELECT p.readable_id, cp.sort_order FROM mitx_contract_program cp JOIN mitx_program p "
            "ON p.id = cp.program_id WHERE cp.contract_id = ? ORDER BY cp.sort_order",
            (contract,),
        )
    ]


# create_courseware -------------------------------------------------------------------


def test_create_program_prints_what_it_made_and_a_live_catalog_page(tmp_path: Path) -> None:
    local = local_store(tmp_path / "state")
    ran = local.ok(
        "create_courseware", "program", PROGRAM, "Fundamentals", "--b2b-only", "--program-course", "--create-page",
        "--dept", "Math", "--create-depts",
    )  # fmt: skip
    program_id = _program_id(local)
    assert ran.lines == [
        f"Created Program {program_id}: Fundamentals ({PROGRAM}).",
        "Added 0 program relationships.",
        f"Creating placeholder CMS page for {PROGRAM}.",
        "Created CMS page Fundamentals.",
    ]
    row = local.ctx.db.execute(
        "SELECT live, b2b_only, display_mode, program_type FROM mitx_program WHERE id = ?", (program_id,)
    ).fetchone()
    assert tuple(row) == (0, 1, "course", "Series")
    # The page is live and in the Learn catalog whatever --live says (cms/api.py).
    page = programs.page_of_program(local.ctx.db, program_id)
    assert page is not None and page.live and page.include_in_learn_catalog and page.slug == "program-v1uaifundamentals"
    assert programs.program_department_names(local.ctx.db, program_id) == ["Math"]
    # Program.save() made the tree's root.
    assert [n.node_type for n in programs.tree(local.ctx.db, program_id)] == ["program_root"]


def test_a_second_program_with_the_same_id_exits_255_and_related_programs_are_counted(tmp_path: Path) -> None:
    local = local_store(tmp_path / "state")
    local.ok("create_courseware", "program", PROGRAM, "Fundamentals")
    again = local.manage("create_courseware", "program", PROGRAM, "Again")
    assert (again.code, again.err) == (255, f"Program with ID {PROGRAM} already exists.\n")
    ran = local.ok(
        "create_courseware", "program", "program-v1:UAI+Advanced", "Advanced", "--related", PROGRAM,
        "--related", "program-v1:UAI+Missing",
    )  # fmt: skip
    assert ran.lines[1:] == [f"Added relationship for {PROGRAM}.", "Added 1 program relationships."]
    assert ran.err == "Can't add relationship for program-v1:UAI+Missing: program not found.\n"


def test_course_with_program_adds_required_and_elective_requirements(local: Local) -> None:
    ran = local.ok(
        "create_courseware", "course", NO_SOURCE, "Fourth", "--live", "--program", str(_program_id(local)), "--required"
    )
    assert ran.lines[-1] == f"Added {NO_SOURCE} to {PROGRAM}'s Required Courses requirements."
    requirements = programs.course_requirements(local.ctx.db, _program_id(local))
    assert [(r.course.readable_id, r.elective) for r in requirements] == [
        (SOURCE_COURSE, False),
        (SECOND, False),
        (NO_SOURCE, False),
        (ELECTIVE, True),
    ]


def test_course_with_an_unknown_program_and_no_live_flag_dies_and_leaves_nothing(local: Local) -> None:
    ran = local.manage("create_courseware", "course", NO_SOURCE, "Fourth", "--program", "program-v1:X", "--required")
    assert ran.code == 1
    assert ran.err.splitlines()[-1] == (
        "UnboundLocalError: cannot access local variable 'new_req' where it is not associated with a value"
    )
    # transaction.atomic(): the course made before the error is rolled back.
    assert local.scalar("SELECT COUNT(*) FROM mitx_course WHERE readable_id = ?", NO_SOURCE) == 0


def test_course_with_an_unknown_program_under_live_prints_nothing_about_it(local: Local) -> None:
    ran = local.ok("create_courseware", "course", NO_SOURCE, "Fourth", "--live", "--program", "program-v1:X")
    assert ran.lines == [f"Created Course {_course_id(local, NO_SOURCE)}: Fourth ({NO_SOURCE})."]


def _course_id(local: Local, readable_id: str) -> int:
    return int(local.scalar("SELECT id FROM mitx_course WHERE readable_id = ?", readable_id))


# b2b_courseware add / remove -------------------------------------------------------------


def test_add_program_makes_runs_with_the_uai_prefix_and_links_it_last(local: Local) -> None:
    local.ok("create_courseware", "course", NO_SOURCE, "Fourth", "--live", "--program", PROGRAM, "--required")
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    # The organization's own prefix is ignored by the program path (docs/platforms/mitxonline.md §7, §13).
    local.ctx.db.execute("UPDATE mitx_organization SET org_key_prefix = 'MIT_' WHERE org_key = 'BIGCO'")
    local.ok("create_courseware", "program", "program-v1:UAI+Other", "Other", "--live")
    local.ok("b2b_courseware", "add", str(contract), "program-v1:UAI+Other")
    ran = local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    label = f"{contract} - BigCo Contract (BigCo)"
    assert ran.lines == [
        f"'{PROGRAM}' is a program, so creating runs for all of its courses.",
        f"Program '{PROGRAM}' has 1 courses with no source runs; cannot create contract runs for these courses.",
        f"Added {PROGRAM} to {label}.",
        "Managed 3 courseware items for 1 specified courseware IDs.",
    ]
    year = local.scalar("SELECT strftime('%Y', 'now')")
    assert _contract_runs(local, contract) == [
        f"course-v1:UAI_BIGCO+A.0001x+1T{contract}C{year}_en",
        f"course-v1:UAI_BIGCO+B.0002x+1T{contract}C{year}_en",
        f"course-v1:UAI_BIGCO+C.0003x+1T{contract}C{year}_en",
    ]
    assert _links(local, contract) == [("program-v1:UAI+Other", 0), (PROGRAM, 1)]
    # The runs' edX clones are queued; no program task (skip_run_creation=True).
    assert local.scalar("SELECT COUNT(*) FROM mitx_clone_task") == 3
    assert local.scalar("SELECT COUNT(*) FROM mitx_program_task") == 0


def test_adding_a_program_again_makes_no_runs_and_keeps_one_link(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    again = local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    assert again.lines[-1] == "Managed 0 courseware items for 1 specified courseware IDs."
    assert "we're not rerunning it" in again.err
    assert len(_contract_runs(local, contract)) == 3
    assert _links(local, contract) == [(PROGRAM, 0)]


def test_remove_program_keeps_its_runs_without_the_flag(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    ran = local.ok("b2b_courseware", "remove", str(contract), PROGRAM)
    assert ran.lines == [f"Removed program {PROGRAM} from contract {contract} - BigCo Contract (BigCo)."]
    assert _links(local, contract) == []
    assert len(_contract_runs(local, contract)) == 3
    assert local.scalar("SELECT COUNT(*) FROM mitx_course_run WHERE b2b_contract_id = ? AND live = 1", contract) == 3


def test_remove_program_runs_deactivates_and_unlinks_the_programs_runs(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    runs = _contract_runs(local, contract)
    ran = local.ok("b2b_courseware", "remove", "--remove-program-runs", str(contract), PROGRAM)
    label = f"{contract} - BigCo Contract (BigCo)"
    assert ran.lines == [
        f"{PROGRAM} is a program and --remove-program-runs set, so adding 3 course runs",
        f"Removed program {PROGRAM} from contract {label}.",
        *(f"Deactivated and unlinked {run} from {label} (no enrollments)." for run in runs),
    ]
    assert _links(local, contract) == []
    assert _contract_runs(local, contract) == []
    # Re-adding the program makes new runs; the old ones are not re-attached.
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    assert all("+2T" in run for run in _contract_runs(local, contract))


def test_an_unknown_program_is_skipped_by_add_and_fails_remove(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    added = local.ok("b2b_courseware", "add", str(contract), "program-v1:UAI+Nope")
    assert added.lines == ["Managed 0 courseware items for 1 specified courseware IDs."]
    removed = local.manage("b2b_courseware", "remove", str(contract), "program-v1:UAI+Nope")
    assert removed.code == 1
    assert removed.err.splitlines()[-1] == "AttributeError: 'NoneType' object has no attribute 'is_program'"


# The Celery side effect of a link saved without skip_run_creation -------------------------


def test_a_link_saved_without_skip_queues_runs_with_the_organizations_prefix(local: Local) -> None:
    contract_id = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ctx.db.execute("UPDATE mitx_organization SET org_key_prefix = 'MIT_' WHERE org_key = 'BIGCO'")
    # A course already in the contract gets no second run from the task.
    local.ok("b2b_courseware", "add", "--prefix", "UAI_", str(contract_id), SECOND)
    contract = repo.contract_by_id(local.ctx.db, contract_id)
    program = programs.program_by_readable_id(local.ctx.db, PROGRAM)
    assert contract is not None and program is not None
    programs.link_program(local.ctx, contract, program, 0, skip_run_creation=False)
    assert len(_contract_runs(local, contract_id)) == 1  # nothing until the worker runs the task
    worker.tick(local.ctx)
    year = local.scalar("SELECT strftime('%Y', 'now')")
    assert _contract_runs(local, contract_id) == [
        f"course-v1:MIT_BIGCO+A.0001x+1T{contract_id}C{year}_en",
        f"course-v1:MIT_BIGCO+C.0003x+1T{contract_id}C{year}_en",
        f"course-v1:UAI_BIGCO+B.0002x+1T{contract_id}C{year}_en",
    ]
    assert local.scalar("SELECT status FROM mitx_program_task") == "succeeded"
    assert local.scalar("SELECT COUNT(*) FROM mitx_clone_task") == 3


# b2b_contract export / import --------------------------------------------------------------


def test_export_lists_linked_programs_in_order_with_courses_in_tree_order(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok(
        "create_courseware", "program", "program-v1:UAI+Other", "Other", "--live", "--dept", "Math", "--create-depts"
    )
    local.ok("b2b_courseware", "add", str(contract), "program-v1:UAI+Other")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    local.ok("create_courseware", "program", "program-v1:UAI+Unlinked", "Unlinked", "--live")
    exported = local.export(contract)["programs"]
    assert [(p["readable_id"], p["sort_order"], p["departments"]) for p in exported] == [
        ("program-v1:UAI+Other", 0, ["Math"]),
        (PROGRAM, 1, []),
    ]
    fundamentals = exported[1]
    assert [c["readable_id"] for c in fundamentals["courses"]] == [SOURCE_COURSE, SECOND, ELECTIVE]
    run = fundamentals["courses"][0]["source_runs"][0]
    assert run == {
        "courseware_id": f"{SOURCE_COURSE}+SOURCE",
        "run_tag": "SOURCE",
        "title": "Intro to Courses",
        "is_source_run": True,
        "is_primary_language": False,
        "language": "en",
        "variant_industry": "",
        "variant_length": "",
        "start_date": None,
        "end_date": None,
        "enrollment_start": None,
        "enrollment_end": None,
        "live": True,
        "is_self_paced": True,
        "has_courseware_url": True,
        "enrollment_modes": [],
    }


def test_export_falls_back_to_the_newest_non_b2b_run_with_a_warning(local: Local) -> None:
    local.ok("create_courseware", "course", NO_SOURCE, "Fourth", "--live", "--program", PROGRAM, "--required")
    local.ok("create_courseware", "courserun", NO_SOURCE, "Fourth", "--run-tag", "1T2026", "--live")
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    ran = local.ok("b2b_contract", "export", str(contract))
    courses = json.loads(ran.out)["programs"][0]["courses"]
    fallback = next(c for c in courses if c["readable_id"] == NO_SOURCE)["source_runs"]
    assert [(r["courseware_id"], r["is_source_run"]) for r in fallback] == [(f"{NO_SOURCE}+1T2026", True)]
    assert ran.err == (
        f"  Course {NO_SOURCE}: no designated source runs; using 1 most-recent non-B2B run(s) as fallback "
        "(will be flagged is_source_run=True on import)\n"
    )


def test_import_round_trip_recreates_programs_links_and_runs(local: Local, tmp_path: Path) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    document = local.export(contract)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    target = local_store(tmp_path / "target")
    ran = target.ok("b2b_contract", "import", str(path), "--commit")
    assert (
        "\nStep 2: Programs and courses\n"
        f"  Created program: {PROGRAM}\n"
        f"    Created course: {SOURCE_COURSE}\n" in ran.out
    )
    assert f"\nStep 5: Contract runs\n  Program: {PROGRAM}\n" in ran.out
    assert "  Created 3 contract run(s), 0 course(s) without source runs skipped\n" in ran.out
    new_id = target.contract_id("BIGCO", "BigCo Contract")
    assert _links(target, new_id) == [(PROGRAM, 0)]
    assert len(_contract_runs(target, new_id)) == 3
    assert target.scalar("SELECT COUNT(*) FROM mitx_clone_task") == 0  # skip_edx=True
    program_id = _program_id(target)
    # New programs are live with a live page; imported requirements are all required.
    assert target.scalar("SELECT live FROM mitx_program WHERE id = ?", program_id) == 1
    page = programs.page_of_program(target.ctx.db, program_id)
    assert page is not None and page.live
    requirements = programs.course_requirements(target.ctx.db, program_id)
    assert [(r.course.readable_id, r.elective) for r in requirements] == [
        (SOURCE_COURSE, False),
        (SECOND, False),
        (ELECTIVE, False),
    ]
    # The export of the imported contract lists the same program and courses.
    again = target.export(new_id)["programs"]
    assert [(p["readable_id"], [c["readable_id"] for c in p["courses"]]) for p in again] == [
        (PROGRAM, [SOURCE_COURSE, SECOND, ELECTIVE])
    ]


def test_import_with_skip_runs_only_links_and_a_dry_run_leaves_nothing(local: Local, tmp_path: Path) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(local.export(contract)), encoding="utf-8")
    target = local_store(tmp_path / "target")
    dry = target.ok("b2b_contract", "import", str(path), "--skip-runs")
    assert f"\nStep 5: Linking programs (--skip-runs set)\n  Linked {PROGRAM}\n" in dry.out
    assert target.scalar("SELECT COUNT(*) FROM mitx_program") == 0
    target.ok("b2b_contract", "import", str(path), "--skip-runs", "--commit")
    new_id = target.contract_id("BIGCO", "BigCo Contract")
    assert _links(target, new_id) == [(PROGRAM, 0)]
    assert _contract_runs(target, new_id) == []
    assert target.scalar("SELECT COUNT(*) FROM mitx_program_task") == 0


def test_import_links_a_program_whose_course_matches_no_variant(local: Local, tmp_path: Path) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    document = local.export(contract)
    # The course's only variant is French, its source run English: no source run matches.
    document["programs"][0]["courses"][0]["variant_options"] = [
        {"language": "fr", "variant_industry": "", "variant_length": "", "b2b_only": False, "default_variant": True}
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    target = local_store(tmp_path / "target")
    ran = target.ok("b2b_contract", "import", str(path), "--commit")
    assert f"    Skipped (no source run): No source run found for {SOURCE_COURSE} | Intro to Courses.\n" in ran.out
    assert _links(target, target.contract_id("BIGCO", "BigCo Contract")) == [(PROGRAM, 0)]


# import_courserun --program ----------------------------------------------------------------


def test_import_courserun_program_lookups(local: Local) -> None:
    unknown = local.ok("import_courserun", "--program", "program-v1:UAI+Nope", "--run-tag", "1T2026")
    assert unknown.lines == ["Program program-v1:UAI+Nope not found."]
    # Every course of the program already has a SOURCE run: nothing is read from edX.
    existing = local.ok("import_courserun", "--program", str(_program_id(local)), "--run-tag", "SOURCE")
    assert existing.lines == [
        f"{SOURCE_COURSE}+SOURCE appears to exist in MITx Online, skipping it",
        f"{SECOND}+SOURCE appears to exist in MITx Online, skipping it",
        f"{ELECTIVE}+SOURCE appears to exist in MITx Online, skipping it",
        "0 course runs created",
    ]
    # --program without --run-tag selects nothing.
    assert local.ok("import_courserun", "--program", PROGRAM).lines == ["0 course runs created"]


# REST ------------------------------------------------------------------------------------


def test_v2_programs_lists_fields_requirements_and_tree(local: Local) -> None:
    program_id = _program_id(local)
    listing = local.json("/api/v2/programs/")
    assert (listing["count"], listing["next"], listing["previous"]) == (1, None, None)
    item = listing["results"][0]
    ids = {r: _course_id(local, r) for r in (SOURCE_COURSE, SECOND, ELECTIVE)}
    assert list(item) == [
        "title", "readable_id", "id", "courses", "collections", "programs", "requirements", "req_tree", "page",
        "program_type", "certificate_type", "certificate_available", "departments", "live", "display_mode",
        "topics", "availability", "start_date", "end_date", "enrollment_start", "enrollment_end",
        "required_prerequisites", "duration", "min_weeks", "max_weeks", "min_price", "max_price",
        "time_commitment", "min_weekly_hours", "max_weekly_hours", "enrollment_modes", "products",
    ]  # fmt: skip
    assert (item["id"], item["readable_id"], item["title"], item["live"]) == (program_id, PROGRAM, "Fundamentals", True)
    assert item["courses"] == [ids[SOURCE_COURSE], ids[SECOND], ids[ELECTIVE]]
    assert item["programs"] is None
    assert item["requirements"] == {
        "courses": {
            "required": [{"id": ids[r], "readable_id": r} for r in (SOURCE_COURSE, SECOND)],
            "electives": [{"id": ids[ELECTIVE], "readable_id": ELECTIVE}],
        },
        "programs": {"required": [], "electives": []},
    }
    required, elective = item["req_tree"]
    assert required["data"] == {
        "node_type": "operator", "course": None, "program": program_id, "required_program": None,
        "title": "Required Courses", "operator": "all_of", "operator_value": None, "elective_flag": False,
    }  # fmt: skip
    assert [c["data"]["course"] for c in required["children"]] == [ids[SOURCE_COURSE], ids[SECOND]]
    assert (elective["data"]["operator"], elective["data"]["operator_value"], elective["data"]["elective_flag"]) == (
        "min_number_of",
        "1",
        True,
    )
    assert [c["data"]["course"] for c in elective["children"]] == [ids[ELECTIVE]]
    assert item["page"]["live"] is True


def test_v2_programs_detail_filters_and_b2b_only_programs_are_hidden(local: Local) -> None:
    program_id = _program_id(local)
    local.ok("create_courseware", "program", "program-v1:UAI+B2B", "B2B Only", "--live", "--b2b-only")
    local.ok("create_courseware", "program", "program-v1:UAI+Draft", "Draft")
    by_id = local.json(f"/api/v2/programs/{program_id}/")
    by_readable_id = local.json(f"/api/v2/programs/{PROGRAM}/")
    assert by_id == by_readable_id and by_id["programs"] == []
    listed = [p["readable_id"] for p in local.json("/api/v2/programs/")["results"]]
    assert listed == [PROGRAM, "program-v1:UAI+Draft"]
    assert [p["readable_id"] for p in local.json("/api/v2/programs/", "live=true")["results"]] == [PROGRAM]
    draft_id = _program_id(local, "program-v1:UAI+Draft")
    assert local.json("/api/v2/programs/", f"id={draft_id},{program_id}")["count"] == 2
    filtered = local.json("/api/v2/programs/", f"readable_id={PROGRAM.replace('+', '%2B')}")["results"]
    assert [p["programs"] for p in filtered] == [[]]
    # b2b_only: never listed nor found for an anonymous caller, even with org_id or contract_id.
    assert local.get("/api/v2/programs/program-v1:UAI+B2B/").status == 404
    assert local.json("/api/v2/programs/", "contract_id=1")["count"] == 2
    assert local.get("/api/v2/programs/", "page=2").status == 404


def test_contract_and_course_rest_show_programs(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("create_courseware", "program", "program-v1:UAI+B2B", "B2B Only", "--live", "--b2b-only", "--create-page")
    local.ok("b2b_courseware", "add", str(contract), "program-v1:UAI+B2B")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    b2b_id, program_id = _program_id(local, "program-v1:UAI+B2B"), _program_id(local)
    # Another program holding the first course, not B2B-only, not linked.
    local.ok("create_courseware", "program", "program-v1:UAI+Other", "Other")
    other_id = _program_id(local, "program-v1:UAI+Other")
    programs.add_course_requirement(local.ctx.db, b2b_id, _course_id(local, SOURCE_COURSE), elective=False)
    programs.add_course_requirement(local.ctx.db, other_id, _course_id(local, SOURCE_COURSE), elective=False)
    [shown] = local.json("/api/v0/b2b/contracts/", key=True)
    assert shown["programs"] == [b2b_id, program_id]

    def course_programs(path: str, query: str, *, key: bool = False) -> list[str]:
        results = local.json(path, query, key=key)["results"]
        return [p["readable_id"] for p in results[0]["programs"]]

    readable = f"readable_id={SOURCE_COURSE.replace('+', '%2B')}"
    assert course_programs("/api/v2/courses/", readable) == [PROGRAM, "program-v1:UAI+Other"]
    assert course_programs("/api/v2/courses/", f"{readable}&contract_id={contract}") == [PROGRAM, "program-v1:UAI+B2B"]
    # Internal: live programs with a live page, B2B-only ones included.
    assert course_programs("/api/internal/courses/", readable, key=True) == [PROGRAM, "program-v1:UAI+B2B"]
    first = local.json("/api/internal/courses/", readable, key=True)["results"][0]["programs"][0]
    assert first == {
        "title": "Fundamentals",
        "readable_id": PROGRAM,
        "id": program_id,
        "type": "program",
        "display_mode": None,
    }


# sync_courserun ----------------------------------------------------------------------------


def test_sync_courserun_without_run_or_all_is_a_usage_error(local: Local) -> None:
    ran = local.manage("sync_courserun")
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.splitlines()[-1] == "manage.py sync_courserun: error: one of the arguments --run --all is required"


# b2b_list --------------------------------------------------------------------------------


def test_b2b_list_courseware_shows_the_contracts_programs_before_its_runs(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    local.ok("b2b_courseware", "add", str(contract), PROGRAM)
    ran = local.ok("b2b_list", "courseware", "--contract", str(contract), env={"COLUMNS": "250"})
    rows = [line for line in ran.lines if "│" in line and ("PROG" in line or " CR " in line)]
    kinds = [("PROG" if "PROG" in row else "CR") for row in rows]
    assert kinds == ["PROG", "CR", "CR", "CR"]
    cells = [cell.strip() for cell in rows[0].split("│")[1:-1]]
    assert cells == [str(_program_id(local)), "BigCo", "PROG", PROGRAM, "Fundamentals", "---", "---"]


# sandbox_program_admin: hand edits -----------------------------------------------------------


def test_admin_link_queues_the_task_and_unlink_keeps_the_runs(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    ran = local.ok("sandbox_program_admin", "link", str(contract), PROGRAM)
    assert ran.lines == [
        f"Linked {PROGRAM} to {contract} - BigCo Contract (BigCo) (sort order 0); queued contract run creation."
    ]
    again = local.manage("sandbox_program_admin", "link", str(contract), PROGRAM)
    assert again.code == 1
    worker.tick(local.ctx)
    assert len(_contract_runs(local, contract)) == 3
    local.ok("sandbox_program_admin", "unlink", str(contract), PROGRAM)
    assert _links(local, contract) == []
    assert len(_contract_runs(local, contract)) == 3


def test_admin_set_and_requirements_change_what_rest_and_export_read(local: Local) -> None:
    local.ok("create_courseware", "course", NO_SOURCE, "Fourth", "--live")
    local.ok("sandbox_program_admin", "set", PROGRAM, "--title", "Renamed", "--not-live")
    local.ok("sandbox_program_admin", "requirements", PROGRAM, "--required", SECOND, "--elective", NO_SOURCE)
    item = local.json(f"/api/v2/programs/{PROGRAM}/")
    assert (item["title"], item["live"]) == ("Renamed", False)
    assert item["requirements"]["courses"] == {
        "required": [{"id": _course_id(local, SECOND), "readable_id": SECOND}],
        "electives": [{"id": _course_id(local, NO_SOURCE), "readable_id": NO_SOURCE}],
    }
    root = programs.requirements_root(local.ctx.db, _program_id(local))
    assert root.numchild == 2
    missing = local.manage("sandbox_program_admin", "requirements", PROGRAM, "--required", "course-v1:X+Y")
    assert (missing.code, missing.err) == (1, "CommandError: Course course-v1:X+Y does not exist.\n")


def test_a_failing_program_task_is_marked_failed_and_not_run_again(local: Local) -> None:
    contract = local.contract("BigCo", "BigCo Contract", "code", org_key="BIGCO")
    # The first course's source run matches no variant of the course: SourceCourseIncompleteError.
    local.ctx.db.execute(
        "INSERT INTO mitx_supported_variant (owner_type, owner_id, language, default_variant) "
        "VALUES ('course', ?, 'fr', 1)",
        (_course_id(local, SOURCE_COURSE),),
    )
    local.ok("sandbox_program_admin", "link", str(contract), PROGRAM)
    worker.tick(local.ctx)
    status, error = local.ctx.db.execute("SELECT status, last_error FROM mitx_program_task").fetchone()
    assert status == "failed"
    assert (
        error
        == f"b2b.exceptions.SourceCourseIncompleteError: No source run found for {SOURCE_COURSE} | Intro to Courses."
    )
    worker.tick(local.ctx)
    assert local.scalar("SELECT COUNT(*) FROM mitx_program_task WHERE status = 'failed'") == 1


# shell -c: the admin form's functions (courses.models, the tree serializer) ----------------

_WRITE = """
from courses.models import Course, Program
from courses.serializers.v1.programs import ProgramRequirementTreeSerializer
from django.db import transaction
import json
with transaction.atomic():
    program = Program.objects.select_for_update().get(readable_id={program!r})
    program.title = {title!r}
    program.save()
    ids = {{c.readable_id: c.id for c in Course.objects.filter(readable_id__in={required!r} + {elective!r})}}
    root = program.get_requirements_root(for_update=True)
    operators = {{bool(n.elective_flag): n for n in root.get_children()}}
    kept = {{c.course_id: c.id for n in operators.values() for c in n.get_children()}}
    def operator(elective, courses):
        existing = operators.get(elective)
        data = {{"node_type": "operator", "operator": "min_number_of" if elective else "all_of",
                 "title": "Elective Courses" if elective else "Required Courses", "elective_flag": elective}}
        if elective:
            data["operator_value"] = "1"
        children = [{{"id": kept.get(ids[c]), "data": {{"node_type": "course", "course": ids[c]}}}} for c in courses]
        return {{"id": existing.id if existing else None, "data": data, "children": children}}
    tree = [operator(False, {required!r}), operator(True, {elective!r})]
    serializer = ProgramRequirementTreeSerializer(root, context={{"program": program}}, data=tree)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    print(json.dumps(sorted(ids)))
"""


def _write(local: Local, title: str, required: list[str], elective: list[str]) -> Ran:
    code = _WRITE.format(program=PROGRAM, title=title, required=required, elective=elective)
    return local.manage("shell", "--no-imports", "-c", code)


def test_shell_code_rewrites_the_tree_through_the_serializer_keeping_node_ids(local: Local) -> None:
    local.ok("create_courseware", "course", NO_SOURCE, "Fourth", "--live")
    before = local.json(f"/api/v2/programs/{PROGRAM}/")["req_tree"]
    required_ids = {c["data"]["course"]: c["id"] for c in before[0]["children"]}
    ran = _write(local, "Renamed", [SECOND, NO_SOURCE], [SOURCE_COURSE])
    assert ran.code == 0, ran
    after = local.json(f"/api/v2/programs/{PROGRAM}/")
    assert after["title"] == "Renamed"
    required, elective = after["req_tree"]
    assert (required["id"], elective["id"]) == (before[0]["id"], before[1]["id"])
    # SECOND kept its node (moved to the front); NO_SOURCE and the elective SOURCE_COURSE are new nodes.
    assert [c["data"]["course"] for c in required["children"]] == [
        _course_id(local, SECOND),
        _course_id(local, NO_SOURCE),
    ]
    assert required["children"][0]["id"] == required_ids[_course_id(local, SECOND)]
    assert [c["data"]["course"] for c in elective["children"]] == [_course_id(local, SOURCE_COURSE)]
    assert after["requirements"]["courses"]["electives"] == [
        {"id": _course_id(local, SOURCE_COURSE), "readable_id": SOURCE_COURSE}
    ]
    # The elective course ELECTIVE was left out: its node is gone.
    assert (
        local.scalar("SELECT COUNT(*) FROM mitx_program_requirement WHERE course_id = ?", _course_id(local, ELECTIVE))
        == 0
    )
    root = programs.requirements_root(local.ctx.db, _program_id(local))
    assert (root.numchild, [n.numchild for n in programs.tree(local.ctx.db, root.program_id)][1:]) == (
        2,
        [2, 0, 0, 1, 0],
    )


def test_shell_code_that_raises_inside_atomic_changes_nothing(local: Local) -> None:
    ran = local.manage(
        "shell", "--no-imports", "-c",
        "from courses.models import Program\nfrom django.db import transaction\n"
        f"with transaction.atomic():\n    p = Program.objects.get(readable_id={PROGRAM!r})\n    p.title = 'X'\n"
        "    p.save()\n    Program.objects.get(readable_id='program-v1:missing')",
    )  # fmt: skip
    assert ran.code == 1
    assert ran.err.splitlines()[-1] == "courses.models.Program.DoesNotExist: Program matching query does not exist."
    assert local.scalar("SELECT title FROM mitx_program WHERE readable_id = ?", PROGRAM) == "Fundamentals"
    bad = local.manage(
        "shell", "--no-imports", "-c",
        "from courses.models import Program\n"
        "from courses.serializers.v1.programs import ProgramRequirementTreeSerializer\n"
        f"root = Program.objects.get(readable_id={PROGRAM!r}).get_requirements_root()\n"
        "ProgramRequirementTreeSerializer(root, data=[{'data': {'node_type': 'nope'}}]).is_valid(raise_exception=True)",
    )  # fmt: skip
    assert bad.code == 1
    assert bad.err.splitlines()[-1].startswith("rest_framework.exceptions.ValidationError: ")
    missing = local.manage("shell", "--no-imports", "-c", "import courses.admin")
    assert missing.err.splitlines()[-1] == "ModuleNotFoundError: No module named 'courses.admin'"


def test_shell_code_reads_a_program_and_its_courses_as_the_model_lists_them(local: Local) -> None:
    code = (
        "from courses.models import Program\nimport json\n"
        f"p = Program.objects.filter(readable_id={PROGRAM!r}).first()\n"
        "print(json.dumps([p.id, p.title, p.live, p.b2b_only, [c.readable_id for c in p.required_courses],"
        " [c.readable_id for c in p.elective_courses], [t for _, t in p.courses],"
        " Program.objects.filter(readable_id='program-v1:none').first(), Program.objects.filter(live=True).count(),"
        f" Program.objects.filter(readable_id__in=[{PROGRAM!r}]).exists()]))"
    )
    ran = local.ok("shell", "--no-imports", "-c", code)
    assert json.loads(ran.out) == [
        _program_id(local), "Fundamentals", True, False, [SOURCE_COURSE, SECOND], [ELECTIVE],
        ["Required Courses", "Required Courses", "Elective Courses"], None, 1, True,
    ]  # fmt: skip
