"""A real sandbox per test session (and fresh ones on demand), started through the CLI.

This package's `sandbox` overrides the one of tests/conftest.py: the sandbox's own
tests never share a sandbox with other packages' tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sandbox.helpers import Sandbox, start_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield box
    box.cli("stop")


@pytest.fixture
def fresh_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = start_sandbox(tmp_path / "state")
    yield box
    box.cli("stop")


@pytest.fixture
def studio(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.studio() as client:
        yield client
