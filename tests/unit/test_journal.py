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
        guard.delete("destroy-guard", {"protected": ["catalog.contracts[0] (IDPU/IDP Contract)"]})
    text = raised.value.render()
    assert "catalog.contracts[0] (IDPU/IDP Contract)" in text and "protect: false" in text
    assert "This step wrote nothing." in text
    guard.delete("destroy-guard", {"protected": []})
    assert guard.diff("destroy-guard", {"protected": ["a"]}, {"protected": []}).changes is True
    assert guard.diff("destroy-guard", {"protected": ["a"]}, {"protected": ["a"]}).changes is False
