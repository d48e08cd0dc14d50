"""MITx Online against the sandbox's edX, through the CLI and HTTP (docs/platforms/mitxonline.md §3,
§9; docs/platforms/mitxonline.md §11): import from the LMS, the asynchronous clone after the
configured delay, the three B2B workflows, sync and remove.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import Sandbox, start_sandbox, unique

CLONE_DELAY = 2.0
YEAR = datetime.now(UTC).year


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = start_sandbox(tmp_path_factory.mktemp("mitxonline"), "--clone-delay", str(CLONE_DELAY))
    yield sandbox
    sandbox.cli("stop")


def manage(box: Sandbox, *argv: str, code: int = 0) -> list[str]:
    result = box.manage(*argv)
    assert result.returncode == code, (argv, result.stdout, result.stderr)
    return result.stdout.splitlines()


def db_value(box: Sandbox, sql: str, *params: object) -> Any:
    with sqlite3.connect(box.state_dir / "sandbox.sqlite3") as db:
        row = db.execute(sql, params).fetchone()
    return None if row is None else row[0]


def studio_get(box: Sandbox, key: str) -> httpx.Response:
    with box.studio() as client:
        return client.get(f"/api/v1/course_runs/{key}/")


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def source_course(box: Sandbox, *, title: str = "Intro to Courses") -> str:
    """A source course as docs/platforms/mitxonline.md §11 sets it up: Studio run, then ``import_courserun``."""
    number = unique("A.")
    with box.studio() as studio:
        created = studio.post(
            "/api/v1/course_runs/",
            json={
                "org": "UAI_SOURCE", "number": number, "run": "SOURCE", "title": title, "pacing_type": "self_paced",
                "schedule": {"start": "2025-01-01T00:00:00Z", "end": "2031-01-01T00:00:00Z"},
            },
        )  # fmt: skip
    assert created.status_code == 201, created.text
    key = f"course-v1:UAI_SOURCE+{number}+SOURCE"
    manage(box, "import_courserun", "--courserun", key, "--source-course", "--ingest-content-files-for-ai", "--live",
           "--create-cms-page")  # fmt: skip
    return key.removesuffix("+SOURCE")


def internal_runs(box: Sandbox, readable_id: str) -> dict[str, dict[str, Any]]:
    response = httpx.get(
        box.info["mitxonline_url"] + "/api/internal/courses/",
        params={"readable_id": readable_id},
        headers={"Authorization": f"Api-Key {box.info['mitxonline_api_key']}"},
    )
    assert response.status_code == 200, response.text
    (course,) = response.json()["results"]
    return {run["courseware_id"]: run for run in course["courseruns"]}


def contract_id(box: Sandbox, name: str) -> int:
    return int(db_value(box, "SELECT id FROM mitx_contract WHERE name = ? ORDER BY id DESC", name))


# import_courserun ---------------------------------------------------------------------


def test_import_courserun_creates_course_source_run_and_published_page(box: Sandbox) -> None:
    number = unique("I.")
    key = f"course-v1:UAI_SOURCE+{number}+SOURCE"
    with box.studio() as studio:
        studio.post("/api/v1/course_runs/", json={
            "org": "UAI_SOURCE", "number": number, "run": "SOURCE", "title": "Imported", "pacing_type": "self_paced",
            "schedule": {"start": "2025-02-01T00:00:00Z", "end": "2030-06-01T00:00:00Z"},
        })  # fmt: skip
    lines = manage(box, "import_courserun", "--courserun", key, "--source-course", "--live", "--create-cms-page")
    course = f"course-v1:UAI_SOURCE+{number}"
    assert lines == [
        "\t --> Created page Imported",
        f"WARNING: No specific run tag specified for {key} in language en, so using the default SOURCE. "
        "This is probably not what you want.",
        f"Created new run {key} in course {course}",
        # The new course has no variant sets, so no run is a valid variant of it.
        f"Created run {key} is not a valid variant for course {course}. "
        "Consider adjusting the run settings or course variant options.",
        "1 course runs created",
    ]
    run = internal_runs(box, course)[key]
    assert (run["start_date"], run["end_date"], run["is_self_paced"], run["live"]) == (
        "2025-02-01T00:00:00Z", "2030-06-01T00:00:00Z", True, True,
    )  # fmt: skip
    assert db_value(box, "SELECT is_source_run FROM mitx_course_run WHERE courseware_id = ?", key) == 1
    page_sql = (
        "SELECT p.live, p.slug FROM mitx_course_page p JOIN mitx_course c ON c.id = p.course_id WHERE c.readable_id = ?"
    )
    with sqlite3.connect(box.state_dir / "sandbox.sqlite3") as db:
        live, slug = db.execute(page_sql, (course,)).fetchone()
    # The default page slug is the readable id slugified (docs/platforms/mitxonline.md §3).
    assert (live, slug) == (1, f"course-v1uai_source{number.lower().replace('.', '')}")


def test_import_courserun_calls_the_lms_with_the_service_user(box: Sandbox) -> None:
    source_course(box)
    detail = [e for e in box.log() if e["kind"] == "http" and e["path"].startswith("/api/courses/v1/courses/")][-1]
    assert detail["status"] == 200
    assert "sandbox_service_worker" in json.dumps(detail["query"])


def test_import_courserun_skips_an_existing_run_without_updating_it(box: Sandbox) -> None:
    course = source_course(box)
    key = f"{course}+SOURCE"
    with box.studio() as studio:
        assert studio.patch(f"/api/v1/course_runs/{key}/", json={"title": "Renamed in Studio"}).status_code == 200
    assert manage(box, "import_courserun", "--courserun", key, "--source-course", "--live") == ["0 course runs created"]
    assert internal_runs(box, course)[key]["title"] == "Intro to Courses"


def test_import_courserun_of_a_missing_run_prints_the_http_error_and_exits_0(box: Sandbox) -> None:
    key = f"course-v1:UAI_SOURCE+{unique('M.')}+SOURCE"
    lines = manage(box, "import_courserun", "--courserun", key)
    # The command stops there: no count of created runs follows (issue #18 point 4).
    assert len(lines) == 1
    assert lines[0].startswith(f"Could not retrieve data for {key}: 404 Client Error: Not Found for url: ")


# Workflows ----------------------------------------------------------------------------


def test_workflow_1_federated_idp_contract(box: Sandbox) -> None:
    course = source_course(box)
    seeded = json.loads("".join(manage(box, "sandbox_keycloak_orgs", "add", "--name", "IDP University",
                                       "--alias", "IDPU")))  # fmt: skip
    manage(box, "sync_keycloak_orgs")
    manage(box, "b2b_contract", "create", "IDP University", "IDP University Contract", "managed")
    listing = "\n".join(manage(box, "b2b_list", "contracts", "--org", "IDPU"))
    contract = contract_id(box, "IDP University Contract")
    assert f" {contract} │" in listing  # the ID column is right-justified
    started = time.monotonic()
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = f"course-v1:UAI_IDPU+{course.split('+')[1]}+1T{contract}C{YEAR}_en"
    assert key in internal_runs(box, course)
    assert studio_get(box, key).status_code == 404, "the clone must wait for the delay"
    wait_for(lambda: studio_get(box, key).status_code == 200)
    assert time.monotonic() - started >= CLONE_DELAY
    assert db_value(box, "SELECT sso_organization_id FROM mitx_organization WHERE org_key = 'IDPU'") == seeded["id"]
    assert db_value(box, "SELECT COUNT(*) FROM mitx_discount d JOIN mitx_discount_product dp ON dp.discount_id = d.id "
                         "JOIN mitx_product p ON p.id = dp.product_id JOIN mitx_course_run r ON r.id = p.run_id "
                         "WHERE r.b2b_contract_id = ?", contract) == 0  # fmt: skip


def test_workflow_2_enrollment_codes(box: Sandbox, tmp_path: Path) -> None:
    course = source_course(box)
    manage(box, "sandbox_keycloak_orgs", "add", "--name", "University of Enrollment Codes", "--alias", "UCODE")
    manage(box, "sync_keycloak_orgs")
    manage(box, "b2b_contract", "create", "University of Enrollment Codes", "University of Enrollment Codes Contract",
           "code", "--max-learners", "15")  # fmt: skip
    contract = contract_id(box, "University of Enrollment Codes Contract")
    manage(box, "b2b_courseware", "add", "--make-codes", str(contract), course)
    target = tmp_path / "codes.json"
    manage(box, "b2b_codes", "output", "--contract", str(contract), "--all", "--format", "json",
           "--filename", str(target))  # fmt: skip
    shown = box.manage("shell", "--no-imports", "-c", f"print(open({str(target)!r}).read())")
    codes = json.loads(shown.stdout)
    key = f"course-v1:UAI_UCODE+{course.split('+')[1]}+1T{contract}C{YEAR}_en"
    assert len(codes) == 15
    assert {c["Course Run"] for c in codes} == {key}
    wait_for(lambda: studio_get(box, key).status_code == 200)


def test_workflow_3_single_course_contract_and_the_second_create(box: Sandbox) -> None:
    course = source_course(box)
    manage(box, "b2b_contract", "create", "BigCo Codes", "BigCo Codes Contract", "code", "--max-learners", "15",
           "--create", "--org-key", "BIGCO")  # fmt: skip
    first = contract_id(box, "BigCo Codes Contract")
    manage(box, "b2b_courseware", "add", "--make-codes", str(first), course)
    manage(box, "b2b_contract", "create", "BigCo Codes", "BigCo Codes Contract", "code", "--max-learners", "15")
    assert db_value(box, "SELECT slug FROM mitx_contract WHERE id = ?", contract_id(box, "BigCo Codes Contract")) == (
        "bigco-codes-contract-2"
    )
    key = f"course-v1:UAI_BIGCO+{course.split('+')[1]}+1T{first}C{YEAR}_en"
    wait_for(lambda: studio_get(box, key).status_code == 200)


# The clone ----------------------------------------------------------------------------


def test_clone_pushes_title_pacing_contract_dates_and_modes(box: Sandbox) -> None:
    course = source_course(box, title="Dated Course")
    start, end = date.today(), date.today() + timedelta(days=120)
    manage(box, "b2b_contract", "create", "Dated Org", "Dated Contract", "code", "--create", "--org-key", unique("D"),
           "--start", start.isoformat(), "--end", end.isoformat())  # fmt: skip
    contract = contract_id(box, "Dated Contract")
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key)
             == "succeeded")  # fmt: skip
    edx_run = studio_get(box, key).json()
    assert (edx_run["title"], edx_run["pacing_type"]) == ("Dated Course", "self_paced")
    assert edx_run["schedule"]["start"] == f"{start}T00:00:00Z"
    assert edx_run["schedule"]["end"] == f"{end}T00:00:00Z"
    modes = httpx.get(
        f"{box.info['edx_lms_url']}/api/course_modes/v1/courses/{key}/", headers={"Authorization": f"JWT {box.token()}"}
    ).json()
    assert sorted((m["mode_slug"], m["min_price"]) for m in modes) == [("audit", 0), ("verified", 1)]


def test_the_log_tells_mitxonlines_own_edx_calls_from_the_clients(box: Sandbox) -> None:
    """The benchmark counts the provider's requests apart from those MITx Online makes
    itself: a clone is MITx Online's (as `process_course_run_clone`, `fix_cloned_run_data`
    and `push_edx_modes_from_run` make them: a JWT each, docs/platforms/mitxonline.md §9), a
    test's own read is the client's."""
    course = source_course(box)
    manage(box, "b2b_contract", "create", "Caller Org", "Caller Contract", "code", "--create", "--org-key", unique("C"))
    contract = contract_id(box, "Caller Contract")
    before = len(box.log())
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key)
             == "succeeded")  # fmt: skip
    studio_get(box, key)
    http = [e for e in box.log()[before:] if e["kind"] == "http"]
    theirs = [(e["app"], e["method"], e["path"]) for e in http if e["caller"] == "mitxonline"]
    assert theirs.count(("lms", "POST", "/oauth2/access_token")) == 3
    assert ("studio", "POST", "/api/v1/course_runs/clone/") in theirs
    assert ("studio", "PUT", f"/api/v1/course_runs/{key}/") in theirs
    assert http[-1]["caller"] == "client" and http[-1]["path"] == f"/api/v1/course_runs/{key}/"


def test_clone_without_contract_end_keeps_the_source_dates(box: Sandbox) -> None:
    course = source_course(box)
    manage(box, "b2b_contract", "create", "Open Org", "Open Contract", "code", "--create", "--org-key", unique("O"))
    contract = contract_id(box, "Open Contract")
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: studio_get(box, key).status_code == 200)
    wait_for(lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key)
             == "succeeded")  # fmt: skip
    assert studio_get(box, key).json()["schedule"]["end"] == "2031-01-01T00:00:00Z"


def test_clone_stops_when_the_target_already_exists_in_edx(box: Sandbox) -> None:
    course = source_course(box)
    org_key = unique("X")
    manage(box, "b2b_contract", "create", "Taken Org", "Taken Contract", "code", "--create", "--org-key", org_key)
    contract = contract_id(box, "Taken Contract")
    number = course.split("+")[1]
    with box.studio() as studio:
        made = studio.post("/api/v1/course_runs/", json={
            "org": f"UAI_{org_key}", "number": number, "run": f"1T{contract}C{YEAR}_en", "title": "Squatter",
        })  # fmt: skip
    assert made.status_code == 201, made.text
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = f"course-v1:UAI_{org_key}+{number}+1T{contract}C{YEAR}_en"
    wait_for(
        lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key) == "failed"
    )
    assert db_value(box, "SELECT last_error FROM mitx_clone_task WHERE target_courseware_id = ?", key) == (
        f"ValueError: Course ID {key} was found in edX. Can't continue."
    )
    assert studio_get(box, key).json()["title"] == "Squatter"


def test_a_failing_clone_is_retried_later(box: Sandbox) -> None:
    course = source_course(box)
    manage(box, "b2b_contract", "create", "Retry Org", "Retry Contract", "code", "--create", "--org-key", unique("R"))
    contract = contract_id(box, "Retry Contract")
    box.cli("fault", "add", "--app", "studio", "--method", "POST", "--path", "/api/v1/course_runs/clone/",
            "--status", "503")  # fmt: skip
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: db_value(box, "SELECT attempts FROM mitx_clone_task WHERE target_courseware_id = ?", key) == 1)
    assert db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key) == "pending"
    eta = db_value(box, "SELECT eta FROM mitx_clone_task WHERE target_courseware_id = ?", key)
    assert eta - time.time() > 200  # about 5 minutes, as OPENEDX_COURSE_CLONE_RETRY_DELAY says
    assert studio_get(box, key).status_code == 404


# sync_courserun and remove --------------------------------------------------------------


def test_sync_courserun_copies_title_dates_and_pacing_from_edx(box: Sandbox) -> None:
    course = source_course(box)
    manage(box, "b2b_contract", "create", "Sync Org", "Sync Contract", "code", "--create", "--org-key", unique("S"))
    contract = contract_id(box, "Sync Contract")
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key)
             == "succeeded")  # fmt: skip
    with box.studio() as studio:
        studio.patch(f"/api/v1/course_runs/{key}/", json={
            "title": "Edited in Studio", "pacing_type": "instructor_paced",
            "schedule": {"start": "2027-01-01T00:00:00Z", "end": "2027-12-31T00:00:00Z"},
        })  # fmt: skip
    assert manage(box, "sync_courserun", "--run", key) == ["Sync complete: 1 updated, 0 failures"]
    run = internal_runs(box, course)[key]
    assert (run["title"], run["is_self_paced"], run["start_date"], run["end_date"]) == (
        "Edited in Studio", False, "2027-01-01T00:00:00Z", "2027-12-31T00:00:00Z",
    )  # fmt: skip


def test_remove_pushes_title_and_pacing_to_edx_without_a_schedule(box: Sandbox) -> None:
    course = source_course(box)
    manage(box, "b2b_contract", "create", "Rm Org", "Rm Contract", "code", "--create", "--org-key", unique("X"))
    contract = contract_id(box, "Rm Contract")
    manage(box, "b2b_courseware", "add", str(contract), course)
    key = db_value(box, "SELECT courseware_id FROM mitx_course_run WHERE b2b_contract_id = ?", contract)
    wait_for(lambda: db_value(box, "SELECT status FROM mitx_clone_task WHERE target_courseware_id = ?", key)
             == "succeeded")  # fmt: skip
    before = len(box.log())
    lines = manage(box, "b2b_courseware", "remove", str(contract), course)
    assert lines == [
        f"Added 1 course runs from course {course} to remove from contract {contract} - Rm Contract (Rm Org).",
        f"Deactivated and unlinked {key} from {contract} - Rm Contract (Rm Org) (no enrollments).",
    ]
    puts = [e for e in box.log()[before:] if e["kind"] == "http" and e["method"] == "PUT"]
    assert [e["path"] for e in puts] == [f"/api/v1/course_runs/{key}/"]


# Programs (docs/platforms/mitxonline.md §3, §9, §13) -------------------------------------


def test_program_workflow_import_by_program_add_and_the_admin_link(box: Sandbox) -> None:
    """A program's courses made with ``--program``, their source runs imported with
    ``import_courserun --program``, then the program sold to two contracts: through
    ``b2b_courseware add`` (runs at once) and through the admin's link (runs made by the
    Celery task); every run is cloned in edX after the delay."""
    numbers = [unique("P."), unique("P.")]
    with box.studio() as studio:
        for number in numbers:
            created = studio.post(
                "/api/v1/course_runs/",
                json={"org": "UAI_SOURCE", "number": number, "run": "SOURCE", "title": f"Course {number}",
                      "pacing_type": "self_paced"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
    program = f"program-v1:UAI+{unique('Prog')}"
    manage(box, "create_courseware", "program", program, "Program", "--live", "--create-page")
    courses = [f"course-v1:UAI_SOURCE+{number}" for number in numbers]
    for course, flag in zip(courses, ("--required", "--elective"), strict=True):
        manage(box, "create_courseware", "course", course, f"Course {course}", "--live", "--program", program, flag)
    imported = manage(box, "import_courserun", "--program", program, "--run-tag", "SOURCE", "--source-course", "--live")
    assert imported[-1] == "2 course runs created"
    assert [f"Created new run {c}+SOURCE in course {c}" for c in courses] == [
        line for line in imported if line.startswith("Created new run")
    ]

    org_key = unique("PORG").upper()
    manage(
        box, "b2b_contract", "create", f"Org {org_key}", f"Added {org_key}", "code", "--create", "--org-key", org_key
    )
    manage(box, "b2b_contract", "create", org_key, f"Linked {org_key}", "managed")
    added, linked = contract_id(box, f"Added {org_key}"), contract_id(box, f"Linked {org_key}")

    lines = manage(box, "b2b_courseware", "add", str(added), program)
    assert lines[-1] == "Managed 2 courseware items for 1 specified courseware IDs."
    manage(box, "sandbox_program_admin", "link", str(linked), program)
    for contract in (added, linked):
        for course, number in zip(courses, numbers, strict=True):
            key = f"course-v1:UAI_{org_key}+{number}+1T{contract}C{YEAR}_en"
            # The linked contract's runs exist once the worker ran the program task.
            wait_for(lambda key=key, course=course: key in internal_runs(box, course))
            wait_for(lambda key=key: studio_get(box, key).status_code == 200)
    exported = json.loads("\n".join(manage(box, "b2b_contract", "export", str(linked))))
    assert [(p["readable_id"], [c["readable_id"] for c in p["courses"]]) for p in exported["programs"]] == [
        (program, courses)
    ]
