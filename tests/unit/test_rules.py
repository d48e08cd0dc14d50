"""provider/rules.py: each rule once, and every user of it reading that one definition.

Each test fails when its rule changes, and the `no copy` tests fail when a copy of a
rule's constant reappears anywhere else in `provider/` or `policies/` (issue 19).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from policies import rules as policy_rules
from provider import catalog, rules
from provider.edx.course_run import CourseRunProvider
from provider.errors import DeclarationError
from provider.fields import CourseId, SingleLine
from provider.mitxonline import commands, models
from provider.mitxonline.contract import ContractProvider

REPO = Path(__file__).resolve().parents[2]
SSO_ID = "2f0c6a52-6b1e-4a8e-9d57-3d5c0b9a1e01"


def sources() -> dict[Path, str]:
    files = [*(REPO / "provider").rglob("*.py"), *(REPO / "policies").rglob("*.py")]
    return {path: path.read_text() for path in files if path.name != "rules.py" or path.parent.name != "provider"}


def test_the_default_key_prefix_is_uai_and_every_default_is_it() -> None:
    assert rules.DEFAULT_KEY_PREFIX == "UAI_"
    assert catalog.Organization.model_fields["org_key_prefix"].default == rules.DEFAULT_KEY_PREFIX
    assert models.OrganizationArgs.model_fields["org_key_prefix"].default == rules.DEFAULT_KEY_PREFIX
    assert models.ContractArgs.model_fields["org_key_prefix"].default == rules.DEFAULT_KEY_PREFIX
    # A blank prefix falls back to it.
    assert models.OrganizationArgs(org_key="IDPU", name="IDP", org_key_prefix="").org_key_prefix == "UAI_"


def test_no_copy_of_the_default_prefix_or_the_org_key_pattern_is_left() -> None:
    copies = {
        str(path.relative_to(REPO))
        for path, text in sources().items()
        if re.search(r"""["']UAI_["']""", text) or "A-Za-z0-9_]{1,30}" in text or "A-Za-z0-9_]+" in text
    }
    assert copies == set()


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("NWP", None),
        ("UAI_MIT2", None),
        ("nwp", "org keys are upper case in MITx Online: write 'NWP'"),
        ("Nwp", "org keys are upper case in MITx Online: write 'NWP'"),
        ("N-W", "use 1 to 30 upper-case letters, digits or underscores, for example IDPU"),
        ("", "use 1 to 30 upper-case letters, digits or underscores, for example IDPU"),
        ("X" * 31, "use 1 to 30 upper-case letters, digits or underscores, for example IDPU"),
    ],
)
def test_org_keys_are_the_platforms_upper_case_form(key: str, problem: str | None) -> None:
    assert rules.org_key_problem(key) == problem


def test_the_catalog_and_the_resources_refuse_a_lower_case_org_key() -> None:
    failures = ContractProvider().check({}, _contract(organization="nwp")).failures
    assert [f.property for f in failures] == ["organization"]
    assert "write 'NWP'" in failures[0].reason


def test_a_key_differing_only_in_case_is_found_never_the_key_itself() -> None:
    assert rules.same_key_other_case("NWP", ["IDPU", "nwp"]) == "nwp"
    assert rules.same_key_other_case("NWP", ["NWP", "IDPU"]) is None
    assert rules.same_key_other_case("NWP", []) is None


def _run(**dates: str) -> dict[str, str]:
    return {"course_key": "course-v1:MITx+R.1x+1T2026", "title": "R", **dates}


def test_run_dates_follow_studios_four_rules_in_check_and_policy_alike() -> None:
    assert [(r.earlier, r.later, r.strict) for r in rules.RUN_DATE_ORDER] == [
        ("start", "end", True),
        ("enrollment_start", "enrollment_end", False),
        ("enrollment_start", "start", False),
        ("enrollment_end", "end", False),
    ]
    cases = {
        "end": _run(start="2026-02-01T00:00:00Z", end="2026-02-01T00:00:00Z"),
        "start": _run(
            start="2026-02-01T00:00:00Z", end="2026-06-01T00:00:00Z", enrollment_start="2026-03-01T00:00:00Z"
        ),
    }
    for later, props in cases.items():
        check = CourseRunProvider().check({}, props).failures or []
        assert [f.property for f in check] == [later], check
        assert len(policy_rules.run_dates_ordered(props)) == 1
    fine = _run(start="2026-02-01T00:00:00Z", end="2026-06-01T00:00:00Z", enrollment_start="2026-02-01T00:00:00Z")
    assert not CourseRunProvider().check({}, fine).failures and policy_rules.run_dates_ordered(fine) == []


def _contract(**fields: object) -> dict[str, object]:
    return {
        "organization": "IDPU",
        "organization_name": "IDP",
        "name": "C",
        "membership_type": "code",
        **fields,
    }


def test_a_contract_may_start_and_end_on_one_day_but_not_end_first() -> None:
    assert (rules.DateOrder("start", "end"),) == rules.CONTRACT_DATE_ORDER
    same_day = _contract(start="2026-09-01", end="2026-09-01")
    assert not ContractProvider().check({}, same_day).failures
    assert policy_rules.contract_dates_ordered(same_day) == []
    backwards = _contract(start="2026-09-02", end="2026-09-01")
    assert [f.property for f in ContractProvider().check({}, backwards).failures] == ["end"]
    assert len(policy_rules.contract_dates_ordered(backwards)) == 1


