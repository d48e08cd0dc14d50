"""Two costs of the Pulumi Python SDK (3.272.0) that a large catalog pays, removed.

Measured on a no-op preview at 1,000 resources (docs/benchmarks.md, decisions §14): the
program spent most of its time not in this project's code but in two places of the SDK.

1. **Debug messages are blocking RPCs.** Every `pulumi.log.debug` call sends a `Log`
   request to the engine and waits for the answer, on the event loop's thread: about
   three per registered resource and two per component output. The CLI shows them only
   with `pulumi --debug`. `tune_sdk()` makes `pulumi.log.debug` a no-op unless
   `COURSEWARE_SDK_DEBUG=1` is set, for the rare session that wants them.
2. **The final wait re-waits every pending output after each completion.** At the end
   of the program, `pulumi.runtime.stack.wait_for_rpcs` loops on
   `asyncio.wait(pending, return_when=FIRST_COMPLETED)` over every pending `Output`
   (about 16 per resource here): each pass adds and removes a callback on each of them,
   and the passes number in the hundreds. Waiting for all of them at once gives the same
   end state (the loop then awaits each done task, so a failure is still raised; only
   later, once the others have finished) in one pass. `tune_sdk()` hands that module an
   `asyncio` whose `wait` always waits for all.

Both reach into SDK internals, so `tune_sdk()` checks that the SDK still looks as it
expects and otherwise changes nothing (the program is then slower, never wrong);
`tests/unit/test_sdk_tuning.py` fails on an SDK upgrade that changes either shape, so the
tuning is looked at again rather than silently dropped. `COURSEWARE_SDK_TUNING=off`
turns both off.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Iterable
from typing import Any

import pulumi.log
import pulumi.runtime.stack as sdk_stack


class AsyncioWaitingForAll:
    """The `asyncio` module as `pulumi.runtime.stack` sees it after tuning: the same in
    every name but `wait`, which waits for every task whatever `return_when` says."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(
        tasks: Iterable[Awaitable[Any]], *, timeout: float | None = None, return_when: str = asyncio.ALL_COMPLETED
    ) -> tuple[set[Any], set[Any]]:
        del return_when  # always all: see the module docstring
        return await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.ALL_COMPLETED)


def _quiet_debug(msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None) -> None:
    """`pulumi.log.debug` after tuning: nothing is sent to the engine."""
    del msg, resource, stream_id, ephemeral


def sdk_has_expected_shape() -> bool:
    """True when the SDK still has the two places `tune_sdk` changes, as it expects them."""
    try:
        source = inspect.getsource(sdk_stack.wait_for_rpcs)
    except (OSError, TypeError, AttributeError):
        return False
    module_asyncio = getattr(sdk_stack, "asyncio", None)
    return (
        "asyncio.wait(" in source
        and "FIRST_COMPLETED" in source
        and (module_asyncio is asyncio or isinstance(module_asyncio, AsyncioWaitingForAll))
        and callable(getattr(pulumi.log, "debug", None))
    )


def tune_sdk() -> bool:
    """Apply both changes to this process's SDK; True when they are in place."""
    if os.environ.get("COURSEWARE_SDK_TUNING", "").lower() == "off" or not sdk_has_expected_shape():
        return False
    if os.environ.get("COURSEWARE_SDK_DEBUG") != "1":
        pulumi.log.debug = _quiet_debug
    setattr(sdk_stack, "asyncio", AsyncioWaitingForAll())  # noqa: B010 (a module attribute the SDK does not export)
    return True
