"""Waiting for the edX runs that `b2b_courseware add` has edX clone (docs/platforms/mitxonline.md §9).

The clone is asynchronous and nothing in MITx Online says whether it was queued or
failed: the only sign is the run appearing in edX. How to ask edX comes in as a
function (`provider/platforms.py` makes it from the edX client), so this module knows
neither client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# The first pause before looking again for a run edX is still cloning.
FIRST_PAUSE_S = 0.5


def wait_for_runs(
    exists: Callable[[str], bool],
    keys: Sequence[str],
    timeout: float,
    poll: float,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> list[str]:
    """Wait until `exists(key)` for every key; returns the keys still missing when
    `timeout` runs out.

    The first look again comes after half a second, each next one after twice the
    last pause, up to `poll`: a clone often lands within a second or two, and a
    fixed 5 s pause after the first miss was about half of the sandbox's wall in a
    1,000-resource first `up` (docs/benchmarks.md, "Command sessions")."""
    missing = list(keys)
    deadline = clock() + timeout
    pause = min(poll, FIRST_PAUSE_S)
    while True:
        missing = [key for key in missing if not exists(key)]
        if not missing or clock() >= deadline:
            return missing
        sleep(min(pause, max(0.0, deadline - clock())))
        pause = min(poll, pause * 2)
