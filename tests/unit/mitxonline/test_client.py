"""The shared client: one listing per refresh, forgotten after writes; codes in one command; the edX wait."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from provider.errors import CommandFailed, CommandRefused, UnreadableOutput, retryable_command
from provider.mitxonline import commands, outputs
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.clone_wait import MIN_PAUSE_S
from provider.mitxonline.listing import upsert_contract
from provider.mitxonline.reads import SharedReads
from provider.mitxonline.retries import WITHHELD
from provider.mitxonline.run_keys import contract_of_run
from provider.mitxonline.transport import Completed
from tests.unit.mitxonline.fake import FakeMitx, ok, table


def contract(**fields: object) -> dict[str, object]:
    return {
        "id": 18,
        "name": "IDP University Contract",
        "slug": "idp-university-contract",
        "org_name": "IDP University",
        "membership_type": "managed",
        **fields,
    }


class ArrivalLock:
    """`SharedReads`' own lock, which sets `arrived` once it has been taken `count` times:
    every caller has then entered `get` or `update` and is at, or on its way to, the
    key's lock, so a test can release a running load knowing the others are waiting."""

    def __init__(self, count: int) -> None:
        self._lock = threading.Lock()
        self._left = count
        self.arrived = threading.Event()

    def __enter__(self) -> None:
        self._lock.acquire()
        self._left -= 1
        if self._left == 0:
            self.arrived.set()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_concurrent_reads_of_one_key_load_once(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = SharedReads()
    arrivals = ArrivalLock(4)
    monkeypatch.setattr(shared, "_lock", arrivals)
    loads: list[int] = []

    def load() -> int:
        assert arrivals.arrived.wait(5)
        loads.append(1)
        return 7

    threads = [threading.Thread(target=lambda: shared.get("b2b_list contracts", load)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert loads == [1]


def test_forget_and_age_make_the_next_read_load_again() -> None:
    now = [0.0]
    shared = SharedReads(max_age=300, clock=lambda: now[0])
    counter = iter(range(10))
    assert shared.get("k", lambda: next(counter)) == 0
    assert shared.get("k", lambda: next(counter)) == 0
    shared.forget()
    assert shared.get("k", lambda: next(counter)) == 1
    now[0] = 301
    assert shared.get("k", lambda: next(counter)) == 2


def test_many_contract_reads_cost_one_listing(fake: FakeMitx, client: MitxOnline) -> None:
    fake.contracts = [contract(id=n, slug=f"c{n}", max_learners=15, price="12.50") for n in range(18, 28)]
    rows = [client.contract(n) for n in range(18, 28)]
    assert fake.commands() == ["listings"]
    assert rows[0] is not None and (rows[0].max_learners, rows[0].price) == (15, Decimal("12.50"))
    assert client.contract(99) is None


def test_a_write_forgets_the_listing(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_contract modify")
    fake.contracts = [contract()]
    client.contracts()
    client.write(commands.contract_modify(18, {"active": False}), "deactivate")
    client.contracts()
    assert fake.commands() == ["listings", "b2b_contract modify", "listings"]


def test_a_failed_write_forgets_the_listing_too(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("b2b_contract modify", lambda args, stdin: Completed(1, "", "boom"))
    client.contracts()
    with pytest.raises(CommandFailed, match="boom"):
        client.write(commands.contract_modify(18, {"active": False}), "deactivate")
    client.contracts()
    assert fake.commands().count("listings") == 2


def test_a_write_that_cannot_change_contracts_keeps_the_listing(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_codes validate", "b2b_courseware add")
    fake.contracts = [contract()]
    client.contracts()
    client.write(commands.codes_validate(18), "validate")
    client.write(commands.courseware_add(18, ["course-v1:MITx+1"], make_codes=True), "add")
    assert client.contract(18) is not None
    assert fake.commands().count("listings") == 1


def test_a_write_that_says_how_it_changed_the_listing_updates_it(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_contract modify")
    fake.contracts = [contract()]
    client.contracts()
    row = client.contracts()[0].model_copy(update={"id": 19, "slug": "new"})
    client.write(commands.contract_modify(18, {"active": False}), "modify", lambda done: upsert_contract(row))
    assert [r.id for r in client.contracts()] == [18, 19]
    assert fake.commands().count("listings") == 1
    # A change that cannot be told (None) forgets the listing.
    client.write(commands.contract_modify(18, {"active": False}), "modify", lambda done: None)
    client.contracts()
    assert fake.commands().count("listings") == 2


def test_one_command_lists_contracts_and_organizations(fake: FakeMitx, client: MitxOnline) -> None:
    fake.contracts = [contract()]
    fake.organizations = [{"id": 3, "name": "BigCo", "slug": "org-bigco", "key": "BIGCO"}]
    assert [r.id for r in client.contracts()] == [18]
    assert [r.key for r in client.organization_rows()] == ["BIGCO"]
    assert fake.commands() == ["listings"]
    code = fake.calls[0][-1]
    assert fake.calls[0][:3] == ["shell", "--no-imports", "-c"] and "\n" not in code
    assert "call_command('b2b_list', listing, stdout=buffer)" in code


def test_after_an_import_organizations_are_listed_again_but_not_after_a_modify(
    fake: FakeMitx, client: MitxOnline
) -> None:
    fake.accept("b2b_contract modify", "b2b_contract import")
    fake.contracts = [contract()]
    client.organization_rows()
    row = client.contracts()[0].model_copy(update={"id": 19, "slug": "new"})
    client.write(commands.contract_modify(18, {"active": False}), "modify", lambda done: upsert_contract(row))
    client.organization_rows()
    assert fake.commands() == ["listings", "b2b_contract modify"]
    # An import may have created the organization it names.
    client.write(commands.contract_import({"version": 1}, "other"), "import", lambda done: upsert_contract(row))
    assert [r.id for r in client.contracts()] == [18, 19]
    assert fake.commands() == ["listings", "b2b_contract modify", "b2b_contract import"]
    client.organization_rows()
    assert fake.commands() == ["listings", "b2b_contract modify", "b2b_contract import", "listings"]


def test_after_an_import_that_found_its_organization_organizations_are_not_listed_again(
    fake: FakeMitx, client: MitxOnline
) -> None:
    fake.on("b2b_contract import", lambda args, stdin: ok("Step 1: Organization\n  Organization exists: BIGCO\n"))
    fake.contracts = [contract()]
    client.organization_rows()
    row = client.contracts()[0].model_copy(update={"id": 19, "slug": "new"})
    client.write(commands.contract_import({"version": 1}, "other"), "import", lambda done: upsert_contract(row))
    client.organization_rows()
    assert [r.id for r in client.contracts()] == [18, 19]
    assert fake.commands() == ["listings", "b2b_contract import"]


def _import_of(name: str) -> commands.Invocation:
    return commands.contract_import({"version": 1, "organization": {"name": name, "org_key": "NEWCO"}}, "other")


NEWCO = {"id": 4, "name": "NewCo", "slug": "org-newco", "key": "NEWCO"}


def _import_creating_newco_after(fake: FakeMitx, client: MitxOnline, meanwhile: dict[str, object]) -> None:
    """List BigCo; `meanwhile` appears; then an import creates NewCo (REST sees both,
    the listing neither)."""
    fake.contracts = [contract()]
    fake.organizations = [{"id": 3, "name": "BigCo", "slug": "org-bigco", "key": "BIGCO"}]
    client.organization_rows()
    fake.organizations.append(meanwhile)

    def run(args: list[str], stdin: str | None) -> Completed:
        fake.organizations.append(NEWCO)
        return ok("Step 1: Organization\n  Created organization: NEWCO\n")

    fake.on("b2b_contract import", run)
    row = client.contracts()[0].model_copy(update={"id": 19, "slug": "new"})
    client.write(_import_of("NewCo"), "import", lambda done: upsert_contract(row))


def test_an_import_that_created_its_organization_adds_the_row_from_rest_without_a_listing(
    fake: FakeMitx, client: MitxOnline
) -> None:
    # Another worker's import made an organization since the listing: the name tells them apart.
    _import_creating_newco_after(fake, client, {"id": 5, "name": "Other", "slug": "org-other", "key": "OTHER"})
    rows = client.organization_rows()
    assert [(r.id, r.name, r.slug, r.key) for r in rows] == [
        (3, "BigCo", "org-bigco", "BIGCO"),
        (4, "NewCo", "org-newco", "NEWCO"),
    ]
    assert fake.commands() == ["listings", "b2b_contract import"]


def test_an_import_that_created_an_organization_lists_again_when_rest_cannot_tell_it(
    fake: FakeMitx, client: MitxOnline
) -> None:
    # Two organizations named NewCo are missing from the listing: list again.
    _import_creating_newco_after(fake, client, {"id": 5, "name": "NewCo", "slug": "org-newco-2", "key": "HAND"})
    assert sorted(r.key for r in client.organization_rows()) == ["BIGCO", "HAND", "NEWCO"]
    assert fake.commands() == ["listings", "b2b_contract import", "listings"]


def test_imported_organization_name_comes_from_the_export_document() -> None:
    assert outputs.imported_organization_name(_import_of("NewCo")) == "NewCo"
    assert outputs.imported_organization_name(commands.contract_import({"version": 1}, "s")) is None


def test_a_listing_that_is_not_the_expected_json_is_a_clear_failure(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("listings", lambda args, stdin: ok('{"contracts": ""}'))
    with pytest.raises(UnreadableOutput, match="tables contracts, organizations") as caught:
        client.contracts()
    # Unreadable output is not a failed command: it is not retried, and does not say "exited 0".
    assert not isinstance(caught.value, CommandFailed) and not retryable_command(caught.value)
    assert "exited" not in str(caught.value)
    assert fake.commands() == ["listings"]


def test_a_failed_write_forgets_the_listing_even_with_an_update(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("b2b_codes validate", lambda args, stdin: Completed(1, "", "boom"))
    client.contracts()
    with pytest.raises(CommandFailed, match="boom"):
        client.write(commands.codes_validate(18), "validate")
    client.contracts()
    assert fake.commands().count("listings") == 2


def test_an_update_waits_for_a_running_load_and_applies_to_its_result(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = SharedReads()
    # The reader's `get` takes the lock once before loading, the writer's `update` once.
    arrivals = ArrivalLock(2)
    monkeypatch.setattr(shared, "_lock", arrivals)

    def load() -> list[int]:
        assert arrivals.arrived.wait(5)
        return [1]

    reader = threading.Thread(target=lambda: shared.get("k", load))
    reader.start()
    writer = threading.Thread(target=lambda: shared.update("k", lambda rows: [*rows, 2]))
    writer.start()
    reader.join(5)
    writer.join(5)
    assert shared.get("k", lambda: [99]) == [1, 2]


def test_contract_rows_read_unlimited_seats_free_price_and_inactive(fake: FakeMitx, client: MitxOnline) -> None:
    fake.contracts = [contract(active=False, start="2026-11-01", end="2027-11-30")]
    row = client.contract(18)
    assert row is not None
    assert (row.active, row.max_learners, row.price, str(row.start)) == (False, None, None, "2026-11-01")


def test_contract_by_slug_tells_its_own_from_another_organizations(fake: FakeMitx, client: MitxOnline) -> None:
    fake.organizations = [
        {"id": 17, "name": "IDP University", "slug": "org-idp-university", "key": "IDPU"},
        {"id": 20, "name": "BigCo", "slug": "org-bigco", "key": "BIGCO"},
    ]
    fake.contracts = [contract(id=18, slug="shared"), contract(id=21, slug="shared", org_name="BigCo")]
    mine, others = client.contract_by_slug("BIGCO", "shared")
    assert mine is not None and mine.id == 21
    assert [row.id for row in others] == [18]


def test_contract_by_slug_needs_no_organization_listing_when_the_slug_is_free(
    fake: FakeMitx, client: MitxOnline
) -> None:
    fake.contracts = [contract()]
    assert client.contract_by_slug("IDPU", "new-contract") == (None, [])
    assert fake.commands() == ["listings"]


CODE_ROWS = [
    {"Contract": "BigCo", "Course Run": "course-v1:UAI_B+A+1T21C2026_en", "Enrollment Code": "a"},
    {"Contract": "BigCo", "Course Run": "course-v1:UAI_B+B+2T21C2026_en", "Enrollment Code": "b"},
    {"Contract": "BigCo", "Course Run": "course-v1:UAI_C+A+1T2C2026_en", "Enrollment Code": "c"},
    {"Contract": "Old", "Course Run": "course-v1:UAI_D+A+2025_C7", "Enrollment Code": "d"},
]


def test_codes_of_every_contract_cost_one_command(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("shell", lambda args, stdin: ok(json.dumps(CODE_ROWS)))
    assert [c.code for c in client.codes(21)] == ["a", "b"]
    assert [c.code for c in client.codes(2)] == ["c"]
    assert [c.code for c in client.codes(7)] == ["d"]
    assert fake.commands() == ["shell"]
    code = fake.calls[0][-1]
    assert "print_command_file(('b2b_codes', 'output', '--all', " in code and "'--contract'" not in code


def test_codes_of_one_contract_are_read_for_it_alone(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_codes validate")
    fake.on("shell", lambda args, stdin: ok(json.dumps(CODE_ROWS[:2])))
    assert [c.code for c in client.contract_codes(21)] == ["a", "b"]
    assert [c.code for c in client.contract_codes(21)] == ["a", "b"]
    assert fake.commands() == ["shell"]
    assert "print_command_file(('b2b_codes', 'output', '--contract', '21', '--all', " in fake.calls[0][-1]
    client.write(commands.codes_validate(21), "validate")
    client.contract_codes(21)
    assert fake.commands() == ["shell", "b2b_codes validate", "shell"]


def test_an_empty_codes_read_is_no_codes(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("shell", lambda args, stdin: ok("[]"))
    assert client.contract_codes(21) == []


def test_a_failed_codes_read_is_retried_and_never_shows_its_stdout(fake: FakeMitx, client: MitxOnline) -> None:
    secret = json.dumps(CODE_ROWS)
    fake.on("shell", lambda args, stdin: Completed(1, secret, ""))
    with pytest.raises(CommandFailed) as caught:
        client.contract_codes(21)
    assert fake.commands() == ["shell"] * 3  # a read: retried like every read command
    assert caught.value.stdout == WITHHELD
    assert "Enrollment Code" not in str(caught.value) and '"a"' not in str(caught.value)


def test_a_codes_read_that_prints_no_rows_hides_what_it_printed(fake: FakeMitx, client: MitxOnline) -> None:
    fake.on("shell", lambda args, stdin: ok(json.dumps([{"Course Run": "x", "secret": "s3cr3t"}])))
    with pytest.raises(UnreadableOutput) as caught:
        client.codes(21)
    assert "s3cr3t" not in str(caught.value) and caught.value.stdout == WITHHELD


def test_a_codes_read_of_a_missing_contract_is_a_refusal(fake: FakeMitx, client: MitxOnline) -> None:
    traceback = "Traceback (most recent call last):\n...\ndjango.core.management.base.CommandError: " + (
        "Identifier 99 not found.\n"
    )
    fake.on("shell", lambda args, stdin: Completed(1, "", traceback))
    with pytest.raises(CommandRefused, match="MITx Online has no contract 99"):
        client.contract_codes(99)
    assert fake.commands() == ["shell"]


def test_contract_of_run_reads_both_key_formats() -> None:
    assert contract_of_run("course-v1:UAI_BIGCO+A.0001x+1T21C2026_en") == 21
    assert contract_of_run("course-v1:UAI_BIGCO+A.0001x+12T3C2026_es_419_E_S") == 3
    assert contract_of_run("course-v1:UAI_IDPU+A.0001x+2025_C101") == 101
    assert contract_of_run("course-v1:UAI_SOURCE+A.0001x+SOURCE") is None


def test_wait_for_edx_looks_again_soon_then_less_often_until_the_clone_appears(
    fake: FakeMitx, client: MitxOnline
) -> None:
    keys = ["course-v1:UAI_B+A+1T21C2026_en", "course-v1:UAI_B+B+1T21C2026_en"]
    fake.edx_runs = {keys[0]}
    original = fake.sleep
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        original(seconds)
        if fake.now >= 15:
            fake.edx_runs.add(keys[1])

    fake.sleep = sleep  # type: ignore[method-assign]
    waiting = fake.client()
    assert waiting.wait_for_edx(keys, timeout=60, poll=5) == []
    # The shortest pause first, doubling up to the poll interval, until the clone appears
    # (at 15 s).
    doubling = [MIN_PAUSE_S * 2**i for i in range(6)]
    assert pauses[: len(doubling)] == pytest.approx(doubling) and set(pauses[len(doubling) :]) == {5}
    # Seen at the first look after it appeared.
    assert fake.now == pytest.approx(sum(pauses)) and sum(pauses[:-1]) < 15 <= sum(pauses)


def test_wait_for_edx_gives_up_at_the_deadline(fake: FakeMitx, client: MitxOnline) -> None:
    assert client.wait_for_edx(["course-v1:UAI_B+A+1T21C2026_en"], timeout=30, poll=5) == [
        "course-v1:UAI_B+A+1T21C2026_en"
    ]
    assert fake.now == 30


def test_rest_reads_send_the_api_key_and_encode_plus(fake: FakeMitx, client: MitxOnline) -> None:
    fake.add_course("course-v1:UAI_SOURCE+A.0001x")
    assert client.course("course-v1:UAI_SOURCE+A.0001x") is not None
    assert "%2B" in str(fake.http[0].url)
    # The second request asks the `live` filter, since the serializer has no `live` (docs/platforms/mitxonline.md §6).
    assert fake.http[1].url.params["live"] == "true"
    assert client.course("course-v1:UAI_SOURCE+A.0001x") is not None
    assert len(fake.http) == 2


def test_a_narrowed_listing_is_one_line_naming_the_setting_to_check(fake: FakeMitx, client: MitxOnline) -> None:
    narrowed = table(["ID", "Name"], [["18", "University of Enrollm…"]])
    fake.on("listings", lambda args, stdin: ok(json.dumps({"contracts": narrowed, "organizations": narrowed})))
    with pytest.raises(UnreadableOutput) as caught:
        client.contracts()
    message = str(caught.value)
    assert "\n" not in message and "University" not in message
    assert message.startswith("list contracts and organizations: b2b_list printed a narrowed table")
    assert "courseware:mitxonline.manageCommand" in message


def _course_reads(fake: FakeMitx) -> list[str]:
    return [r.url.params["readable_id"] for r in fake.http if r.url.path == "/api/internal/courses/" and
            "live" not in r.url.params]  # fmt: skip


def test_a_write_forgets_only_the_course_reads_it_can_change(fake: FakeMitx, client: MitxOnline) -> None:
    """Issue 27: each course is read once per operation, not again after every other
    contract's commands; a command that names a course forgets that course's read."""
    a, b = "course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI_SOURCE+B.0001x"
    fake.add_course(a)
    fake.add_course(b)
    fake.accept("b2b_courseware add", "b2b_codes validate", "b2b_contract modify")

    def read_both() -> None:
        assert client.course(a) is not None and client.course(b) is not None

    read_both()
    client.write(commands.codes_validate(7), "validate")
    read_both()
    assert _course_reads(fake) == [a, b]
    client.write(commands.courseware_add(7, [a], make_codes=False), "add")
    read_both()
    assert _course_reads(fake) == [a, b, a]
    # A modify may change its contract's runs: every course is read again.
    client.write(commands.contract_modify(7, {"max_learners": 3}), "modify")
    read_both()
    assert _course_reads(fake) == [a, b, a, a, b]
    # So does a failed write, whatever it names.
    fake.on("b2b_codes validate", lambda args, stdin: Completed(1, "", "boom"))
    with pytest.raises(CommandFailed):
        client.write(commands.codes_validate(7), "validate")
    read_both()
    assert _course_reads(fake) == [a, b, a, a, b, a, b]


def test_codes_outlive_a_course_import_but_not_a_validate(fake: FakeMitx, client: MitxOnline) -> None:
    reads: list[int] = []

    def codes(args: list[str], stdin: str | None) -> Completed:
        reads.append(1)
        return ok("[]")

    fake.on("shell", codes)
    fake.accept("import_courserun", "b2b_codes validate")
    assert client.all_codes() == []
    client.write(commands.import_courserun("course-v1:UAI_SOURCE+A.0001x+SOURCE", "course-v1:UAI_SOURCE+A.0001x",
                                           "SOURCE", live=True, source=True), "import")  # fmt: skip
    client.all_codes()
    assert len(reads) == 1
    client.write(commands.codes_validate(7), "validate")
    client.all_codes()
    assert len(reads) == 2


def test_a_programs_add_or_remove_forgets_every_course_read_and_the_contracts(
    fake: FakeMitx, client: MitxOnline
) -> None:
    """Issue 26: `add <program>` makes runs of courses its command line does not name,
    and links the program, which REST's contracts show: both reads are stale after it."""
    a = "course-v1:UAI_SOURCE+A.0001x"
    fake.add_course(a)
    fake.accept("b2b_courseware add", "b2b_courseware remove")

    def contract_reads() -> int:
        return len([r for r in fake.http if r.url.path == "/api/v0/b2b/contracts/"])

    client.course(a)
    client.rest_contracts()
    for invocation in (
        commands.courseware_add(7, ["program-v1:UAI+AI"], make_codes=False),
        commands.courseware_remove(7, ["program-v1:UAI+AI"]),
    ):
        client.write(invocation, "program")
        client.course(a)
        client.rest_contracts()
    assert _course_reads(fake) == [a, a, a]
    assert contract_reads() == 3
    # A course's add names its course and keeps the contracts' read.
    client.write(commands.courseware_add(7, [a], make_codes=False), "add")
    client.rest_contracts()
    assert contract_reads() == 3
