"""provider/sdk_tuning.py: applied by the program on the pinned SDK only, and in effect in
the SDK's own final wait (`pulumi.runtime.stack.run_pulumi_func`), run here under the
SDK's mocks."""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pulumi.log
import pulumi.runtime.resource as sdk_resource
import pulumi.runtime.settings as sdk_settings
import pulumi.runtime.stack as sdk_stack
import pytest

from provider import program, sdk_tuning
from tests.unit.engine_mocks import mocked_engine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def untouched_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test tunes is undone afterwards."""
    monkeypatch.setattr(pulumi.log, "debug", pulumi.log.debug)
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    # The SDK's own mapping, even when a test of another file (the program's build) tuned
    # this process before.
    monkeypatch.setattr(sdk_settings, "grpc_error_to_exception", sdk_tuning.STOCK_GRPC_ERROR_TO_EXCEPTION)
    monkeypatch.setattr(sdk_resource, "_get_stack_trace", sdk_tuning.STOCK_GET_STACK_TRACE)
    monkeypatch.delenv("COURSEWARE_SDK_TUNING", raising=False)
    monkeypatch.delenv("COURSEWARE_SDK_DEBUG", raising=False)


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines the tuning sends to the engine's debug channel."""
    lines: list[str] = []
    monkeypatch.setattr(pulumi.log, "debug", lambda msg, *args, **kwargs: lines.append(msg))
    return lines


class FinalWaits:
    """Counts the passes of the SDK's final wait (the `asyncio.wait` calls it makes, tuned
    or not: both reach the real module's `wait`), and lets a program hold its outputs
    until that wait has begun, so nothing finishes earlier by chance."""

    def __init__(self) -> None:
        self.passes: list[int] = []
        self.begun = asyncio.Event()

    async def counting_wait(self, tasks: Any, **kwargs: Any) -> Any:
        tasks = list(tasks)
        self.passes.append(len(tasks))
        self.begun.set()
        return await REAL_WAIT(tasks, **kwargs)

    def program(self, count: int) -> Callable[[], pulumi.Output[Any]]:
        """A program with `count` independent outputs that finish one after the other
        once the final wait has begun, as the outputs of registered resources do while
        the engine answers them."""

        def program_body() -> pulumi.Output[Any]:
            ready = [asyncio.Event() for _ in range(count)]

            async def value(index: int) -> int:
                await ready[index].wait()
                return index

            async def known() -> bool:
                return True

            for index in range(count):
                pulumi.Output(set(), value(index), known())

            async def engine_answers() -> None:
                await self.begun.wait()
                for event in ready:
                    event.set()
                    for _ in range(3):
                        await asyncio.sleep(0)

            answering = asyncio.ensure_future(engine_answers())
            # The body's own output does not wait for the answers: the final wait does.
            return pulumi.Output.from_input("returned first").apply(lambda text: (answering, text)[1])

        return program_body


REAL_WAIT = asyncio.wait


def _run_program(body: Callable[[], pulumi.Output[Any]]) -> None:
    """`body` as a Pulumi program under the SDK's mocks, through the SDK's own loop
    (`pulumi.runtime.test` runs it with `run_pulumi_func`, which ends in `wait_for_rpcs`)."""
    with mocked_engine():
        pulumi.runtime.test(body)()


def test_the_tuned_sdk_is_the_pinned_one() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("pulumi==")]
    # Moving the pin means measuring and re-reading the two SDK places again (decisions §14).
    assert pins == [f"pulumi=={sdk_tuning.TUNED_SDK}"]
    assert sdk_tuning.installed_sdk() == sdk_tuning.TUNED_SDK


def test_the_sdks_final_wait_takes_one_pass_once_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    stock = FinalWaits()
    monkeypatch.setattr(asyncio, "wait", stock.counting_wait)
    _run_program(stock.program(40))

    tuned = FinalWaits()
    monkeypatch.setattr(asyncio, "wait", tuned.counting_wait)
    assert sdk_tuning.tune_sdk() is True
    _run_program(tuned.program(40))

    # The stock loop restarts after each output that finishes; the tuned one waits once.
    assert len(stock.passes) > 10 and stock.passes[0] >= 40, stock.passes
    assert len(tuned.passes) == 1 and tuned.passes[0] >= 40, tuned.passes


def test_a_failing_output_still_fails_the_tuned_program() -> None:
    assert sdk_tuning.tune_sdk() is True

    def failing() -> pulumi.Output[Any]:
        def boom(_: int) -> int:
            raise RuntimeError("an output failed")

        pulumi.Output.from_input(1).apply(boom)
        return pulumi.Output.from_input("returned first")

    with pytest.raises(RuntimeError, match="an output failed"):
        _run_program(failing)


def test_tuning_quiets_debug_and_says_so_in_one_line(said: list[str]) -> None:
    assert sdk_tuning.tune_sdk() is True
    assert len(said) == 1 and "SDK tuning on for pulumi 3.272.0" in said[0], said
    pulumi.log.debug("not sent")
    assert len(said) == 1
    # Applying it twice changes nothing more and says nothing more.
    assert sdk_tuning.tune_sdk() is True
    assert len(said) == 1 and sdk_tuning.is_tuned()


