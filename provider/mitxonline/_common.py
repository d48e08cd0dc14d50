"""What the MITx Online resources share beyond `provider/base.py`.

- `refused_changes`: check's answer to a change that no MITx Online command can make
  (a contract's name, a page's flags): a CheckFailure saying what to do instead, never
  a silent replacement (DESIGN.md, "check ... refuses unsafe changes").
- `adopt_or_refuse`: the idempotent create's decision for an object that already exists.
- `write_then_find`: run a creating command and read the object back, treating a failed
  command as "maybe applied" (spec/mitxonline.md §12.5): look again before raising.
- `known_contract_id`: the contract id to diff with during a preview that updates the
  contract, when the engine has made that output unknown.
- `declared_inputs`: the input-shaped view of outputs that `read` returns, so `pulumi
  refresh` shows drift field by field (spec/pulumi-dynamic.md §6.6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi.dynamic import CheckFailure
from pydantic import BaseModel

from provider.base import changed_fields, has_unknown, is_unknown, logger
from provider.errors import Drifted, PlatformError
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.commands import Invocation

_log = logger("mitxonline")

T = TypeVar("T")


def refused_changes(
    model: type[BaseModel], olds: Mapping[str, Any], news: Mapping[str, Any], reasons: Mapping[str, str]
) -> list[CheckFailure]:
    """A CheckFailure for each field of `reasons` that changed from the old inputs.

    Nothing is refused on create (no old inputs) or for a value still unknown in preview.
    """
    if not olds:
        return []
    known = {name: value for name, value in news.items() if not has_unknown(value)}
    return [
        CheckFailure(name, reasons[name])
        for name in changed_fields(model, olds, known)
        if name in reasons and name in known
    ]


def differences(declared: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of `declared` whose value `live` does not have."""
    return {name: (value, live.get(name)) for name, value in declared.items() if live.get(name) != value}


def adopt_or_refuse(what: str, diffs: Mapping[str, tuple[Any, Any]], adopt: bool) -> None:
    """Take over an existing object: silently when it matches, with `adopt` when it
    differs (the caller then applies what it can), otherwise fail with the differences."""
    if not diffs:
        _log.info("%s already exists and matches the declaration: adopting it", what)
        return
    if not adopt:
        raise Drifted(what, diffs)
    _log.warning("%s already exists and differs (%s): adopting it as declared", what, ", ".join(sorted(diffs)))


def declared_inputs(model: type[BaseModel], outs: Mapping[str, Any]) -> dict[str, Any]:
    """The declared fields of `outs`, without the Nones the engine would drop anyway."""
    return {name: outs[name] for name in model.model_fields if outs.get(name) is not None}


def write_then_find(client: MitxOnline, invocation: Invocation, what: str, find: Callable[[], T | None]) -> T:
    """Run `invocation` to create `what`, then return `find()`.

    A failed command may still have made the object (§12.5): when `find` sees it, the
    failure is logged and creation goes on; when it does not, the failure is raised.
    """
    try:
        client.write(invocation, f"create {what}")
    except PlatformError as failure:
        found = find()
        if found is None:
            raise
        _log.warning("%s: %s; it exists all the same, continuing with it", what, failure)
        return found
    found = find()
    if found is None:
        raise PlatformError(f"{what}: `{invocation.command}` reported success but {what} cannot be read back")
    return found


def known_contract_id(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """`news` with an unknown `contract_id` replaced by the old one.

    While a preview updates a mitxonline:Contract, the engine marks its output-only
    properties unknown, `contract_id` included (spec/pulumi-dynamic.md §6.2). A contract
    is never replaced (its check refuses every create-only change), so its id cannot
    change under an existing resource: reading the unknown as "changed" would preview a
    seat change as a replacement of the courseware and the codes.
    """
    if is_unknown(news.get("contract_id")) and olds.get("contract_id") is not None:
        return {**news, "contract_id": olds["contract_id"]}
    return dict(news)
