"""`courseware codes`: a declared contract's codes, from the stack outputs, as CSV."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from provider.code_sheet import NoCodes, UnknownContract, code_sheet

LINK = "https://learn.mit.edu/enrollmentcode/"
OUTPUTS = {
    "contract:BIGCO/BigCo Codes Contract": {"contract_id": 21, "slug": "bigco-codes-contract", "code_count": 2},
    "codes:BIGCO/BigCo Codes Contract": [
        {"code": "c1", "course_run": "course-v1:UAI_BIGCO+A+1T21C2026_en", "attach_link": f"{LINK}c1/"},
        {"code": "c,2", "course_run": "course-v1:UAI_BIGCO+A+1T21C2026_en"},
    ],
    "contract:IDPU/IDP University Contract": {
        "contract_id": 22,
        "slug": "idp-university-contract",
        "membership_type": "managed",
    },
    "contract:AUTOU/Auto University": {"contract_id": 23, "slug": "auto-university", "membership_type": "auto"},
    "source_course:course-v1:UAI_SOURCE+A+SOURCE": "course-v1:UAI_SOURCE+A+SOURCE",
}


@pytest.mark.parametrize("wanted", ["BIGCO/BigCo Codes Contract", "bigco-codes-contract", "21"])
def test_a_contract_is_found_by_label_slug_or_id(wanted: str) -> None:
    sheet = code_sheet(OUTPUTS, wanted)
    assert (sheet.label, sheet.filename) == ("BIGCO/BigCo Codes Contract", "codes-21.csv")
    rows = list(csv.reader(io.StringIO(sheet.csv())))
    assert rows == [
        ["code", "course_run", "attach_link"],
        ["c1", "course-v1:UAI_BIGCO+A+1T21C2026_en", f"{LINK}c1/"],
        ["c,2", "course-v1:UAI_BIGCO+A+1T21C2026_en", ""],
    ]


def test_an_unknown_contract_names_the_declared_ones() -> None:
    with pytest.raises(UnknownContract, match="idp-university-contract"):
        code_sheet(OUTPUTS, "nope")


def test_a_managed_contract_has_no_codes_and_says_so() -> None:
    with pytest.raises(NoCodes) as refused:
        code_sheet(OUTPUTS, "22")
    message = str(refused.value)
    assert message.startswith("contract IDPU/IDP University Contract has no enrollment codes")
    assert "managed contract" in message
    assert "--show-secrets" not in message


def test_an_auto_contract_has_no_codes_and_says_why() -> None:
    """An `auto` contract is not told it is a managed one (issue 24)."""
    with pytest.raises(NoCodes) as refused:
        code_sheet(OUTPUTS, "auto-university")
    message = str(refused.value)
    assert message.startswith("contract AUTOU/Auto University has no enrollment codes")
    assert "auto contract's learners are enrolled automatically" in message and "managed" not in message


def test_codes_read_without_secrets_say_how_to_read_them() -> None:
    without = {k: v for k, v in OUTPUTS.items() if not k.startswith("codes:")}
    with pytest.raises(NoCodes, match=r"has 2 codes.*--show-secrets"):
        code_sheet(without, "21")


def test_the_csv_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "codes-21.csv"
    target.write_text("an older sheet\n")
    target.chmod(0o644)
    sheet = code_sheet(OUTPUTS, "21")
    sheet.write(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == sheet.csv()
    fresh = tmp_path / "new.csv"
    sheet.write(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
