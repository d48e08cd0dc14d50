"""What the MITx Online resources share beyond `provider/base.py`.

- `refused_changes`: check's answer to a change that no MITx Online command can make
  (a contract's name, a page's flags): a CheckFailure saying what to do instead, never
  a silent replacement.
- `adopt_or_refuse`: the idempotent create's decision for an object that already exists.
- `note_adoption`: check's look, on create, for an object that already exists, so that
  preview and `courseware plan-summary` show the adoption before `up` does it.
- `write_or_recover`: run any write command as "maybe applied" (docs/platforms/mitxonline.md
  §4) through the retry helper (provider/attempts.py): after a failure, look whether
  its work is done; if so go on, if not and the failure was transient, run it again
  (every write here is safe to repeat once the re-read shows it missing); otherwise
  raise. docs/reliability.md has the matrix.
- `refuse_key_in_other_case`: the organization and the contract refuse, before any
  write, an org key MITx Online has in another case.
- `write_then_find`: `write_or_recover` for a creating command, then read the object back.
- `known_contract_id`: the contract id to diff with during a preview that updates the
  contract, when the engine has made that output unknown.
- `declared_inputs`: the input-shaped view of outputs that `read` returns, so `pulumi
  refresh` shows drift field by field (docs/platforms/pulumi.md §3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi.dynamic import CheckFailure
from pydantic import BaseModel

from provider import journal, rules
from provider.attempts import Recovered, Succeeded, attempt
from provider.checks import ADOPTS
from provider.declared import changed_fields, has_unknown, is_unknown
from provider.errors import Drifted, FieldProblem, PlatformError, ProviderError, Refused
from provider.logs import logger
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.commands import Invocation
from provider.mitxonline.listing import ContractsUpdate
from provider.mitxonline.transport import Completed

_log = logger("mitxonline")

T = TypeVar("T")
F = TypeVar("F")


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


def note_adoption(inputs: dict[str, Any], what: str, find: Callable[[], str | None]) -> None:
    """Before a create, look whether `what` already exists; if it does, name it in the
    inputs (`adopts`) and say so.

    `find` uses REST reads only, since a preview runs no command (docs/platforms/mitxonline.md §2); it returns
    how to name the existing object, or None. Create then adopts it as before, but never
    silently: a declaration identical to an object made by hand or by another stack shows
    in preview, and plan-summary lists it. A failed look is no error: create decides.
    """
    try:
        found = find()
    except ProviderError as error:
        _log.info("%s: could not look whether it already exists (%s); create will look again", what, error)
        return
    if found is None:
        return
    inputs[ADOPTS] = found
    # A declaration with `adopt: true` asked for exactly this (`courseware adopt` writes
    # one per object): plan-summary still lists the adoption, but nothing is to be warned
    # about (issue 25).
    asked = inputs.get("adopt") is True
    _log.log(
        logging.INFO if asked else logging.WARNING,
        "%s already exists in MITx Online (%s), made by hand or by another stack: `pulumi up` adopts it instead "
        "of creating it. If another stack declares it too, keep it in one of them only",
        what,
        found,
    )


def refuse_key_in_other_case(client: MitxOnline, org_key: str, field: str) -> None:
    """Refuse, before any write, an org key that an existing organization has in another
    case: MITx Online compares keys exactly, so it would make a second organization beside
    it, and contract runs under both (issue 14, item 7)."""
    rows = client.organization_rows()
    other = rules.same_key_other_case(org_key, (row.key for row in rows))
    if other is None:
        return
    name = next(row.name for row in rows if row.key == other)
    raise Refused(
        [
            FieldProblem(
                field,
                f"MITx Online already has organization {other!r} ({name}); {org_key!r} differs from it only in "
                f"case and would become a second organization. To manage that organization, declare its key "
                f"exactly as {other!r} (changing an org key is done in the Wagtail admin, never by a command)",
            )
        ]
    )


def declared_inputs(model: type[BaseModel], outs: Mapping[str, Any]) -> dict[str, Any]:
    """The declared fields of `outs`, without the Nones the engine would drop anyway."""
    return {name: outs[name] for name in model.model_fields if outs.get(name) is not None}


def write_or_recover(
    client: MitxOnline,
    invocation: Invocation,
    step: str,
    observe: Callable[[], F | None],
    contracts: Callable[[Completed], ContractsUpdate | None] | None = None,
) -> Succeeded[Completed] | Recovered[F]:
    """Run a write command: the finished command, or, when it failed but `observe()` (a
    fresh read of the platform) finds its work done all the same, what it found.

    Every failure is "maybe applied" (docs/platforms/mitxonline.md §4: several commands exit 1 after doing their
    work, and a refused `add` has made its runs first, docs/platforms/mitxonline.md §4), so `observe()` decides
    after each one. When the work is missing and the failure was transient
    (`provider.errors.retryable_command`: not a known refusal, not a timeout), the
    command runs again, up to `COMMAND_ATTEMPTS` tries in all (`MitxOnline.command_retry`).
    Repeating is safe for every write the resources run once the re-read shows it
    missing: creations refuse duplicates or find the existing object (`b2b_contract
    import`, docs/platforms/mitxonline.md §5), and modify, sync, validate, add and remove set a state rather than
    add to one. `contracts` is passed to `MitxOnline.write`: how a success changed the
    shared contract listing.
    """
    written = attempt(
        lambda: client.write(invocation, step, contracts), step=step, retry=client.command_retry(), observe=observe
    )
    words = " ".join((invocation.command, *invocation.args[:1])) if invocation.command != "shell" else "shell"
    journal.record(f"{step} (`{words}`{', which failed but took effect' if isinstance(written, Recovered) else ''})")
    return written


def write_then_find(client: MitxOnline, invocation: Invocation, what: str, find: Callable[[], T | None]) -> T:
    """Run `invocation` to create `what` (through `write_or_recover`), then return `find()`."""
    write_or_recover(client, invocation, f"create {what}", lambda: find() is not None)
    found = find()
    if found is None:
        raise PlatformError(f"{what}: `{invocation.command}` reported success but {what} cannot be read back")
    return found


def known_contract_id(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """`news` with an unknown `contract_id` replaced by the old one.

    While a preview updates a mitxonline:Contract, the engine marks its output-only
    properties unknown, `contract_id` included (docs/platforms/pulumi.md §3). A contract
    is never replaced (its check refuses every create-only change), so its id cannot
    change under an existing resource: reading the unknown as "changed" would preview a
    seat change as a replacement of the courseware and the codes.
    """
    if is_unknown(news.get("contract_id")) and olds.get("contract_id") is not None:
        return {**news, "contract_id": olds["contract_id"]}
    return dict(news)
