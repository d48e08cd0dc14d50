"""provider/sdk_tuning.py: the pinned SDK has the shape the tuning relies on, and the
tuning does what it says. An SDK upgrade that changes either place fails here."""

from __future__ import annotations

import asyncio
import inspect

import pulumi.log
import pulumi.runtime.stack as sdk_stack
import pytest

from provider import sdk_tuning


@pytest.fixture
def untouched_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test tunes is undone afterwards."""
    monkeypatch.setattr(pulumi.log, "debug", pulumi.log.debug)
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    monkeypatch.delenv("COURSEWARE_SDK_TUNING", raising=False)
    monkeypatch.delenv("COURSEWARE_SDK_DEBUG", raising=False)


def test_the_pinned_sdk_waits_first_completed_and_logs_debug_through_the_engine(untouched_sdk: None) -> None:
    source = inspect.getsource(sdk_stack.wait_for_rpcs)
    assert "return_when=asyncio.FIRST_COMPLETED" in source
    assert sdk_stack.asyncio is asyncio
    # The debug channel is an engine RPC: the cost the tuning removes.
    assert "engine" in inspect.getsource(pulumi.log)
    assert sdk_tuning.sdk_has_expected_shape()


def test_tuning_quiets_debug_and_waits_for_all(untouched_sdk: None) -> None:
    original_debug = pulumi.log.debug
    assert sdk_tuning.tune_sdk() is True
    assert pulumi.log.debug is not original_debug
    assert pulumi.log.debug("not sent", None) is None
    assert isinstance(sdk_stack.asyncio, sdk_tuning.AsyncioWaitingForAll)
    assert sdk_stack.asyncio.sleep is asyncio.sleep

    async def both() -> tuple[int, int]:
        quick = asyncio.ensure_future(asyncio.sleep(0, result="quick"))
        slow = asyncio.ensure_future(asyncio.sleep(0.05, result="slow"))
        done, pending = await sdk_stack.asyncio.wait([quick, slow], return_when=asyncio.FIRST_COMPLETED)
        return len(done), len(pending)

    assert asyncio.run(both()) == (2, 0)
    # Applying it twice changes nothing more.
    assert sdk_tuning.tune_sdk() is True


def test_a_failure_is_still_raised_by_the_sdk_wait_loop(untouched_sdk: None) -> None:
    sdk_tuning.tune_sdk()

    async def failing() -> None:
        async def boom() -> None:
            raise RuntimeError("an output failed")

        done, _ = await sdk_stack.asyncio.wait([asyncio.ensure_future(boom())], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            await task

    with pytest.raises(RuntimeError, match="an output failed"):
        asyncio.run(failing())


def test_switches_turn_the_tuning_off_or_keep_debug(untouched_sdk: None, monkeypatch: pytest.MonkeyPatch) -> None:
    original_debug = pulumi.log.debug
    monkeypatch.setenv("COURSEWARE_SDK_TUNING", "off")
    assert sdk_tuning.tune_sdk() is False
    assert pulumi.log.debug is original_debug and sdk_stack.asyncio is asyncio

    monkeypatch.delenv("COURSEWARE_SDK_TUNING")
    monkeypatch.setenv("COURSEWARE_SDK_DEBUG", "1")
    assert sdk_tuning.tune_sdk() is True
    assert pulumi.log.debug is original_debug
    assert isinstance(sdk_stack.asyncio, sdk_tuning.AsyncioWaitingForAll)


def test_an_sdk_of_another_shape_is_left_alone(untouched_sdk: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def different_wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
        await asyncio.gather()

    monkeypatch.setattr(sdk_stack, "wait_for_rpcs", different_wait_for_rpcs)
    original_debug = pulumi.log.debug
    assert sdk_tuning.tune_sdk() is False
    assert pulumi.log.debug is original_debug and sdk_stack.asyncio is asyncio
