"""`courseware codes`: a declared contract's codes, from the stack outputs, as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from provider.code_sheet import UnknownContract, code_sheet

LINK = "https://learn.mit.edu/enrollmentcode/"
OUTPUTS = {
    "contract:BIGCO/BigCo Codes Contract": {"contract_id": 21, "slug": "bigco-codes-contract", "code_count": 2},
    "codes:BIGCO/BigCo Codes Contract": [
        {"code": "c1", "course_run": "course-v1:UAI_BIGCO+A+1T21C2026_en", "attach_link": f"{LINK}c1/"},
        {"code": "c,2", "course_run": "course-v1:UAI_BIGCO+A+1T21C2026_en"},
    ],
    "contract:IDPU/IDP University Contract": {"contract_id": 22, "slug": "idp-university-contract"},
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


def test_a_contract_without_codes_says_why() -> None:
    with pytest.raises(UnknownContract, match="only code"):
        code_sheet(OUTPUTS, "22")
