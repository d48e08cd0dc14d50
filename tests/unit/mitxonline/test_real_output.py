"""The provider's parsers against MITx Online's output as the real platform prints it
(issue #18, points 1, 2, 3 and 6).

The literal tables below are what `b2b_list contracts` prints through rich 14.3.3 (the
version MITx Online pins) at 200 columns and, with `COLUMNS` unset, at 80; the others
are drawn with rich itself, so every form rich can give is read: titles, header cells
wrapped over two lines, two-line date-time cells, wrapped names, several tables in one
text, names holding `|`, `│` or wide characters.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest
from rich.console import Console
from rich.table import Table

from provider.errors import CommandFailed, ContractLocked, UnreadableOutput
from provider.mitxonline import outputs, tables
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CodeRow
from provider.mitxonline.transport import Completed, classify
from tests.unit.mitxonline.fake import FakeMitx, ok

# `b2b_list contracts` at 200 columns: the date-time cells are two lines even so.
CONTRACTS_200 = """\
                                                                    Contracts
┏━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━┓
┃ ID ┃ Name                    ┃ Slug                    ┃ Org Name       ┃ Membership ┃ Start      ┃ End        ┃ Active ┃ Max Learners ┃ Price ┃
┡━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━┩
│ 21 │ BigCo Codes Contract    │ bigco-codes-contract    │ BigCo Codes    │ code       │ 2026-12-28 │ 2027-12-31 │ Yes    │ 15           │ 12.50 │
│    │                         │                         │                │            │ 00:00      │ 00:00      │        │              │       │
│ 22 │ IDP University Contract │ idp-university-contract │ IDP University │ managed    │            │            │ No     │ Unlim        │       │
└────┴─────────────────────────┴─────────────────────────┴────────────────┴────────────┴────────────┴────────────┴────────┴──────────────┴───────┘
"""  # noqa: E501

# The same listing with `COLUMNS` unset: header cells on two lines, cells cut with `…`.
CONTRACTS_80 = """\
                                   Contracts
┏━━━━┳━━━━━━━┳━━━━━━━┳━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━┓
┃    ┃       ┃       ┃ Org   ┃       ┃        ┃       ┃        ┃ Max   ┃       ┃
┃ ID ┃ Name  ┃ Slug  ┃ Name  ┃ Memb… ┃ Start  ┃ End   ┃ Active ┃ Lear… ┃ Price ┃
┡━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━┩
│ 21 │ BigCo │ bigc… │ BigCo │ code  │ 2026-… │ 2027… │ Yes    │ 15    │ 12.50 │
│    │ Codes │       │ Codes │       │ 00:00  │ 00:00 │        │       │       │
│    │ Cont… │       │       │       │        │       │        │       │       │
└────┴───────┴───────┴───────┴───────┴────────┴───────┴────────┴───────┴───────┘
"""

CONTRACT_COLUMNS = ("ID", "Name", "Slug", "Org Name", "Membership", "Start", "End", "Active", "Max Learners", "Price")


def draw(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """A table as MITx Online's commands draw it (`Table(title=…)`, `Console().print`)."""
    table = Table(title=title)
    for header in headers:
        table.add_column(header, justify="right" if header == "ID" else "left")
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(table)
    return buffer.getvalue()


def listings(fake: FakeMitx, contracts: str) -> None:
    organizations = draw("B2B Organizations", ["ID", "Name", "Slug", "Key", "Contracts"], [], 200)
    fake.on("listings", lambda args, stdin: ok(json.dumps({"contracts": contracts, "organizations": organizations})))


def test_the_contract_listing_at_200_columns_is_read_with_its_two_line_dates(
    fake: FakeMitx, client: MitxOnline
) -> None:
    listings(fake, CONTRACTS_200)
    bigco, idpu = client.contracts()
    assert (bigco.id, bigco.name, bigco.slug, bigco.org_name, bigco.membership_type) == (
        21, "BigCo Codes Contract", "bigco-codes-contract", "BigCo Codes", "code",
    )  # fmt: skip
    assert (bigco.start, bigco.end) == (dt.date(2026, 12, 28), dt.date(2027, 12, 31))
    assert (bigco.active, bigco.max_learners, bigco.price) == (True, 15, Decimal("12.50"))
    assert (idpu.id, idpu.start, idpu.active, idpu.max_learners, idpu.price) == (22, None, False, None, None)


def test_the_rows_keep_the_two_lines_of_a_date_time_cell() -> None:
    rows = tables.parse_table(CONTRACTS_200)
    assert [(row["Start"], row["End"]) for row in rows] == [("2026-12-28 00:00", "2027-12-31 00:00"), ("", "")]
    assert list(rows[0]) == list(CONTRACT_COLUMNS)


