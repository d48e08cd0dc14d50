"""What every resource provider shares beyond its declared fields (provider/declared.py):
configuration and the rendering of errors.

Public API:

    ProviderBase                      ResourceProvider whose configure() reads stack config
                                      and shows ProviderErrors without a traceback
    render_provider_errors()          make the dynamic provider server show a ProviderError
                                      as its message and next step (called by configure)
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from provider import journal, lean_httpx, platforms, server_threads
from provider.errors import ProviderError
from provider.logs import log_to_stderr, logger
from provider.settings import settings_from_config

# The module the engine runs as the provider process (`python -m pulumi.dynamic`).
_DYNAMIC_SERVER = "pulumi.dynamic.__main__"


class TracebackWithoutProviderErrors:
    """The `traceback` module as the dynamic provider server sees it once
    `render_provider_errors()` ran: the same in every name but `format_exc`.

    The server turns any exception of a provider method into the gRPC error the CLI
    prints, and writes `traceback.format_exc()` into it: a ProviderError, which already
    names the resource's step, the platform's answer and what to do, would come with a
    page of Python frames (issue 14, item 8). Any other exception is a bug in this
    project and keeps its traceback.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        error = sys.exception()
        if isinstance(error, ProviderError):
            # Kept for whoever debugs the provider itself (COURSEWARE_LOG_LEVEL=DEBUG).
            logger("base").debug("%s", "".join(traceback.format_exception(error, limit=limit, chain=chain)))
            return error.render()
        return traceback.format_exc(limit=limit, chain=chain)


def render_provider_errors() -> bool:
    """Make the dynamic provider server of this process show a ProviderError as its
    `render()` (message and next step), never as a traceback. True when it is in place.

    It runs only inside `python -m pulumi.dynamic`, and only when that module still
    formats errors the way this expects (a module-level `traceback` it calls
    `format_exc` on); otherwise it changes nothing and errors keep their tracebacks.
    `tests/unit/test_error_rendering.py` fails when an SDK upgrade changes that shape.
    """
    server = sys.modules.get("__main__")
    spec = getattr(server, "__spec__", None)
    if server is None or spec is None or spec.name != _DYNAMIC_SERVER:
        return False
    current = getattr(server, "traceback", None)
    if isinstance(current, TracebackWithoutProviderErrors):
        return True
    if current is not traceback or not callable(getattr(server, "_abort_with_traceback", None)):
        return False
    setattr(server, "traceback", TracebackWithoutProviderErrors())  # noqa: B010 (a name the SDK does not export)
    return True


_WRITING_OPERATIONS = ("create", "update", "delete")


def _journaled(operation: Callable[..., Any]) -> Callable[..., Any]:
    """`operation` with a fresh write record (provider/journal.py): a ProviderError that
    ends it carries the writes it had made, so its message says what took effect."""

    @functools.wraps(operation)
    def run(self: ProviderBase, *args: Any) -> Any:
        journal.begin()
        try:
            return operation(self, *args)
        except ProviderError as error:
            error.writes_done = journal.written()
            error.in_operation = True
            raise

    return run


class ProviderBase(ResourceProvider):
    """Base of every provider in this project.

    Holds nothing: settings arrive through `configure()`, which the engine calls in the
    provider process after unpickling (docs/platforms/pulumi.md §1), so no
    credential is ever pickled into state. `configure()` hands the settings to
    `provider.platforms`, the one place that builds clients from them; the methods
    take their clients from there.

    Each subclass's create, update and delete keep a record of their writes
    (`_journaled`), so an error after a write never reads as if nothing had changed.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _WRITING_OPERATIONS:
            if name in vars(cls):
                setattr(cls, name, _journaled(vars(cls)[name]))

    def configure(self, req: ConfigureRequest) -> None:
        log_to_stderr()
        render_provider_errors()
        # The SDK's server runs 4 calls at once; the engine sends up to 4 per core.
        server_threads.serve_more_calls_at_once()
        # Before the first request imports httpx: its command line costs 0.1 s per process.
        lean_httpx.leave_out_httpx_command_line()
        platforms.configure(settings_from_config(req.config))
