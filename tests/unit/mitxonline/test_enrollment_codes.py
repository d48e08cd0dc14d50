"""mitxonline:EnrollmentCodes: validate, read the codes back, count them, keep them secret."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pulumi.output import Unknown

from provider.errors import Refused
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.enrollment_codes import SECRET_OUTPUTS, EnrollmentCodesProvider
from provider.mitxonline.transport import Completed
from provider.rules import expected_code_count
from tests.unit.mitxonline.fake import FakeMitx, ok

RUN = "course-v1:UAI_BIGCO+A.0001x+1T21C2026_en"


def declared(**changes: Any) -> dict[str, Any]:
    news = {"contract_id": 21, "membership_type": "code", "max_learners": 15, "run_keys": [RUN], **changes}
    result = EnrollmentCodesProvider().check({}, news)
    assert result.failures == []
    return result.inputs


def serve_codes(fake: FakeMitx, count: int) -> None:
    rows = [{"Contract": "BigCo", "Course Run": RUN, "Enrollment Code": f"code-{n}"} for n in range(count)]
    fake.on("shell", lambda args, stdin: ok(json.dumps(rows)))


@pytest.mark.parametrize(
    ("membership", "seats", "price", "runs", "expected"),
    [
        ("code", 15, None, 1, 15),
        ("code", 20, None, 2, 40),
        ("code", None, None, 2, 2),
        ("managed", 15, None, 1, 0),
        ("managed", 15, 12, 1, 15),
        ("auto", None, None, 3, 0),
    ],
)
def test_expected_count_follows_section_6_2(
    membership: str, seats: int | None, price: int | None, runs: int, expected: int
) -> None:
    assert expected_code_count(membership, seats, Decimal(price) if price else None, runs) == expected


def test_create_validates_then_reads_the_codes_back(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_codes validate")
    serve_codes(fake, 15)
    result = EnrollmentCodesProvider().create(declared())
    # One command reads this contract's codes back (docs/decisions.md).
    assert fake.commands() == ["b2b_codes validate", "shell"]
    assert fake.calls[0] == ["b2b_codes", "validate", "--contract", "21"]
    assert "print_command_file(('b2b_codes', 'output', '--contract', '21', '--all', " in fake.calls[1][-1]
    assert (result.outs["count"], result.outs["expected_count"]) == (15, 15)
    assert result.outs["codes"][0] == {"code": "code-0", "course_run": RUN}


def test_more_seats_is_an_update_that_validates_again(fake: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    fake.accept("b2b_codes validate")
    provider = EnrollmentCodesProvider()
    olds = {**declared(), "count": 15}
    assert provider.diff("21", olds, declared(max_learners=20)).changes is True
    assert provider.diff("21", olds, declared()).changes is False
    serve_codes(fake, 20)
    assert provider.update("21", olds, declared(max_learners=20)).outs["count"] == 20
    assert "expected" not in caplog.text


def test_a_count_that_stays_off_is_reported(fake: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    fake.accept("b2b_codes validate")
    serve_codes(fake, 17)
    EnrollmentCodesProvider().create(declared())
    assert "17 enrollment codes after `b2b_codes validate`, 15 expected" in caplog.text


def test_read_runs_no_validate(fake: FakeMitx, client: MitxOnline) -> None:
    serve_codes(fake, 12)
    result = EnrollmentCodesProvider().read("21", {**declared(), "count": 15})
    assert result.outs is not None and result.outs["count"] == 12
    assert "b2b_codes validate" not in fake.commands()


def test_a_refresh_reads_every_contracts_codes_once(fake: FakeMitx, client: MitxOnline) -> None:
    serve_codes(fake, 12)
    provider = EnrollmentCodesProvider()
    for contract_id in (21, 22, 23):
        provider.read(str(contract_id), {**declared(contract_id=contract_id), "count": 15})
    assert fake.commands() == ["shell"]
    assert "--contract" not in fake.calls[0][-1]


def test_a_validate_that_failed_but_worked_is_read_once(fake: FakeMitx, client: MitxOnline) -> None:
    serve_codes(fake, 15)
    fake.on("b2b_codes validate", lambda args, stdin: Completed(1, "", "boom"))
    result = EnrollmentCodesProvider().create(declared())
    assert fake.commands() == ["b2b_codes validate", "shell"]
    assert result.outs["count"] == 15


def test_the_codes_are_a_secret_output() -> None:
    assert SECRET_OUTPUTS == ["codes"]


def test_an_unknown_contract_id_while_the_contract_updates_is_no_replacement() -> None:
    # Previewing a seat change marks the contract's outputs unknown (docs/platforms/pulumi.md §3).
    olds = {**declared(), "count": 15}
    result = EnrollmentCodesProvider().diff("21", olds, {**declared(max_learners=20), "contract_id": Unknown()})
    assert (result.changes, result.replaces) == (True, [])


def test_adopting_codes_that_number_right_validates_nothing(fake: FakeMitx, client: MitxOnline) -> None:
    serve_codes(fake, 15)
    result = EnrollmentCodesProvider().create(declared(adopt=True))
    assert fake.commands() == ["shell"]
    assert result.outs["count"] == 15


def test_adopting_codes_that_number_wrong_validates(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_codes validate")
    serve_codes(fake, 3)
    EnrollmentCodesProvider().create(declared(adopt=True))
    assert "b2b_codes validate" in fake.commands()


def test_turning_adopt_off_later_is_no_change() -> None:
    olds = {**declared(adopt=True), "count": 15}
    assert EnrollmentCodesProvider().diff("21", olds, declared()).changes is False


def test_check_declares_the_count_and_read_observes_it(fake: FakeMitx, client: MitxOnline) -> None:
    assert declared()["count"] == 15
    assert "count" not in EnrollmentCodesProvider().check({}, {**declared(), "run_keys": Unknown()}).inputs
    serve_codes(fake, 30)
    result = EnrollmentCodesProvider().read("21", {**declared(), "count": 15})
    assert result.inputs is not None and result.inputs["count"] == 30
    assert result.outs is not None and result.outs["run_codes"] == {RUN: {"codes": 30, "unused": 30}}


def test_a_count_changed_by_hand_is_a_change_to_apply() -> None:
    provider = EnrollmentCodesProvider()
    assert provider.diff("21", {**declared(), "count": 30}, declared()).changes is True
    assert provider.diff("21", {**declared(), "count": 15}, declared()).changes is False


def test_extra_codes_stop_the_update_before_validate(fake: FakeMitx, client: MitxOnline) -> None:
    serve_codes(fake, 30)
    with pytest.raises(Refused) as raised:
        EnrollmentCodesProvider().update("21", {**declared(), "count": 30}, declared())
    assert fake.commands() == ["shell"]  # read, no validate
    message = str(raised.value)
    assert "30 enrollment codes" in message and "15 more than the 15" in message
    assert "max_learners: 30" in message and "b2b_codes validate --contract 21" in message


def test_codes_of_a_retired_run_are_not_counted(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_codes validate")
    retired = "course-v1:UAI_BIGCO+B.0001x+1T21C2026_en"
    rows = [{"Contract": "BigCo", "Course Run": RUN, "Enrollment Code": f"code-{n}"} for n in range(15)] + [
        {"Contract": "BigCo", "Course Run": retired, "Enrollment Code": "used", "Enroll Redemption": "2026-03-01"}
    ]
    fake.on("shell", lambda args, stdin: ok(json.dumps(rows)))
    result = EnrollmentCodesProvider().update("21", {**declared(), "count": 15}, declared())
    assert result.outs["count"] == 15 and len(result.outs["codes"]) == 15
