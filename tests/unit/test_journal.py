"""An operation's error says what that operation had written (issue 28, item 3), and a
refused destroy deletes nothing (provider/destroy_guard.py)."""

from __future__ import annotations

from typing import Any

import pytest

from provider import journal
from provider.base import ProviderBase
from provider.destroy_guard import DestroyGuardProvider
from provider.errors import DestroyRefused, FieldProblem, PlatformError, Refused


class TwoWrites(ProviderBase):
    """A create whose second write fails after the first took effect."""

    def create(self, props: dict[str, Any]) -> Any:
        journal.record("create contract 7 (`b2b_contract import`)")
        if props.get("refuse"):
            raise Refused([FieldProblem("max_learners", "outside its dates")])
        raise PlatformError("modify contract 7: exited 1")

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> Any:
        raise Refused([FieldProblem("max_learners", "too few seats")])


def test_an_error_after_a_write_lists_it_and_never_claims_nothing_changed() -> None:
    with pytest.raises(PlatformError) as raised:
        TwoWrites().create({})
    text = raised.value.render()
    assert "This step had already done, and kept:\n  - create contract 7 (`b2b_contract import`)" in text
    assert "nothing" not in text.lower()
    with pytest.raises(Refused) as refused:
        TwoWrites().create({"refuse": True})
    assert "create contract 7" in refused.value.render() and "nothing" not in refused.value.render().lower()


def test_an_error_before_any_write_says_so_and_each_operation_starts_afresh() -> None:
    with pytest.raises(PlatformError):
        TwoWrites().create({})
    with pytest.raises(Refused) as raised:
        TwoWrites().update("7", {}, {})
    assert raised.value.writes_done == ()
    assert "This step wrote nothing." in raised.value.render()


def test_an_error_outside_an_operation_makes_no_claim() -> None:
    text = Refused([FieldProblem("slug", "taken")]).render()
    assert "This step" not in text


def test_the_destroy_guard_refuses_while_an_entry_is_protected() -> None:
    guard = DestroyGuardProvider()
    with pytest.raises(DestroyRefused) as raised:
        guard.delete("destroy-guard", {"protected": ["IDPU/IDP Contract"], "declared": ["IDPU/IDP Contract"]})
    text = raised.value.render()
    assert "contract IDPU/IDP Contract" in text and "protect: false" in text
    assert "This step wrote nothing." in text
    guard.delete("destroy-guard", {"protected": [], "declared": ["IDPU/IDP Contract"]})
    assert guard.diff("destroy-guard", {"protected": ["a"]}, {"protected": []}).changes is True
    assert guard.diff("destroy-guard", {"protected": ["a"]}, {"protected": ["a"]}).changes is False


def test_a_dropped_protected_entry_stays_protected_until_declared_with_protect_false() -> None:
    """The `up` that drops a protected entry stops at the engine's `protect` and leaves the
    contract in state; had the guard forgotten it, the next destroy would delete what
    nothing protected depends on before stopping at the contract."""
    guard = DestroyGuardProvider()
    olds = {"protected": ["A/One", "B/Two"], "declared": ["A/One", "B/Two"]}
    dropped = guard.check(olds, {"protected": ["A/One"], "declared": ["A/One"]}).inputs
    assert dropped["protected"] == ["A/One", "B/Two"]
    unprotected = guard.check(dropped, {"protected": ["A/One"], "declared": ["A/One", "B/Two"]}).inputs
    assert unprotected["protected"] == ["A/One"]
    with pytest.raises(DestroyRefused) as raised:
        guard.delete("destroy-guard", dropped)
    assert "contract B/Two (its entry was dropped from the catalog" in raised.value.render()
