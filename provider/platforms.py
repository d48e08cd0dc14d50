"""The composition root: the platform clients of a provider process, built from its settings.

The engine calls `configure()` on each provider it unpickles, then the provider's
methods on up to four worker threads (docs/platforms/pulumi.md §1, §2). `configure()`
hands the settings to `configure()` here, which makes them the process's one current
`Platforms`; every method takes its clients from `current()`. This module is the only
place that turns settings into clients and the only one that knows both platforms:
the MITx Online client asks edX whether a run exists through the `edx_run_exists`
callable it is given here, and gets its timeouts from its own settings.

The clients hold what is worth sharing across calls (the edX token, MITx Online's
command sessions and shared reads), so a `configure()` with the settings already in
place keeps them, and one that changes only the MITx Online settings keeps the edX
client.

Public API:

    Platforms(settings, edx=, mitxonline=)   the clients of one set of settings, built
                                              on first use (or given, for tests)
    configure(settings)                       make them the process's current platforms
    current()                                 the current `Platforms`
    edx(), mitxonline()                       its clients
    install(platforms)                        make a given `Platforms` current (tests)
    reset()                                   forget and close every one made (tests)
"""

from __future__ import annotations

import threading

from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.errors import ConfigurationError
from provider.mitxonline.client import MitxOnline
from provider.settings import PlatformSettings


class Platforms:
    """The edX and MITx Online clients of one `PlatformSettings`, thread-safe.

    Each client is built the first time it is asked for, so a stack that configures one
    platform only never needs the other's settings. `edx` and `mitxonline` put ready
    clients in place instead (a test's fake, or a client kept from earlier settings).
    """

    def __init__(
        self,
        settings: PlatformSettings,
        *,
        edx: EdxClient | None = None,
        mitxonline: MitxOnline | None = None,
    ) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._edx = edx
        self._mitxonline = mitxonline

    def __repr__(self) -> str:
        return f"Platforms(edx={self._edx!r}, mitxonline={self._mitxonline!r})"

    def edx(self) -> EdxClient:
        """The edX client; raises ConfigurationError when edX is not configured."""
        with self._lock:
            if self._edx is None:
                self._edx = EdxClient(self.settings.require_edx())
            return self._edx

    def mitxonline(self) -> MitxOnline:
        """The MITx Online client; raises ConfigurationError when it is not configured."""
        with self._lock:
            if self._mitxonline is None:
                self._mitxonline = MitxOnline(self.settings.require_mitxonline(), edx_run_exists=self.edx_run_exists)
            return self._mitxonline

    def edx_run_exists(self, key: str) -> bool:
        """Whether edX has the run `key`: what MITx Online's clone wait polls."""
        return self.edx().find_course_run(CourseKey.parse(key)) is not None

    def successor(self, settings: PlatformSettings) -> Platforms:
        """The platforms of `settings` after these: this object when nothing changed,
        else new ones that keep the edX client (and its token) when edX's settings did
        not change. A kept client serves the calls still running on other threads."""
        if settings == self.settings:
            return self
        with self._lock:
            kept = self._edx if settings.edx == self.settings.edx else None
        return Platforms(settings, edx=kept)

    def close(self) -> None:
        """Close the clients built so far (command sessions, HTTP connections)."""
        with self._lock:
            edx, mitxonline = self._edx, self._mitxonline
        if mitxonline is not None:
            mitxonline.close()
        if edx is not None:
            edx.close()


# The provider process's one current platforms: set by `configure()`, read by every
# method on every worker thread.
_current: Platforms | None = None
# Platforms that new settings replaced. A call on another thread may still be using
# them, so they are closed by `reset()`, not when replaced. The engine configures a
# process with one stack config, so outside tests this stays empty.
_replaced: list[Platforms] = []
_current_lock = threading.Lock()


def configure(settings: PlatformSettings) -> Platforms:
    """Make `settings` the process's; returns the platforms now current."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Platforms(settings)
        else:
            successor = _current.successor(settings)
            if successor is not _current:
                _replaced.append(_current)
            _current = successor
        return _current


def current() -> Platforms:
    """The platforms of the settings `configure()` last set."""
    with _current_lock:
        if _current is None:
            raise ConfigurationError("the provider was called before configure(): no stack config")
        return _current


def edx() -> EdxClient:
    """The current edX client."""
    return current().edx()


def mitxonline() -> MitxOnline:
    """The current MITx Online client."""
    return current().mitxonline()


def install(platforms: Platforms) -> None:
    """Make `platforms` current, as `configure()` would (tests hand in fakes this way)."""
    global _current
    with _current_lock:
        _current = platforms


def reset() -> None:
    """Back to a process `configure()` has not reached; every client built since the
    last reset is closed. The one reset point for tests."""
    global _current
    with _current_lock:
        previous = [*_replaced, *([_current] if _current is not None else [])]
        _current = None
        _replaced.clear()
    for platforms in previous:
        platforms.close()
