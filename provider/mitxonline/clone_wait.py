"""Waiting for the edX runs that `b2b_courseware add` has edX clone (docs/platforms/mitxonline.md §9).

The clone is asynchronous and nothing in MITx Online says whether it was queued or
failed: the only sign is the run appearing in edX. How to ask edX comes in as a
function (`provider/platforms.py` makes it from the edX client), so this module knows
neither client.

Each look costs one Studio read per run still missing, so when to look matters more
than how often one could: a run looked for right after its `add` is never there yet
(the clone is only queued), and a fixed pause after a miss either wastes reads (too
short) or wall time (too long). `CloneTimes` keeps how long this process's clones took
to appear; the wait's first look after an add comes then. A look that finds the runs at
once counts as a slightly shorter clone, so the estimate comes down when clones get
faster; a miss looks again after half the expected time, doubling, and never pauses
longer than `poll` or a quarter of the time already waited, whichever is longer (so a
run is seen at most that late). At 1,000 resources the previous schedule (look at
once, then after 0.5 s, doubling up to 5 s) cost about 4.4 Studio reads per cloned run
(docs/benchmarks.md); this one about 1.2 to 1.5 whatever the clone time
(tests/unit/mitxonline/test_clone_wait.py). And while a run is missing, the runs queued
after it are not looked at (`_look_in_order`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

# The first look after an add when no clone of this process has been seen yet: short,
# because a look that finds the run at once can only bring the estimate down slowly
# (`FOUND_AT_ONCE`), while a miss teaches a longer clone time at once. The sandbox clones
# in a few hundredths of a second; a real Studio takes seconds, which the first observed
# clone teaches.
PRIOR_S = 0.25
# The shortest pause between two looks: fast clones are seen a tenth of a second late
# at most, and slow ones pause longer anyway (half the expected clone time, doubling).
MIN_PAUSE_S = 0.1
# A run found at the first look counts as this share of the time it was looked for: it
# may have landed earlier, so the estimate can come down as well as go up.
FOUND_AT_ONCE = 0.9
# After a miss, a pause may be as long as this share of the time already waited (when
# longer than `poll`): a slow clone costs a few reads, and is seen at most that late.
LATE_SHARE = 0.25
# How much a new observation moves the estimate (an exponential moving average).
WEIGHT = 0.5


class CloneTimes:
    """How long this process's clones took to appear in edX after their `add`, as an
    exponential moving average of the times of the looks that found them. Shared by the
    provider's worker threads (thread-safe)."""

    def __init__(self, prior: float = PRIOR_S) -> None:
        self._lock = threading.Lock()
        self._estimate: float | None = None
        self._prior = prior

    @property
    def estimate(self) -> float:
        with self._lock:
            return self._prior if self._estimate is None else self._estimate

    def observe(self, seconds: float) -> None:
        with self._lock:
            if self._estimate is None:
                self._estimate = seconds
            else:
                self._estimate = (1 - WEIGHT) * self._estimate + WEIGHT * seconds


def wait_for_runs(
    exists: Callable[[str], bool],
    keys: Sequence[str],
    timeout: float,
    poll: float,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    times: CloneTimes | None = None,
) -> list[str]:
    """Wait until `exists(key)` for every key; returns the keys still missing when
    `timeout` runs out.

    With `times` (the keys were just added, so their clones were just queued) the first
    look comes at the expected clone time, each run found tells `times` how long it
    took, and a miss looks again after half the expected time, doubling. Without it
    (runs an earlier operation added) the first look is at once, then after
    `MIN_PAUSE_S`, doubling. A pause is at most `poll`, or `LATE_SHARE` of the time
    already waited when that is longer."""
    missing = list(keys)
    started = clock()
    deadline = started + timeout
    expected = times.estimate if times is not None else 0.0
    if times is not None and missing:
        sleep(min(expected, timeout))
    pause = max(MIN_PAUSE_S, expected / 2)
    first = True
    while True:
        still, seen_missing = _look_in_order(exists, missing, past_first_look=not first)
        if times is not None and len(still) < len(missing):
            found_after = clock() - started
            for _ in range(len(missing) - len(still)):
                times.observe(FOUND_AT_ONCE * found_after if first else found_after)
        missing, first = still, False
        if not missing:
            return missing
        if clock() >= deadline:
            # The runs this look skipped are looked at now, so what is reported missing
            # is missing.
            return missing[:seen_missing] + [key for key in missing[seen_missing:] if not exists(key)]
        pause = min(pause, max(poll, LATE_SHARE * (clock() - started)))
        sleep(min(pause, max(0.0, deadline - clock())))
        pause *= 2


def _look_in_order(exists: Callable[[str], bool], keys: list[str], *, past_first_look: bool) -> tuple[list[str], int]:
    """The keys from the first one edX lacks on, and how many of those this look saw
    missing (0 or 1). MITx Online's worker clones one run at a time in the order they
    were queued, so while one run is missing those queued after it are missing too, and
    looking at them costs a read each for nothing. Past the first look, a run found now
    landed since the last look, so the next one, cloned after it, is most likely still
    missing: it waits for the next look. (Were the order wrong, a run found later is
    found at the next look: no read is added.)"""
    for index, key in enumerate(keys):
        if not exists(key):
            return keys[index:], 1
        if past_first_look:
            return keys[index + 1 :], 0
    return [], 0
