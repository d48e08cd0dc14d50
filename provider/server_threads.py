"""How many of the engine's calls the provider process serves at once (issue 27).

The engine sends a provider up to four calls per core at a time (`pulumi up --parallel`
defaults to 4 times GOMAXPROCS: 8 on a 2-core machine), but the SDK's dynamic provider
server (`python -m pulumi.dynamic`) hands its gRPC calls to a thread pool of 4. A call
of this project often waits without working: for a clone to appear in edX, for a
command session another call is using, for a platform's answer. With 4 threads, four
contracts waiting for their clones hold every thread, and the engine's other calls,
ready to run, queue behind them: at 425 resources the first `up`'s Create calls took 61 s
of wall summed with 4 threads and 36 s with more (docs/benchmarks.md, "Issue 27, the
engine's state writes").

`serve_more_calls_at_once()` raises that pool's size to `SERVER_THREADS`, so the engine's
own limit is the one that holds (`--parallel` still lowers it, and `--parallel 1` still
runs one call at a time). It runs in `configure`, which the server calls in one of the
pool's own threads: a `ThreadPoolExecutor` worker thread is started with a weak reference
to its pool as its first argument, and the pool starts a new thread on a submit while it
has fewer than `_max_workers`. Both are CPython internals (3.11 here, pinned by
pyproject's `requires-python`); when either is not as expected the pool is left as it is,
which is slower and never wrong. `tests/unit/test_server_threads.py` runs a real pool,
and fails when a Python upgrade changes those internals.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

# Above the engine's default on any machine this runs on (4 per core); the engine's own
# limit decides how many calls actually come at once.
SERVER_THREADS = 32


def serve_more_calls_at_once(threads: int = SERVER_THREADS) -> bool:
    """Let the thread pool running the current thread run up to `threads` calls at once.
    True when the pool now allows at least that many; False, changing nothing, when the
    current thread is not a pool's worker or the pool's internals are not as expected."""
    pool = _pool_of(threading.current_thread())
    if pool is None or not isinstance(getattr(pool, "_max_workers", None), int):
        return False
    if pool._max_workers < threads:
        pool._max_workers = threads
    return True


def _pool_of(thread: threading.Thread) -> ThreadPoolExecutor | None:
    """The `ThreadPoolExecutor` whose worker `thread` is, or None."""
    args = getattr(thread, "_args", None)
    if not isinstance(args, tuple) or not args or not isinstance(args[0], weakref.ref):
        return None
    pool = args[0]()
    return pool if isinstance(pool, ThreadPoolExecutor) else None
