"""Shared fixtures: a running sandbox (the local edX and MITx Online) per test session.

`sandbox` starts `courseware-sandbox` on a fresh state directory once per session and
stops it at the end. Tests share it, so each test uses its own object names (see
`Sandbox.unique`) and clears the fault rules it added (`Sandbox.fault` does so itself
through the `faults` fixture). `Sandbox` and `start_sandbox` are in
tests/sandbox/helpers.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.helpers import Sandbox, start_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    try:
        yield running
    finally:
        running.cli("stop")


@pytest.fixture
def faults(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox, with every fault rule cleared after the test."""
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture(autouse=True)
def unconfigured_provider_process() -> Iterator[None]:
    """Every test starts with a provider process that `configure()` has not reached, and
    leaves none behind: a test that configures settings (say, an unreachable URL) must not
    make a later test's check look for objects there. `provider.platforms` is the one
    place that holds clients, so resetting it forgets them all (and closes them)."""
    from provider import platforms

    platforms.reset()
    yield
    platforms.reset()
