"""The provider process serves as many calls at once as the engine sends (provider/server_threads.py).

A real `ThreadPoolExecutor` of 4, as the SDK's dynamic provider server makes, stands for
the server: these tests fail when a Python upgrade changes the pool internals the module
relies on, or when the widening stops taking effect.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from provider.server_threads import SERVER_THREADS, serve_more_calls_at_once

# Long enough for every call of a batch to be running at once on a loaded machine; the
# calls end as soon as the barrier fills, so a passing test does not wait for it.
BARRIER_TIMEOUT_S = 30.0


def _all_at_once(pool: ThreadPoolExecutor, calls: int, timeout: float = BARRIER_TIMEOUT_S) -> bool:
    """True when `calls` calls submitted together all ran at the same time (each waits
    up to `timeout` for the others)."""
    barrier = threading.Barrier(calls, timeout=timeout)

    def call() -> bool:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    futures = [pool.submit(call) for _ in range(calls)]
    wait(futures)
    return all(future.result() for future in futures)


def test_a_call_of_the_pool_widens_its_own_pool() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert pool.submit(serve_more_calls_at_once).result() is True
        assert pool._max_workers == SERVER_THREADS
        assert _all_at_once(pool, 12)


def test_a_pool_left_alone_runs_four_at_once_and_no_more() -> None:
    """The control: without the widening, 5 calls never meet (the barrier breaks)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert not _all_at_once(pool, 5, timeout=0.5)


def test_a_wider_pool_is_never_narrowed() -> None:
    with ThreadPoolExecutor(max_workers=SERVER_THREADS * 2) as pool:
        assert pool.submit(serve_more_calls_at_once).result() is True
        assert pool._max_workers == SERVER_THREADS * 2


def test_outside_a_pool_nothing_changes() -> None:
    assert serve_more_calls_at_once() is False
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(serve_more_calls_at_once()))
    thread.start()
    thread.join()
    assert results == [False]
