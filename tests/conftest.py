"""Shared fixtures: a running sandbox (the local edX and MITx Online) per test session.

`sandbox` starts `courseware-sandbox` on a fresh state directory once per session and
stops it at the end; its `fault`, `log` and `edx` commands run in the test's process
(`InProcessSandbox`). Tests share it, so each test uses its own object names (see
`Sandbox.unique`) and clears the fault rules it added (`Sandbox.fault` does so itself
through the `faults` fixture). `Sandbox` and `start_sandbox` are in
tests/sandbox/helpers.py.

`make test` runs the files in parallel workers, each file whole on one worker, handed out
in collection order (scripts/test-suite: `--dist loadfile --no-loadscope-reorder`). Each
worker has its own `sandbox` (a session fixture is per worker), and its own module and
package sandboxes. Under workers the longest files are collected first
(`pytest_collection_modifyitems` below), so that none of them starts last and runs alone
at the end; docs/ci.md has the times they were ranked by.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.helpers import Sandbox, in_process, start_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running = in_process(start_sandbox(tmp_path_factory.mktemp("sandbox")))
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


# The files that take longest, longest first (seconds of one serial run, docs/ci.md).
# Under parallel workers they are handed out before every other file; the rest keep
# their order. A file missing here only starts later; one that no longer exists is ignored.
LONGEST_FIRST = (
    "tests/e2e/programs/test_programs.py",  # about 450 s: 7 tests, each a few `up`s (issue 26)
    "tests/e2e/preview_keeps_its_word/test_corpus_contracts.py",  # one test, 18 of the corpus's 37 edits
    "tests/e2e/preview_keeps_its_word/test_corpus_courses.py",  # one test, 12 edits
    "tests/e2e/preview_keeps_its_word/test_cases.py",  # 231 s
    "tests/faults/test_bad_input.py",  # 180 s
    "tests/e2e/preview_keeps_its_word/test_corpus_windows.py",  # one test, 7 edits
    "tests/faults/test_write_steps.py",  # 96 s
    "tests/e2e/todays_settings/test_reads_with_todays_settings.py",  # 94 s
    "tests/e2e/team/test_postgres_state.py",  # 93 s
    "tests/e2e/environment_free_prefix/test_env_stripped_prefix.py",  # 91 s
    "tests/faults/test_engine_faults.py",  # 73 s
    "tests/e2e/ci/test_ci_tooling.py",  # 72 s
    "tests/e2e/clear_failures/test_one_message_per_failure.py",  # 71 s
    "tests/e2e/adopt/test_adopt_hand_made.py",  # 69 s
    "tests/e2e/edx_course_run/test_course_run_engine.py",  # 67 s
    "tests/bench/test_bench_smoke.py",  # 66 s
    "tests/e2e/mitxonline_workflows/test_contract_lifecycle.py",  # 64 s
    "tests/e2e/walkthrough/test_new_partner.py",  # 64 s
    "tests/faults/test_command_timeouts.py",  # 61 s
)
# xdist gives a worker with two tests or fewer pending the next file at once, queued
# behind the one it runs: the worker of the one-test corpus gets a file as soon as the
# first files are handed out. This one, which takes no time, comes right then, so that
# no long file waits behind the corpus.
BEHIND_THE_FIRST = "tests/policies/test_policies.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:  # a serial run (or xdist's controller): as collected
        return
    # One file to each worker first, then the file that can wait, then the others.
    first = LONGEST_FIRST[: workerinput["workercount"]]
    order = [*first, BEHIND_THE_FIRST, *LONGEST_FIRST[len(first) :]]
    rank = {path: index for index, path in enumerate(order)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
