"""A dynamic resource that does no I/O: the engine's floor.

`courseware:Baseline` holds one value and talks to no platform. It exists for two
reasons: the benchmarks measure the cost the engine and the dynamic-provider process add
on their own (bench/ reports the platform resources as a ratio of it), and the
walking-skeleton test (tests/e2e/skeleton) drives the real engine through every provider
call with it.

It is not part of the product, so it lives beside the program that uses it and is
imported as the top-level module `baseline`: dill pickles the provider by reference to
that module, and the dynamic-provider process, which starts in the program's directory,
imports it from there. No lasting state refers to it (the benchmark and the tests build
fresh stacks on every run), so its move out of `provider/` needs no alias.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from provider.base import ProviderBase
from provider.declared import is_unknown


class BaselineProvider(ProviderBase):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        value = news.get("value")
        failures = []
        if not is_unknown(value) and not isinstance(value, str):
            failures.append(CheckFailure("value", "must be a string, for example `value: hello`"))
        return CheckResult({"value": value}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = is_unknown(news.get("value")) or olds.get("value") != news.get("value")
        return DiffResult(changes=changed, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"baseline-{props['value']}", {"value": props["value"]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {"value": props.get("value")}, {"value": props.get("value")})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({"value": news["value"]})


class Baseline(Resource, module="courseware", name="Baseline"):
    value: pulumi.Output[str]

    def __init__(self, name: str, value: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BaselineProvider(), name, {"value": value}, opts)