def test_the_listing_at_80_columns_is_refused_with_what_to_do(fake: FakeMitx, client: MitxOnline) -> None:
    listings(fake, CONTRACTS_80)
    with pytest.raises(UnreadableOutput, match="narrowed table") as refused:
        client.contracts()
    # The program sets COLUMNS inside MITx Online (decisions §15): nothing for the operator to set.
    assert "report the output" in str(refused.value) and "run the command with" not in str(refused.value)


def test_header_cells_wrapped_over_two_lines_are_joined() -> None:
    # Narrow enough that "Max Learners" wraps, wide enough that nothing is cut.
    text = draw("Contracts", CONTRACT_COLUMNS, [["7", "A", "a", "O", "code", "", "", "Yes", "3", ""]], 87)
    header_lines = [line for line in text.splitlines() if line.startswith("┃")]
    assert len(header_lines) == 2, text  # the form under test, or the test proves nothing
    assert "…" not in text
    assert tables.parse_table(text) == [
        dict(zip(CONTRACT_COLUMNS, ["7", "A", "a", "O", "code", "", "", "Yes", "3", ""], strict=True))
    ]


@pytest.mark.parametrize(
    "name",
    ["BigCo | Codes", "Pipe│Inside", "日本語の契約 Contract", "Café Crème Contract", "A very long contract name " * 4],
)
def test_names_with_separators_wide_characters_or_wrapping_are_read_whole(name: str) -> None:
    text = draw("Contracts", ["ID", "Name", "Slug"], [["21", name.strip(), "s"]], 80)
    assert "…" not in text
    assert tables.parse_table(text) == [{"ID": "21", "Name": name.strip(), "Slug": "s"}]


def test_the_courseware_listing_names_organization_and_contract_in_one_cell() -> None:
    headers = ["ID", "Org/Contract", "Type", "Readable ID", "Name", "Start", "End"]
    row = ["31", "BigCo Codes\nBigCo Codes Contract", "CR", "course-v1:UAI_BIGCO+A.0001x+1T21C2026_en",
           "Intro to Courses", "2026-12-28\n00:00", ""]  # fmt: skip
    (parsed,) = tables.parse_table(draw("Courseware", headers, [row], 200))
    assert parsed["Org/Contract"] == "BigCo Codes BigCo Codes Contract"
    assert (parsed["Type"], parsed["Start"]) == ("CR", "2026-12-28 00:00")


def test_stats_tables_one_per_contract_under_their_titles_are_all_read() -> None:
    headers = ["Seat Limit", "Assignments", "Attachments", "Run Count", "Enrollments", "Total Codes",
               "Redeemed for Attachment", "Redeemed for Enrollment"]  # fmt: skip
    text = "Generating stats for 2 contracts...\n" + "".join(
        draw(f"Stats for {n} - C{n} (Org)", headers, [[seats, "0", "0", "1", "0", seats, "0", "0"]], 200)
        for n, seats in ((21, "15"), (22, "Unlim"))
    )
    assert [(row["Seat Limit"], row["Total Codes"]) for row in tables.parse_table(text)] == [
        ("15", "15"),
        ("Unlim", "Unlim"),
    ]


def test_text_without_a_table_has_no_rows() -> None:
    assert tables.parse_table("No contracts found.\n") == []


# b2b_contract import (point 2) --------------------------------------------------------

IMPORT_HEADER = "Importing contract 'bigco-codes-contract' (exported 2026-12-04T14:06:53.123456+00:00)"
STEPS_NEW = """
Step 0: CMS infrastructure

Step 1: Organization
  Created organization: BIGCO

Step 2: Programs and courses

Step 3: Contract
  Created contract: bigco-codes-contract

Step 4: Contract variant options
  0 variant option(s) created

Step 5: Contract runs
  Created 0 contract run(s), 0 course(s) without source runs skipped
"""


def test_a_committed_import_reports_the_new_contracts_slug_and_id() -> None:
    stdout = IMPORT_HEADER + "\n" + STEPS_NEW + "\nImport complete. Contract slug: bigco-codes-contract (id=21)\n"
    assert outputs.parse_import(stdout) == ("bigco-codes-contract", 21)
    assert not outputs.import_found_existing(stdout)


def test_a_committed_import_of_a_taken_slug_says_it_exists_without_an_id() -> None:
    stdout = (
        IMPORT_HEADER
        + "\n"
        + STEPS_NEW.replace("  Created organization: BIGCO", "  Organization exists: BIGCO").replace(
            "  Created contract: bigco-codes-contract", "  Contract exists: bigco-codes-contract"
        )
        + "\nImport complete. Contract slug: bigco-codes-contract (id=21)\n"
    )
    assert outputs.parse_import(stdout) == ("bigco-codes-contract", 21)
    assert outputs.import_found_existing(stdout)


def test_a_dry_run_reports_no_contract() -> None:
    stdout = IMPORT_HEADER + " [DRY RUN]\n" + STEPS_NEW + "\nDry run — rolling back. Pass --commit to apply changes.\n"
    assert outputs.parse_import(stdout) is None


