"""mitxonline:Contract with a scripted MITx Online: check, diff, create, update, read, delete."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi.output import Unknown

from provider import platforms
from provider.errors import CommandFailed, Drifted, Refused
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.transport import Completed
from tests.unit.mitxonline.fake import FakeMitx, ok

LOCKED = "b2b.models.ContractPage.DoesNotExist: ContractPage matching query does not exist."


SSO_ID = "2f0c6a52-6b1e-4a8e-9d57-3d5c0b9a1e01"


def declared(**changes: Any) -> dict[str, Any]:
    news = {
        "organization": "BIGCO",
        "organization_name": "BigCo Codes",
        "name": "BigCo Codes Contract",
        "membership_type": "code",
        "max_learners": 15,
        "__provider": "serialised",
        **changes,
    }
    result = ContractProvider().check({}, news)
    assert result.failures == []
    return result.inputs


def listed(**fields: Any) -> dict[str, Any]:
    return {
        "id": 21,
        "name": "BigCo Codes Contract",
        "slug": "bigco-codes-contract",
        "org_name": "BigCo Codes",
        "membership_type": "code",
        "max_learners": 15,
        **fields,
    }


@pytest.fixture
def bigco(fake: FakeMitx) -> FakeMitx:
    fake.organizations = [{"id": 20, "name": "BigCo Codes", "slug": "org-bigco-codes", "key": "BIGCO"}]
    return fake


def failures(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, str]:
    return {f.property: f.reason for f in ContractProvider().check(olds, news).failures}


def test_check_fills_the_slug_from_the_name() -> None:
    assert declared()["slug"] == "bigco-codes-contract"


def test_check_reports_every_problem_at_once() -> None:
    found = failures(
        {},
        {
            "organization": "BIG CO",
            "organization_name": "x",
            "name": "a\nb",
            "membership_type": "sso",
            "start": "2027-01-01",
            "end": "2026-01-01",
            "max_learners": -1,
            "price": "1.234",
            "colour": "red",
        },
    )
    assert {"organization", "name", "membership_type", "end", "max_learners", "price", "colour"} <= set(found)


def test_check_tolerates_unknowns() -> None:
    result = ContractProvider().check({}, {**declared(), "organization_name": Unknown(), "max_learners": Unknown()})
    assert result.failures == []


def test_check_refuses_a_create_only_change_with_what_to_do() -> None:
    olds = declared()
    news = {**olds, "name": "BigCo Renamed", "membership_type": "managed"}
    del news["slug"]
    found = failures(olds, news)
    assert "Wagtail admin" in found["name"] and "new contract" in found["membership_type"]
    assert "slug" not in found  # an undeclared slug follows the name: reported once, on the name


def test_check_refuses_reactivation() -> None:
    olds = {**declared(), "active": False}
    assert "never be made active again" in failures(olds, {**olds, "active": True})["active"]


def test_diff_compares_declared_fields_only_and_never_replaces() -> None:
    outs = {**declared(), "contract_id": 21, "__provider": "old"}
    provider = ContractProvider()
    assert provider.diff("21", outs, declared()).changes is False
    result = provider.diff("21", outs, declared(max_learners=20, organization_name="Renamed Org"))
    assert (result.changes, result.replaces) == (True, [])
    assert provider.diff("21", outs, {**declared(), "max_learners": Unknown()}).changes is True


def test_create_imports_once_with_the_organization_and_no_listing_after(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.on(
        "b2b_contract import", lambda args, stdin: ok("Import complete. Contract slug: bigco-codes-contract (id=21)")
    )
    result = ContractProvider().create(declared(org_key_prefix="B2B_", price="12.5", start="2026-08-01"))
    assert bigco.commands() == ["listings", "b2b_contract import"]
    document = json.loads(bigco.stdins[1] or "")
    assert document["organization"] == {
        "name": "BigCo Codes",
        "org_key": "BIGCO",
        "org_key_prefix": "B2B_",
        "sso_organization_id": None,
    }
    assert document["contract"]["slug"] == "bigco-codes-contract" and document["programs"] == []
    assert (document["contract"]["max_learners"], document["contract"]["enrollment_fixed_price"]) == (15, "12.50")
    assert (result.id, result.outs["contract_id"], result.outs["active"]) == ("21", 21, True)


def test_create_adopts_a_matching_contract_without_writing(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.contracts = [listed()]
    result = ContractProvider().create(declared())
    assert result.id == "21"
    assert bigco.commands() == ["listings"]


def test_create_refuses_a_differing_contract_unless_adopted(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.accept("b2b_contract modify")
    bigco.contracts = [listed(max_learners=10)]
    with pytest.raises(Drifted, match="max_learners: declared 15, live 10"):
        ContractProvider().create(declared())
    ContractProvider().create(declared(adopt=True))
    assert bigco.calls[-1] == ["b2b_contract", "modify", "21", "--max-learners", "15"]


def test_create_refuses_a_slug_another_organization_uses(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.organizations.append({"id": 17, "name": "IDP University", "slug": "org-idp", "key": "IDPU"})
    bigco.contracts = [listed(id=18, org_name="IDP University")]
    with pytest.raises(Refused, match="finds contracts by slug alone"):
        ContractProvider().create(declared())
    assert "b2b_contract import" not in bigco.commands()


def test_a_contract_outside_its_dates_is_imported_without_them_then_dated(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.accept("b2b_contract modify")
    # docs/platforms/mitxonline.md §4: a second save outside the window fails, which would roll the import back.
    bigco.on(
        "b2b_contract import", lambda args, stdin: ok("Import complete. Contract slug: bigco-codes-contract (id=21)")
    )
    result = ContractProvider().create(declared(start="2026-11-01", end="2027-11-30"))
    document = json.loads(bigco.stdins[1] or "")
    assert (document["contract"]["contract_start"], document["contract"]["contract_end"]) == (None, None)
    assert bigco.calls[2] == ["b2b_contract", "modify", "21", "--start", "2026-11-01", "--end", "2027-11-30"]
    assert (result.outs["start"], result.outs["end"]) == ("2026-11-01", "2027-11-30")


def test_an_import_that_fails_after_creating_is_maybe_applied(bigco: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    def create(args: list[str], stdin: str | None) -> Completed:
        bigco.contracts.append(listed())
        return Completed(1, "Step 3: contract", LOCKED)

    bigco.on("b2b_contract import", create)
    result = ContractProvider().create(declared())
    assert result.outs["contract_id"] == 21
    assert "was created, but the import then failed" in caplog.text and "outside its dates" in caplog.text


def test_create_raises_when_the_failed_import_made_nothing(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.on("b2b_contract import", lambda args, stdin: Completed(1, "", "Traceback: KeyError"))
    with pytest.raises(CommandFailed, match="KeyError"):
        ContractProvider().create(declared())


def test_update_modifies_only_the_changed_fields_in_one_command(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_contract modify")
    olds = {**declared(), "contract_id": 21, "active": True}
    result = ContractProvider().update("21", olds, declared(max_learners=20))
    assert fake.calls == [["b2b_contract", "modify", "21", "--max-learners", "20"]]
    assert result.outs["max_learners"] == 20


def test_update_of_an_inactive_contract_is_refused_before_any_command(fake: FakeMitx, client: MitxOnline) -> None:
    olds = {**declared(), "active": False}
    with pytest.raises(Refused, match="inactive contract can never be modified again"):
        ContractProvider().update("21", olds, declared(max_learners=20, active=False))
    assert fake.calls == []


def test_update_outside_the_dates_is_refused_in_plain_words(fake: FakeMitx, client: MitxOnline) -> None:
    olds = {**declared(), "active": True, "start": "2026-11-01"}
    with pytest.raises(Refused, match=r"starts on 2026-11-01, after today \(2026-09-01\)"):
        ContractProvider().update("21", olds, declared(max_learners=20, start="2026-11-01"))
    assert fake.calls == []


def test_update_rereads_after_a_failed_modify(fake: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    def applied_then_failed(args: list[str], stdin: str | None) -> Completed:
        fake.contracts = [listed(max_learners=20)]
        return Completed(1, "", "some crash after saving")

    fake.on("b2b_contract modify", applied_then_failed)
    olds = {**declared(), "active": True}
    result = ContractProvider().update("21", olds, declared(max_learners=20))
    assert result.outs["max_learners"] == 20 and "applied all the same" in caplog.text


def test_read_rebuilds_inputs_from_the_listing(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.contracts = [listed(max_learners=20, description="Seats for BigCo")]
    state = {**declared(), "contract_id": 21}
    result = ContractProvider().read("21", state)
    assert result.inputs is not None and result.outs is not None
    assert (result.inputs["max_learners"], result.inputs["organization"]) == (20, "BIGCO")
    assert result.inputs["description"] == "Seats for BigCo"
    assert result.outs["organization_name"] == "BigCo Codes"
    assert ContractProvider().read("99", state).id == ""


def test_delete_deactivates_once(fake: FakeMitx, client: MitxOnline) -> None:
    fake.accept("b2b_contract modify")
    ContractProvider().delete("21", {**declared(), "active": True})
    ContractProvider().delete("21", {**declared(), "active": False})
    assert fake.calls == [["b2b_contract", "modify", "21", "--inactive"]]


def test_delete_outside_the_dates_warns_instead_of_failing(fake: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    ContractProvider().delete("21", {**declared(), "active": True, "end": "2026-01-31"})
    assert fake.calls == [] and "ended on 2026-01-31" in caplog.text


def test_create_refuses_an_organization_key_that_differs_only_in_case(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.organizations = [{"id": 20, "name": "BigCo Codes", "slug": "s", "key": "BigCo"}]
    with pytest.raises(Refused, match="'BIGCO' differs from it only in case") as caught:
        ContractProvider().create(declared())
    assert [p.path for p in caught.value.problems] == ["organization"]
    assert bigco.commands() == ["listings"]


def test_an_inactive_contract_declared_active_is_refused_with_a_free_slug(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.contracts = [listed(active=False), listed(id=22, slug="bigco-codes-contract-2")]
    with pytest.raises(Refused) as raised:
        ContractProvider().create(declared())
    message = str(raised.value)
    assert "contract 21" in message and "inactive" in message
    assert "add `slug: bigco-codes-contract-3`" in message and "`adopt: true` would not help" in message
    assert bigco.commands() == ["listings"]  # nothing written


def test_check_on_create_shows_the_contract_it_would_adopt(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    organization = SimpleNamespace(name="BigCo Codes", contracts=[{"id": 21, "slug": "bigco-codes-contract"}])
    monkeypatch.setattr(platforms, "mitxonline", lambda: SimpleNamespace(rest_organizations=lambda: [organization]))
    news = declared()
    assert news["adopts"] == "contract 21"
    assert "already exists in MITx Online (contract 21)" in caplog.text
    # Once the contract is in state, nothing is looked up and nothing is noted.
    assert "adopts" not in ContractProvider().check(news, {**news, "adopts": None}).inputs
    assert ContractProvider().diff("21", {**news, "contract_id": 21, "adopts": None}, news).changes is False


def test_fewer_seats_on_a_code_contract_are_refused_before_any_write() -> None:
    olds = declared(max_learners=20)
    [reason] = failures(olds, declared(max_learners=15)).values()
    assert "lowering `max_learners` from 20 to 15 leaves 15 code(s) per contract run instead of 20" in reason
    assert "Keep `max_learners: 20`" in reason
    assert failures(olds, declared(max_learners=25)) == {}
    # (A managed contract's organization has its Keycloak id: provider/rules.py.)
    managed = declared(membership_type="managed", sso_organization_id=SSO_ID, max_learners=20)
    assert failures(managed, {**managed, "max_learners": 15}) == {}


@pytest.mark.parametrize("old_seats", [20.0, "20"], ids=["float", "text"])
def test_fewer_seats_are_refused_when_the_engine_hands_old_inputs_back_as_floats(old_seats: object) -> None:
    """Issue 28: old inputs come back from the engine as floats (`20.0`); the guard once
    required an int and let the seats drop, and `up` then left 15 seats and 20 codes."""
    olds = declared(max_learners=old_seats)
    assert "max_learners" in failures(olds, declared(max_learners=15))
    assert failures(olds, declared(max_learners=20)) == {}


def test_dropping_the_seat_cap_of_a_code_contract_is_refused() -> None:
    [reason] = failures(declared(max_learners=20.0), declared(max_learners=None)).values()
    assert "dropping `max_learners`" in reason and "1 code(s) per contract run instead of 20" in reason


def test_dropping_the_price_of_a_managed_contract_with_codes_is_refused() -> None:
    priced = declared(membership_type="managed", sso_organization_id=SSO_ID, max_learners=None, price="99.00")
    [(field, reason)] = failures(priced, {**priced, "price": None}).items()
    assert field == "price"
    assert "dropping the price" in reason and "0 code(s) per contract run instead of 1" in reason
