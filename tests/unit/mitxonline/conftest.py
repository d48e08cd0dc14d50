"""Fixtures: a scripted MITx Online (`fake`) installed as the providers' client."""

from __future__ import annotations

import pytest

from provider.mitxonline import client as mitx
from provider.mitxonline.client import MitxOnline
from tests.unit.mitxonline.fake import FakeMitx


@pytest.fixture
def fake() -> FakeMitx:
    return FakeMitx()


@pytest.fixture
def client(fake: FakeMitx, monkeypatch: pytest.MonkeyPatch) -> MitxOnline:
    """The client every provider method gets from `mitx.current()` in this test."""
    installed = fake.client()
    monkeypatch.setattr(mitx, "current", lambda: installed)
    return installed
