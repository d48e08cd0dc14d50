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
from tests.sandbox.mitxonline_helpers import SOURCE_COURSE, Local, local_store


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


@pytest.fixture
def local(tmp_path: Path) -> Local:
    """A MITx Online store of its own, commands run in-process, with the source course."""
    store = local_store(tmp_path / "state")
    store.source_course()
    return store


@pytest.fixture
def code_contract(local: Local) -> int:
    """A 15-seat code contract with the source course and its codes."""
    contract = local.contract("UCODE", "UCODE Contract", "code", "--max-learners", "15", org_key="UCODE")
    local.ok("b2b_courseware", "add", "--make-codes", str(contract), SOURCE_COURSE)
    return contract
