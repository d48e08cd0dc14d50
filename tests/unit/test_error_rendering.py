"""A ProviderError reaches the CLI as its message and next step, through the dynamic
provider server's own error handling (issue 14, item 8).

The server module (`python -m pulumi.dynamic`) is loaded from the installed SDK without
starting it, as the provider process runs it; its own `_abort_with_traceback` wrapper
then turns a provider method's exception into the gRPC error the CLI prints. These
tests fail when an SDK upgrade changes how that wrapper formats errors.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider.base import TracebackWithoutProviderErrors, render_provider_errors
from provider.errors import ServerError


class Context:
    """The gRPC servicer context: `abort` records what the CLI would print."""

    def __init__(self) -> None:
        self.details: str | None = None

    def abort(self, code: Any, details: str) -> None:
        self.details = details


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """The SDK's provider server module as `__main__`, everything but its final `main()`."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text()
    assert source.rstrip().endswith("\nmain()"), "the server no longer ends by calling main()"
    module = types.ModuleType("__main__")
    module.__spec__ = spec
    module.__file__ = spec.origin
    exec(compile(source.rstrip().removesuffix("main()"), spec.origin, "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "__main__", module)
    yield module


def call(server: types.ModuleType, error: BaseException) -> str:
    def create(self: object, request: object, context: Context) -> None:
        raise error

    context = Context()
    server._abort_with_traceback(create)(object(), object(), context)
    assert context.details is not None
    return context.details


def test_a_provider_error_reaches_the_cli_as_message_and_next_step(server: types.ModuleType) -> None:
    error = ServerError("POST", "http://studio.test/api/v1/course_runs/", 500, '{"detail": "broke"}', "create K")
    assert "Traceback" in call(server, error)  # what the SDK does on its own
    assert render_provider_errors()
    assert call(server, error) == error.render()
    assert "Traceback" not in error.render() and "Next step:" in error.render()


def test_a_bug_keeps_its_traceback(server: types.ModuleType) -> None:
    assert render_provider_errors()
    details = call(server, KeyError("missing"))
    assert details.startswith("Traceback (most recent call last):") and "KeyError: 'missing'" in details


def test_it_is_applied_once_and_only_inside_the_provider_server(
    server: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render_provider_errors() and render_provider_errors()
    assert isinstance(server.traceback, TracebackWithoutProviderErrors)
    assert server.traceback.format_list is traceback.format_list
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert not render_provider_errors()


def test_a_provider_errors_traceback_is_kept_at_debug(
    server: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    assert render_provider_errors()
    with caplog.at_level("DEBUG", logger="provider"):
        call(server, ServerError("GET", "http://x/", 500, "broke", "read K"))
    [record] = [r for r in caplog.records if r.levelname == "DEBUG"]
    assert "Traceback (most recent call last):" in record.getMessage()
    assert "provider.errors.ServerError: read K: GET http://x/ answered 500" in record.getMessage()
