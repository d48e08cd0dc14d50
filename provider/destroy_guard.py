"""courseware:DestroyGuard: one per stack, so that a refused destroy deletes nothing.

The engine checks `protect` only when it reaches each delete, and it deletes in the
reverse order of dependencies, so a `pulumi destroy` of a stack with a protected contract
used to delete (forget) the resources that nothing protected depends on, such as a CMS
page, before it stopped at the contract; the next preview wanted to make them again
(issue 28). This resource depends on every other resource of the stack, so the engine
deletes it first and alone; while any catalog entry is protected its delete refuses, and
the engine then skips every resource it depends on: nothing is deleted, the state stays
as it was (docs/decisions.md §30).

It touches no platform. Its one input lists the protected entries, in the stack file's
words; setting `protect: false` on them and running `pulumi up` empties it, and the
destroy that follows goes ahead.
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
    model_config = ConfigDict(extra="forbid")

    # The entries whose `protect` is on, e.g. "catalog.contracts[1] (UCODE/… Contract)".
    protected: list[str] = Field(default_factory=list)


class DestroyGuardProvider(ProviderBase):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(DestroyGuardArgs, news)
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
        protected = [str(entry) for entry in props.get("protected") or []]
        if protected:
            raise DestroyRefused(protected)


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    return {"protected": list(props.get("protected") or [])}


class DestroyGuard(DeclaredResource, module="courseware", name="DestroyGuard"):
    """The stack's destroy guard; see docs/destroy.md."""

    args_model = DestroyGuardArgs
    provider_class = DestroyGuardProvider
