"""The Pulumi SDK's own mocks, with a monitor that keeps every registration request.

`pulumi.runtime.set_mocks` runs a program's resources through the SDK (serialisation,
resource options, the final wait) with an in-process monitor instead of the engine, so
a unit test sees exactly what the program would send to `pulumi preview`, fast. The
providers themselves are never called: their tests are tests/provider and tests/e2e.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pulumi
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import settings as sdk_settings


class EchoMocks(pulumi.runtime.Mocks):
    """Every resource is created with its inputs as its outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # An invoke answers nothing and fails nothing (the SDK's mock monitor iterates the
        # failures, so they are an empty list, not None): an empty catalog's look at the
        # stack's last state finds no resources.
        return {}, []


class RecordingMonitor(sdk_mocks.MockMonitor):
    """A mock monitor that keeps each RegisterResource request, as the engine receives it."""

    def __init__(self, mocks: pulumi.runtime.Mocks | None = None) -> None:
        super().__init__(mocks or EchoMocks())
        self.registered: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.registered.append(request)
        return super().RegisterResource(request)

    def of_type(self, type_token: str) -> list[Any]:
        return [request for request in self.registered if request.type == type_token]


@contextmanager
def mocked_engine(
    config: dict[str, str] | None = None, *, preview: bool = True, mocks: pulumi.runtime.Mocks | None = None
) -> Iterator[RecordingMonitor]:
    """The SDK configured against a `RecordingMonitor` (answering through `mocks`, an
    `EchoMocks` by default) for one test, then reset."""
    monitor = RecordingMonitor(mocks)
    sdk_settings.reset_options()
    pulumi.runtime.set_mocks(monitor.mocks, project="courseware", stack="unit", preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(config or {})
    try:
        yield monitor
    finally:
        pulumi.runtime.set_all_config({})
        sdk_settings.reset_options()
