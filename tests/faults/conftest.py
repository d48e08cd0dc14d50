"""Fixtures for the fault tests (issue 8, docs/reliability.md).

`faulty` is a sandbox of this package's own, started with a short clone delay, so fault
rules and fixed names never meet another package's tests. `providers` configures every
provider against it (each test gets new clients: tests/conftest.py resets
`provider.platforms`) and makes the wait for edX clones poll quickly; tests forget shared
reads between steps, since a new `pulumi up` is a new provider process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import CheckResult, Config, ConfigureRequest, ResourceProvider

from provider import platforms
from provider.base import ProviderBase
from provider.edx.client import RetryPolicy
from provider.mitxonline import retries
from provider.mitxonline.client import MitxOnline
from tests.sandbox.helpers import Sandbox, in_process, start_sandbox


@pytest.fixture(scope="package")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from _in_process_sandbox(tmp_path_factory.mktemp("faults-sandbox"))


def _in_process_sandbox(state_dir: Path) -> Iterator[Sandbox]:
    """A sandbox with a short clone delay, driven in-process, stopped afterwards."""
    running = in_process(start_sandbox(state_dir, "--clone-delay", "0.1"))
    try:
        yield running
    finally:
        running.cli("stop")


def configured(sandbox: Sandbox, provider_class: type[ResourceProvider], **mitxonline: Any) -> Any:
    """A provider configured as the engine would; `mitxonline` adds or replaces
    `courseware:mitxonline` settings (`commandTimeout=3`)."""
    provider = provider_class()
    provider.configure(ConfigureRequest(Config(sandbox.stack_config(**mitxonline), "courseware")))
    return provider


def checked(provider: ResourceProvider, olds: dict[str, Any] | None = None, **news: Any) -> dict[str, Any]:
    result: CheckResult = provider.check(olds or {}, {**news, "__provider": "serialised"})
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


@pytest.fixture
def providers(faulty: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The package sandbox with providers configured against it; fault rules are cleared
    after each test."""
    configured(faulty, ProviderBase)
    original = MitxOnline.wait_for_edx

    def quick(self: MitxOnline, keys: Any, timeout: float, poll: float = 5.0, *, just_added: bool = False) -> list[str]:
        # Only the poll interval changes: the clone delay of this sandbox is 0.1 s.
        return original(self, keys, timeout, poll=0.2, just_added=just_added)

    monkeypatch.setattr(MitxOnline, "wait_for_edx", quick)
    # Shorter pauses between tries; the number of tries, which is what is tested, stays.
    monkeypatch.setattr(retries, "COMMAND_PAUSE", 0.05)
    edx = platforms.edx()
    monkeypatch.setattr(edx, "_retry", RetryPolicy(backoff=0.05, max_backoff=0.2))
    try:
        yield faulty
    finally:
        faulty.clear_faults()


@pytest.fixture(scope="module")
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox of one test module's own, for end-to-end tests with fixed names."""
    yield from _in_process_sandbox(tmp_path_factory.mktemp("faults-e2e"))


def source_course(key: str, title: str = "Fault Tolerance") -> dict[str, Any]:
    """A stack-file source course entry."""
    return {
        "course_key": key,
        "title": title,
        "start": "2026-01-05T00:00:00Z",
        "end": "2030-12-31T00:00:00Z",
        "pacing": "self_paced",
    }


def contract(org: str, name: str, courses: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "organization": org,
        "name": name,
        "membership_type": "code",
        "max_learners": 3,
        "start": "2026-01-01",
        "end": "2030-12-31",
        "courses": courses,
        **extra,
    }


def commands_of(sandbox: Sandbox, *words: str) -> list[list[str]]:
    """The argv of every command the sandbox ran that starts with `words`."""
    return [e["argv"] for e in sandbox.log() if e["kind"] == "command" and e["argv"][: len(words)] == list(words)]
