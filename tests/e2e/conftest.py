"""Fixtures for end-to-end tests: a sandbox of their own for tests that use fixed names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.helpers import Sandbox, in_process, start_sandbox


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A fresh sandbox for one test module: the shipped stacks use fixed course keys and
    organizations, so modules that apply them must not share state. Its `fault`, `log` and
    `edx` commands run in the test's process (`InProcessSandbox`)."""
    running = in_process(start_sandbox(tmp_path_factory.mktemp("module-sandbox"), "--clone-delay", "0.2"))
    try:
        yield running
    finally:
        running.cli("stop")
