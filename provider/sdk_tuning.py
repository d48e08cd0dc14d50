"""Three costs of the Pulumi Python SDK that a large catalog pays, removed on the pinned SDK,
and one traceback it prints for nothing.

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
   `asyncio` whose `wait` waits for all when asked for the first completed; every other
   name, `wait` with any other `return_when` included, is the real module's.

3. **A cancelled registration prints a Python traceback.** When a resource's step fails,
   the engine cancels the program's registrations still in flight; the SDK turns that
   gRPC `CANCELLED` into a bare `Exception("context canceled")`, which the language host
   prints as "Program failed with an unhandled exception" and a traceback, under the
   step's own error. It is a consequence of that error, not a second one, and whether it
   happens depends on timing (a busier machine makes it likelier). `tune_sdk()` makes the
   SDK turn `CANCELLED` into a `pulumi.RunError` whose one line says so, as the SDK
   already does for `UNAVAILABLE` (the engine shutting down).

4. **Every resource's state holds the whole Python stack that registered it.** The SDK
   sends each registration the stack trace from the resource's constructor down to the
   interpreter's first frame (about 17 frames: the program, the SDK's runtime,
   `asyncio`, the language host's script), and the engine keeps it in the resource's
   state as `stackTrace`: about 1.6 KB a resource, a third of this project's state at
   425 resources. The engine writes the whole state after every step, so each step of a
   first `up` writes every earlier resource's stack again (docs/benchmarks.md, issue 27).
   `tune_sdk()` keeps the first frame, the line of this project that made the resource:
   the same frame the SDK takes as the resource's `sourcePosition`, which is unchanged.

All four reach into SDK internals that no release promises to keep, so the tuning applies
only to the exact SDK version it was written and measured against (`TUNED_SDK`, the pin
of pyproject.toml); on any other version the program runs the stock SDK, slower but
never wrong. `tests/unit/test_sdk_tuning.py` fails when the pin moves without this
module, and runs the SDK's own final wait to show the tuning takes effect. The program
says in one line on the engine's debug channel (`pulumi preview --debug`, the place
where the quieted messages would have been) whether the tuning is on.
`COURSEWARE_SDK_TUNING=off` turns all four off.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
from collections.abc import Awaitable, Iterable
from typing import Any

import grpc
import pulumi
import pulumi.log
import pulumi.runtime.resource as sdk_resource
import pulumi.runtime.settings as sdk_settings
import pulumi.runtime.stack as sdk_stack
from pulumi.runtime.proto import source_pb2

# The SDK version whose internals the changes were written and measured against.
TUNED_SDK = "3.272.0"


class AsyncioWaitingForAll:
    """The `asyncio` module as `pulumi.runtime.stack` sees it after tuning: the same in
    every name but `wait`, which waits for every task when asked for the first one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(
        tasks: Iterable[Awaitable[Any]], *, timeout: float | None = None, return_when: str = asyncio.ALL_COMPLETED
    ) -> tuple[set[Any], set[Any]]:
        if return_when == asyncio.FIRST_COMPLETED:
            # The final wait's loop: all at once (see the module docstring).
            return_when = asyncio.ALL_COMPLETED
        return await asyncio.wait(tasks, timeout=timeout, return_when=return_when)


def _quiet_debug(msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None) -> None:
    """`pulumi.log.debug` after tuning: nothing is sent to the engine."""
    del msg, resource, stream_id, ephemeral


# The SDK's own mapping from a gRPC error to the exception the program raises.
STOCK_GRPC_ERROR_TO_EXCEPTION = sdk_settings.grpc_error_to_exception

# What the program says, instead of a traceback, when the engine cancels a registration.
CANCELLED_BY_ENGINE = (
    "the engine cancelled this program's remaining registrations because a step failed; "
    "that step's error, above, is the one to act on"
)


def grpc_error_to_exception(exn: grpc.RpcError) -> Exception:
    """`pulumi.runtime.settings.grpc_error_to_exception` after tuning: `CANCELLED` is a
    `RunError` of one line (see the module docstring), anything else as the SDK maps it."""
    if exn.code() == grpc.StatusCode.CANCELLED:
        return pulumi.RunError(CANCELLED_BY_ENGINE)
    return STOCK_GRPC_ERROR_TO_EXCEPTION(exn)


# The SDK's own stack trace of a registration, whole.
STOCK_GET_STACK_TRACE = sdk_resource._get_stack_trace


def stack_trace_of_one_frame() -> source_pb2.StackTrace:
    """`pulumi.runtime.resource._get_stack_trace` after tuning: the SDK's trace cut to its
    first frame, the one the resource's source position is read from (item 4)."""
    whole = STOCK_GET_STACK_TRACE()
    return source_pb2.StackTrace(frames=whole.frames[:1])


def installed_sdk() -> str:
    """The version of the Pulumi SDK this process imports."""
    return importlib.metadata.version("pulumi")


def is_tuned() -> bool:
    """True when this process's SDK waits for all outputs at once (`tune_sdk` applied)."""
    return isinstance(getattr(sdk_stack, "asyncio", None), AsyncioWaitingForAll)


def tune_sdk() -> bool:
    """Apply the four changes to this process's SDK when it is `TUNED_SDK`; True when they are
    in place. Says which in one line on the engine's debug channel."""
    say = pulumi.log.debug if pulumi.log.debug is not _quiet_debug else None
    version = installed_sdk()
    if os.environ.get("COURSEWARE_SDK_TUNING", "").lower() == "off":
        reason = "off: COURSEWARE_SDK_TUNING=off"
    elif version != TUNED_SDK:
        reason = f"off: the SDK is {version}, the tuning is written for {TUNED_SDK} (provider/sdk_tuning.py)"
    else:
        reason = ""
    if reason:
        if say is not None:
            say(f"courseware: SDK tuning {reason}")
        return False
    keep_debug = os.environ.get("COURSEWARE_SDK_DEBUG") == "1"
    if say is not None:
        debug = "kept (COURSEWARE_SDK_DEBUG=1)" if keep_debug else "off (COURSEWARE_SDK_DEBUG=1 keeps them)"
        say(
            f"courseware: SDK tuning on for pulumi {version}: debug messages {debug}, one final wait for all outputs, "
            "a cancelled registration said in one line, one stack frame per registration"
        )
    if not keep_debug:
        pulumi.log.debug = _quiet_debug
    setattr(sdk_stack, "asyncio", AsyncioWaitingForAll())  # noqa: B010 (a module attribute the SDK does not export)
    # `handle_grpc_error`, which every RPC of the SDK calls, looks this name up in its
    # module at each call, so replacing it there reaches every RPC.
    sdk_settings.grpc_error_to_exception = grpc_error_to_exception
    # Looked up in its module at each registration, like the name above.
    setattr(sdk_resource, "_get_stack_trace", stack_trace_of_one_frame)  # noqa: B010 (a private name of the SDK)
    return True
