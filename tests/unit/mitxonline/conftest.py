"""Fixtures: a scripted MITx Online (`fake`) installed as the providers' client."""

from __future__ import annotations

import pytest

from provider import platforms
from provider.mitxonline.client import MitxOnline
from provider.settings import PlatformSettings
from tests.unit.mitxonline.fake import FakeMitx


@pytest.fixture
def fake() -> FakeMitx:
    return FakeMitx()


@pytest.fixture
def client(fake: FakeMitx) -> MitxOnline:
    """The client every provider method gets from `platforms.mitxonline()` in this test."""
    installed = fake.client()
    platforms.install(platforms.Platforms(PlatformSettings(), mitxonline=installed))
    return installed
