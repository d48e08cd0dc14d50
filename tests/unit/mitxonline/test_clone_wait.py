"""When the clone wait looks at edX (provider/mitxonline/clone_wait.py): each look is one
Studio read per run still missing, so the schedule is what the reads cost."""

from __future__ import annotations

import math

import pytest

from provider.mitxonline.clone_wait import FOUND_AT_ONCE, MIN_PAUSE_S, PRIOR_S, CloneTimes, wait_for_runs


class Edx:
    """Runs that appear `clone_s` after their add, on a fake clock; counts the looks."""

    def __init__(self, clone_s: float) -> None:
        self.now = 0.0
        self.clone_s = clone_s
        self.added_at: dict[str, float] = {}
        self.reads = 0

    def add(self, *keys: str) -> None:
        for key in keys:
            self.added_at[key] = self.now

    def exists(self, key: str) -> bool:
        self.reads += 1
        return self.now - self.added_at[key] >= self.clone_s

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def wait(self, keys: list[str], times: CloneTimes | None, timeout: float = 900) -> list[str]:
        return wait_for_runs(self.exists, keys, timeout, 5.0, sleep=self.sleep, clock=self.clock, times=times)


@pytest.mark.parametrize("clone_s", [0.05, 0.3, 1.0, 4.0, 30.0, 120.0, 600.0])
def test_just_added_runs_cost_fewer_than_two_reads_each_on_average(clone_s: float) -> None:
    """50 contracts of 2 courses each, one after the other, whatever the clone time: the
    first contract pays for learning it, the others look about when the clones land."""
    edx, times = Edx(clone_s), CloneTimes()
    runs = 0
    for contract in range(50):
        keys = [f"course-v1:UAI_B+{course}+1T{contract}C2026_en" for course in ("A", "B")]
        edx.add(*keys)
        assert edx.wait(keys, times) == []
        runs += len(keys)
    assert edx.reads / runs <= 2, (edx.reads, runs)


def test_the_first_look_after_an_add_waits_for_the_expected_clone_time() -> None:
    edx, times = Edx(0.0), CloneTimes()
    edx.add("k")
    assert edx.wait(["k"], times) == []
    # Nothing seen yet: the prior; and the run found at that look is what was seen.
    assert edx.now == pytest.approx(PRIOR_S)
    assert edx.reads == 1
    # Found at the first look: it may have come earlier.
    assert times.estimate == pytest.approx(FOUND_AT_ONCE * PRIOR_S)


def test_runs_added_by_an_earlier_operation_are_looked_for_at_once() -> None:
    edx = Edx(0.0)
    edx.add("k")
    assert edx.wait(["k"], None) == []
    assert (edx.now, edx.reads) == (0.0, 1)


def test_a_clone_that_never_comes_is_missing_at_the_deadline() -> None:
    edx, times = Edx(10_000.0), CloneTimes()
    edx.add("k")
    assert edx.wait(["k"], times, timeout=30) == ["k"]
    assert edx.now == pytest.approx(30)
    # The first look, the pauses doubling from MIN_PAUSE_S up to `poll` (5 s), then one
    # look per 5 s at most, and the look at the deadline: a run that comes late is seen
    # soon after, and a run that never comes costs a bounded number of reads.
    assert edx.reads <= 1 + math.ceil(math.log2(5 / MIN_PAUSE_S)) + 30 / 5 + 1


def test_a_slow_clone_is_seen_at_most_a_quarter_of_the_wait_late() -> None:
    edx, times = Edx(600.0), CloneTimes()
    edx.add("k")
    assert edx.wait(["k"], times) == []
    assert 600 <= edx.now <= 600 * 1.25 + 1


def test_a_timeout_shorter_than_the_expected_clone_time_still_looks_once() -> None:
    edx, times = Edx(0.0), CloneTimes(prior=60.0)
    edx.add("k")
    assert edx.wait(["k"], times, timeout=3) == []
    assert edx.now == pytest.approx(3) and edx.reads == 1


def test_runs_queued_after_a_missing_one_are_not_looked_at() -> None:
    """MITx Online clones one run at a time in the order they were queued."""
    edx = Edx(0.0)
    edx.add("first", "second")
    landed = {"first": 6.0, "second": 9.0}
    edx.exists = lambda key: (setattr(edx, "reads", edx.reads + 1), edx.now >= landed[key])[1]  # type: ignore[method-assign]
    assert edx.wait(["first", "second"], CloneTimes(prior=1.0)) == []
    # 1, 1.5, 2.5, 4.5 and 8.5 s: "first" alone until it lands; "second", cloned after
    # it, is looked at from the next look on (13.5 s), where it is found.
    assert edx.reads == 5 + 1


def test_at_the_deadline_every_run_is_looked_at_so_only_missing_ones_are_reported() -> None:
    edx = Edx(0.0)
    edx.add("failed", "cloned")
    edx.exists = lambda key: key == "cloned"  # type: ignore[method-assign]
    assert edx.wait(["failed", "cloned"], CloneTimes(), timeout=10) == ["failed"]