def test_dates_and_date_times_are_never_compared() -> None:
    values = {"start": dt.date(2026, 9, 2), "end": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)}
    assert list(rules.dates_out_of_order(values, rules.CONTRACT_DATE_ORDER)) == []


@pytest.mark.parametrize(
    ("membership", "price", "codes"),
    [("code", None, True), ("managed", None, False), ("auto", Decimal("0"), False), ("auto", "12.50", True)],
)
def test_which_contracts_get_codes(membership: str, price: object, codes: bool) -> None:
    assert rules.gets_codes(membership, price) is codes  # type: ignore[arg-type]


def test_the_expected_code_count_is_seats_times_runs_for_contracts_with_codes() -> None:
    assert rules.expected_code_count("code", 15, None, 2) == 30
    assert rules.expected_code_count("code", None, None, 2) == 2
    assert rules.expected_code_count("managed", 15, None, 2) == 0


def test_a_managed_contract_needs_its_organizations_keycloak_id() -> None:
    assert rules.sso_problem("managed", SSO_ID) is None
    assert rules.sso_problem("code", None) is None
    problem = rules.sso_problem("managed", None)
    assert problem is not None and "no command can add it later" in problem
    failures = ContractProvider().check({}, _contract(membership_type="managed")).failures
    assert [(f.property, f.reason) for f in failures] == [("membership_type", problem)]
    assert not ContractProvider().check({}, _contract(membership_type="managed", sso_organization_id=SSO_ID)).failures


def test_the_catalog_reports_a_managed_contract_of_an_organization_without_keycloak_id() -> None:
    raw = {
        "organizations": [
            {"org_key": "IDPU", "name": "IDP"},
            {"org_key": "SSO", "name": "S", "sso_organization_id": SSO_ID},
        ],
        "contracts": [
            {"organization": "IDPU", "name": "Without", "membership_type": "managed"},
            {"organization": "SSO", "name": "With", "membership_type": "managed"},
        ],
    }
    with pytest.raises(catalog.DeclarationError) as caught:
        catalog.load_catalog(raw)
    assert [p.path for p in caught.value.problems] == ["catalog.contracts[0].membership_type"]


# ---- names, slugs and keys: one rule for check and command builder (issue 28) -----


def accepted(call: Callable[[], object], refusal: type[Exception]) -> bool:
    try:
        call()
    except refusal:
        return False
    return True


NAMES = ["Intro", "T" * 255, "T" * 256, "T" * 300, "-Intro", "Intro\nCourses", " Intro", "", "Data & Society"]
KEYS = ["course-v1:UAI_SOURCE+A.0001x", "course-v1:UAI SOURCE+A.01x", "course-v1:UAI_SOURCE+Aé", "x+y", "course-v1:A+"]
SLUGS = ["idp-contract", "a" * 255, "a" * 256, "bad slug!", ""]
SLUG = models.ContractArgs.model_fields["slug"].annotation


def _course(name: str) -> object:
    return commands.create_course(KEYS[0], name, live=True, departments=[])


def _page(course: str) -> object:
    return commands.create_courseware_page(course, live=True, catalog=True, ingest=True)


def _import(slug: str) -> object:
    return commands.contract_import({}, slug)


@pytest.mark.parametrize(
    ("value", "field", "build", "rule"),
    [
        *[(name, SingleLine, _course, rules.name_problem) for name in NAMES],
        *[(key, CourseId, _page, rules.course_id_problem) for key in KEYS],
        *[(slug, SLUG, _import, rules.slug_problem) for slug in SLUGS],
    ],
)
def test_check_and_the_command_builder_accept_the_same_values(
    value: str, field: Any, build: Callable[[str], object], rule: Callable[[str], str | None]
) -> None:
    """A name, course id or slug the catalog and the resources' check accept is one the
    command builder takes, and the other way round: a 300-character title once passed
    preview and was refused by the builder during `up`, after the edX run existed."""
    checked = accepted(lambda: TypeAdapter(field).validate_python(value), ValidationError)
    built = accepted(lambda: build(value), DeclarationError)
    assert checked == built == (rule(value) is None)


@pytest.mark.parametrize(
    ("active", "start", "end", "locked"),
    [
        (True, None, None, None),
        (False, None, None, "inactive"),
        (True, dt.date(2027, 1, 1), None, "starts on 2027-01-01"),
        (True, None, dt.date(2026, 6, 30), "ended on 2026-06-30"),
        (True, dt.date(2026, 1, 1), dt.date(2026, 12, 7), None),
    ],
)
def test_a_contract_is_locked_when_inactive_or_outside_its_dates(
    active: bool, start: dt.date | None, end: dt.date | None, locked: str | None
) -> None:
    found = rules.contract_locked(active, start, end, dt.date(2026, 12, 7))
    assert (found is None) if locked is None else (found is not None and locked in found)


@pytest.mark.parametrize(
    ("membership", "old", "new", "loses"),
    [
        ("code", (20, None), (15, None), True),
        ("code", (20, None), (None, None), True),
        ("code", (20, None), (25, None), False),
        ("code", (None, None), (5, None), False),
        ("code", (20, Decimal("10")), (20, None), False),
        ("managed", (None, Decimal("10")), (None, None), True),
        ("managed", (20, None), (15, None), False),
    ],
)
def test_which_seat_and_price_changes_lose_codes(
    membership: str, old: tuple[int | None, Decimal | None], new: tuple[int | None, Decimal | None], loses: bool
) -> None:
    assert rules.seats_lose_codes(membership, old, new) is loses
