"""courseware:DestroyGuard: one per stack, so that a refused destroy deletes nothing.

The engine checks `protect` only when it reaches each delete, and it deletes in the
reverse order of dependencies, so a `pulumi destroy` of a stack with a protected contract
used to delete (forget) the resources that nothing protected depends on, such as a CMS
page, before it stopped at the contract; the next preview wanted to make them again
(issue 28). This resource depends on every other resource of the stack, so the engine
deletes it first and alone; while any catalog entry is protected its delete refuses, and
the engine then skips every resource it depends on: nothing is deleted, the state stays
as it was (docs/decisions.md §30).

It touches no platform. Its inputs list the contracts the catalog declares and those it
protects; setting `protect: false` on them and running `pulumi up` empties the second,
and the destroy that follows goes ahead. A protected entry dropped from the catalog
stays on the list (`_still_protected`).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import BaseModel, ConfigDict, Field

from provider.base import ProviderBase
from provider.declared import check_declared, diff_declared
from provider.errors import DestroyRefused
from provider.resource import DeclaredResource

GUARD_ID = "destroy-guard"


class DestroyGuardArgs(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    # The contracts whose entry says `protect: true` (the default), as `ORG/Name`.
    protected: list[str] = Field(default_factory=list)
    # Every contract the catalog declares, protected or not.
    declared: list[str] = Field(default_factory=list)


def _still_protected(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    """The protected contracts: those the catalog protects, and those the guard protected
    before whose entry is gone. Dropping a protected entry is not unprotecting it: the
    `up` that drops it stops at the engine's own `protect` and leaves the contract in
    the state, so the guard must keep refusing a destroy for it. Only `protect: false`
    on a declared entry takes a contract off the list."""
    declared = {str(label) for label in news.get("declared") or []}
    dropped = {str(label) for label in olds.get("protected") or [] if str(label) not in declared}
    return sorted({str(label) for label in news.get("protected") or []} | dropped)


class DestroyGuardProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(DestroyGuardArgs, news)
        if not checked.failures:
            checked.inputs["protected"] = _still_protected(olds, checked.inputs)
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(DestroyGuardArgs, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(GUARD_ID, _outputs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, _outputs(props), _outputs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_outputs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        protected = [str(label) for label in props.get("protected") or []]
        if protected:
            declared = {str(label) for label in props.get("declared") or []}
            raise DestroyRefused(
                [
                    f"contract {label}"
                    if label in declared
                    else f"contract {label} (its entry was dropped from the "
                    "catalog, and the contract is still in the stack: declare it again with `protect: false`)"
                    for label in protected
                ]
            )


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    return {name: list(props.get(name) or []) for name in DestroyGuardArgs.model_fields}


class DestroyGuard(DeclaredResource, module="courseware", name="DestroyGuard"):
    """The stack's destroy guard; see docs/destroy.md."""

    args_model = DestroyGuardArgs
    provider_class = DestroyGuardProvider