# b2b_codes output rows (point 1) ------------------------------------------------------


def code_row(contract: str, run: str, code: str) -> dict[str, str]:
    link = f"https://learn.mit.edu/enrollmentcode/{code}/"
    return {"Contract": contract, "Course Run": run, "Enrollment Code": code, "Assigned To": "",
            "Attach Redemption": "", "Enroll Redemption": "", "Attach Link": link}  # fmt: skip


def test_a_code_row_names_its_contract_by_id() -> None:
    row = CodeRow.model_validate(code_row("21 - BigCo Codes Contract (BigCo Codes)", "course-v1:X+Y+1T2026", "c"))
    assert row.contract_id == 21
    assert CodeRow.model_validate(code_row("BigCo Codes Contract", "course-v1:X+Y+1T2026", "c")).contract_id is None


def test_codes_are_the_contracts_named_in_their_rows(fake: FakeMitx, client: MitxOnline) -> None:
    # The codes JSON as the real command writes it: one compact line. A public run added
    # to a contract keeps its key, which names no contract; the row's "Contract" does.
    rows = [
        code_row("21 - BigCo Codes Contract (BigCo Codes)", "course-v1:UAI_SOURCE+A.0001x+1T2026", "public"),
        code_row("21 - BigCo Codes Contract (BigCo Codes)", "course-v1:UAI_BIGCO+A.0001x+1T21C2026_en", "made"),
        code_row("22 - 21 - Tricky (BigCo Codes)", "course-v1:UAI_BIGCO+B.0001x+1T22C2026_en", "other"),
    ]
    fake.on("shell", lambda args, stdin: ok(json.dumps(rows)))
    assert [row.code for row in client.codes(21)] == ["public", "made"]
    assert [row.code for row in client.codes(22)] == ["other"]


# Log records on stderr (point 8) -------------------------------------------------------


def test_a_failed_commands_error_leaves_out_the_log_records_that_name_codes() -> None:
    code = "1478b6bd-9d2e-4a55-8f1c-2b6a5d703a45"
    record = {
        "event": f"Contract 21 - BigCo Codes Contract (BigCo Codes): Created discount 0.00000 fixed-price one-time - "
        f"{code} for product #5 BigCo Codes #21 - Intro course-v1:UAI_SOURCE+A.0001x [_en] 0.00",
        "level": "info",
        "logger": "b2b.api",
        "timestamp": "2026-12-04T14:06:53.123456Z",
    }
    stderr = json.dumps(record) + "\nTraceback (most recent call last):\nb2b.models.ContractPage.DoesNotExist: no\n"
    failure = CommandFailed(["b2b_codes", "validate"], 1, "", stderr)
    assert code not in str(failure)
    assert str(failure).endswith("b2b.models.ContractPage.DoesNotExist: no")
    assert failure.stderr == stderr  # kept whole for the refusal rules


# b2b_courseware add (point 3) ---------------------------------------------------------

ADD = ["b2b_courseware", "add", "21", "course-v1:UAI_SOURCE+A.0001x"]


def test_an_add_that_fails_after_making_the_run_is_known_by_its_traceback_alone() -> None:
    # Nothing on stdout: the contract is saved before any line about the run is printed.
    traceback = (
        '{"event": "Created run course-v1:UAI_F+A.0001x+1T21C2026_en | Intro (language=en) ...", "level": "info", '
        '"logger": "b2b.api", "timestamp": "2026-12-04T14:06:53.123456Z"}\n'
        "Traceback (most recent call last):\n"
        '  File "/src/manage.py", line 22, in <module>\n'
        "b2b.models.ContractPage.DoesNotExist: ContractPage matching query does not exist.\n"
    )
    with pytest.raises(ContractLocked):
        classify(ADD, "b2b_courseware", Completed(1, "", traceback), "add")


def test_adding_a_course_the_contract_has_is_a_soft_failure_that_exits_0() -> None:
    stdout = (
        "Failed to create run for course course-v1:UAI_SOURCE+A.0001x | Intro for contract "
        "21 - BigCo Codes Contract (BigCo Codes).\nManaged 0 courseware items for 1 specified courseware IDs.\n"
    )
    stderr = (
        '{"event": "Can\'t create a run for course-v1:UAI_SOURCE+A.0001x | Intro and contract 21 - BigCo Codes '
        "Contract (BigCo Codes): courseware ID course-v1:UAI_BIGCO+A.0001x+2T21C2026_en already exists and we're "
        'not rerunning it.", "level": "warning", "logger": "b2b.api", "timestamp": "2026-12-04T14:06:53.123456Z"}\n'
    )
    assert classify(ADD, "b2b_courseware", Completed(0, stdout, stderr), "add") is None  # not an error
