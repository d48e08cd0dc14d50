"""Results of MITx Online reads, shared by every resource of one provider process.

Commands cost about 20 s each in a real deployment (docs/platforms/mitxonline.md §2), so
the client (`client.MitxOnline`) keeps what it read here, by key, until its next write:
every resource of a refresh (up to four at once, docs/platforms/pulumi.md §2) reuses the
first one's listing instead of running the command again. This module knows nothing of
what is read; the client decides the keys and when to forget them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

T = TypeVar("T")


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded_at: float | None = None
    value: Any = None


class SharedReads:
    """Results of reads, loaded once per key until the next write (thread-safe).

    Concurrent callers of one key wait for the first one's load instead of running the
    same command again. `forget()` drops everything; a load that was running when it
    was called still answers its own callers but is not kept. A result older than
    `max_age` seconds is loaded again, which bounds how stale a long-lived provider
    process can get; one refresh reads well within it.
    """

    def __init__(self, max_age: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._max_age = max_age
        self._clock = clock

    def get(self, key: str, load: Callable[[], T]) -> T:
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
        with slot.lock:
            fresh = slot.loaded_at is not None and self._clock() - slot.loaded_at < self._max_age
            if not fresh:
                started = self._clock()
                slot.value = load()
                with self._lock:
                    slot.loaded_at = started if self._slots.get(key) is slot else None
            return cast(T, slot.value)

    def discard(self, key: str) -> None:
        """Drop the result of `key`, so the next `get` loads it again."""
        with self._lock:
            self._slots.pop(key, None)

    def forget(self, keep: frozenset[str] = frozenset()) -> None:
        """Drop every result but those of `keep`."""
        with self._lock:
            self._slots = {key: slot for key, slot in self._slots.items() if key in keep}

    def forget_where(self, stale: Callable[[str], bool]) -> None:
        """Drop the results whose key `stale` names; a load of one still running answers
        its own callers but is not kept, as with `forget`."""
        with self._lock:
            self._slots = {key: slot for key, slot in self._slots.items() if not stale(key)}

    def update(self, key: str, change: Callable[[T], T]) -> None:
        """Replace a loaded result of `key` by `change(result)`; nothing when none is loaded.

        Runs under the key's lock, so a load still running finishes first and `change`
        applies to its result; `change` must hold whether or not that load already saw
        the write it describes.
        """
        with self._lock:
            slot = self._slots.get(key)
        if slot is None:
            return
        with slot.lock:
            if slot.loaded_at is not None:
                slot.value = change(cast(T, slot.value))