def test_another_sdk_version_is_left_alone(said: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_tuning, "installed_sdk", lambda: "3.999.0")
    assert sdk_tuning.tune_sdk() is False
    assert not sdk_tuning.is_tuned()
    assert len(said) == 1 and "SDK tuning off: the SDK is 3.999.0" in said[0], said
    pulumi.log.debug("still sent")
    assert said[1:] == ["still sent"]


def test_switches_turn_the_tuning_off_or_keep_debug(said: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEWARE_SDK_TUNING", "off")
    assert sdk_tuning.tune_sdk() is False
    assert not sdk_tuning.is_tuned() and said == ["courseware: SDK tuning off: COURSEWARE_SDK_TUNING=off"]

    monkeypatch.delenv("COURSEWARE_SDK_TUNING")
    monkeypatch.setenv("COURSEWARE_SDK_DEBUG", "1")
    assert sdk_tuning.tune_sdk() is True
    assert sdk_tuning.is_tuned()
    pulumi.log.debug("kept")
    assert said[-1] == "kept"


class EngineAnswer(grpc.RpcError):
    """A failed RPC as grpc-python raises it: an `RpcError` that is also a call, with a
    status code and details."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def raised_by_an_rpc(answer: EngineAnswer) -> BaseException:
    """What the SDK raises from an RPC the engine answered with `answer`, through the
    function every RPC of the SDK calls (`handle_grpc_error`, imported by name in
    `pulumi.runtime.resource`)."""
    import pulumi.runtime.resource as sdk_resource

    with pytest.raises(BaseException) as raised:
        sdk_resource.handle_grpc_error(answer)
    return raised.value


def test_a_registration_the_engine_cancels_is_one_line_not_a_traceback() -> None:
    cancelled = EngineAnswer(grpc.StatusCode.CANCELLED, "context canceled")
    # Stock: a bare Exception, which the language host prints with a traceback.
    stock = raised_by_an_rpc(cancelled)
    assert type(stock) is Exception and str(stock) == "context canceled"

    assert sdk_tuning.tune_sdk() is True
    tuned = raised_by_an_rpc(cancelled)
    assert isinstance(tuned, pulumi.RunError), tuned
    assert "a step failed" in str(tuned) and "above" in str(tuned)
    # Every other answer is mapped as the SDK maps it.
    other = raised_by_an_rpc(EngineAnswer(grpc.StatusCode.UNKNOWN, "resource monitor said no"))
    assert type(other) is Exception and str(other) == "resource monitor said no"
    gone = raised_by_an_rpc(EngineAnswer(grpc.StatusCode.UNAVAILABLE, ""))
    assert isinstance(gone, pulumi.RunError) and "shutting down" in str(gone)


def test_a_cancelled_registration_keeps_its_traceback_when_the_tuning_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEWARE_SDK_TUNING", "off")
    assert sdk_tuning.tune_sdk() is False
    assert type(raised_by_an_rpc(EngineAnswer(grpc.StatusCode.CANCELLED, "context canceled"))) is Exception


def test_other_waits_keep_their_return_when() -> None:
    assert sdk_tuning.tune_sdk() is True

    async def first_of_two() -> tuple[int, int]:
        never = asyncio.get_running_loop().create_future()
        quick = asyncio.ensure_future(asyncio.sleep(0))
        done, pending = await sdk_stack.asyncio.wait([quick, never], return_when=asyncio.FIRST_EXCEPTION, timeout=0)
        never.cancel()
        return len(done), len(pending)

    # FIRST_EXCEPTION with a timeout of 0 is not turned into a wait for all. (A loop of
    # its own: `asyncio.run` would leave the thread without the loop the SDK uses.)
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(first_of_two())[1] >= 1
    finally:
        loop.close()


def test_the_program_tunes_the_sdk() -> None:
    def the_program() -> pulumi.Output[Any]:
        program.build(pulumi.Config())
        return pulumi.Output.from_input(None)

    with mocked_engine({"courseware:catalog": json.dumps({})}):
        pulumi.runtime.test(the_program)()
    assert sdk_tuning.is_tuned()
    assert pulumi.log.debug is sdk_tuning._quiet_debug


class _Registered:
    """Three constructors deep, as a resource class under `CustomResource` and `Resource`
    is when the SDK takes its stack trace."""

    def __init__(self) -> None:
        self.trace = self._middle()

    def _middle(self) -> Any:
        return _Custom().trace


class _Custom:
    def __init__(self) -> None:
        self.trace = _Base().trace


class _Base:
    def __init__(self) -> None:
        self.trace = sdk_resource._get_stack_trace()


def _made_here() -> Any:
    return _Registered().trace


def test_a_registration_sends_one_stack_frame_the_one_its_source_position_names() -> None:
    stock = _made_here()
    assert len(stock.frames) > 1
    assert sdk_tuning.tune_sdk()
    tuned = _made_here()
    assert list(tuned.frames) == list(stock.frames[:1])
    assert sdk_resource._get_source_position(tuned) == sdk_resource._get_source_position(stock)
    assert tuned.frames[0].pc.uri.endswith("test_sdk_tuning.py")
