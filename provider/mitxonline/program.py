"""mitxonline:Program: a MITx Online program and its course requirements, in order.

Created with `create_courseware program` (docs/platforms/mitxonline.md §14: local, no
edX call). No command changes a program afterwards, nor adds an existing course to it:
title, `live`, `b2b_only` and the requirements are written by one `shell` running
`remote.programs.write_program`, which calls the functions MITx Online's own admin form
uses (the model's `save()` and `ProgramRequirementTreeSerializer`), never a table.
A create with requirements is therefore two commands; a no-op `up` runs none.

Observed through `GET /api/v2/programs/<readable_id>/` (docs/platforms/mitxonline.md
§14): title, live and the required and elective courses in tree order. That API hides a
b2b-only program (a 404), so one is read by a `shell` running
`remote.programs.print_program` (check never runs it: a preview runs no command). No
command deletes a program: delete keeps it (a program sold to a contract stays with the
contract's learners) and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.base import ProviderBase
from provider.checks import ADOPTS
from provider.declared import check_declared, diff_declared, parse_declared
from provider.errors import CommandFailed, PlatformError
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    note_adoption,
    write_or_recover,
    write_then_find,
)
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import ProgramArgs, RestProgram
from provider.resource import DeclaredResource

_log = logger("mitxonline.program")

CREATE_ONLY = ("readable_id",)
# What `write_program` sets; the rest (`adopt`) changes nothing in MITx Online.
WRITTEN = ("title", "live", "b2b_only", "required", "elective")


def _outputs(args: ProgramArgs, live: RestProgram) -> dict[str, Any]:
    return {
        "readable_id": live.readable_id,
        "title": live.title,
        "live": live.live,
        "b2b_only": live.b2b_only,
        "required": live.required,
        "elective": live.elective,
        "adopt": args.adopt,
        "program_id": live.id,
    }


def _declared(args: ProgramArgs) -> dict[str, Any]:
    return {name: value for name, value in args.model_dump(mode="json").items() if name in WRITTEN}


def _finder(client: MitxOnline, args: ProgramArgs) -> Callable[[str], RestProgram | None]:
    """How to find the declared program: REST, which hides a b2b-only one, or REST then
    one `shell` read for a program declared b2b-only (docs/platforms/mitxonline.md §14)."""
    return client.program_anywhere if args.b2b_only else client.program


def _write(client: MitxOnline, args: ProgramArgs, what: str) -> RestProgram:
    """Bring title, flags and requirements to the declaration; the program read back."""
    invocation = commands.write_program(
        args.readable_id,
        args.title,
        live=args.live,
        b2b_only=args.b2b_only,
        required=args.required,
        elective=args.elective,
    )

    find = _finder(client, args)

    def written() -> RestProgram | None:
        live = find(args.readable_id)
        return live if live is not None and not differences(_declared(args), _outputs(args, live)) else None

    write_or_recover(client, invocation, f"update {what}", written)
    live = find(args.readable_id)
    if live is None:
        raise PlatformError(f"{what} is gone after its update; run `pulumi refresh`, then `pulumi up`")
    left = differences(_declared(args), _outputs(args, live))
    if left:
        raise PlatformError(
            f"{what}: after `write_program` MITx Online still shows "
            + "; ".join(f"{name} {have!r} (declared {want!r})" for name, (want, have) in sorted(left.items()))
        )
    return live


def _existing(readable_id: str) -> str | None:
    live = platforms.mitxonline().program(readable_id)
    return None if live is None else f"program {live.id}, titled {live.title!r}"


class ProgramProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(ProgramArgs, {k: v for k, v in news.items() if k != ADOPTS})
        readable_id = checked.values.get("readable_id")
        if not olds and not checked.failures and isinstance(readable_id, str):
            note_adoption(checked.inputs, f"MITx Online program {readable_id}", lambda: _existing(readable_id))
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(ProgramArgs, olds, news, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(ProgramArgs, props)
        client = platforms.mitxonline()
        what = f"MITx Online program {args.readable_id}"
        # REST shows any program but a b2b-only one; only for a program declared b2b-only
        # is the shell read worth its start-up.
        find = _finder(client, args)
        live = find(args.readable_id)
        if live is None:
            invocation = commands.create_program(args.readable_id, args.title, live=args.live, b2b_only=args.b2b_only)
            try:
                live = write_then_find(client, invocation, what, lambda: find(args.readable_id))
            except CommandFailed:
                # A b2b-only program made by hand: REST hid it and the command refused it
                # ("Program with ID … already exists.", docs/platforms/mitxonline.md §3).
                live = client.program_anywhere(args.readable_id)
                if live is None:
                    raise
                adopt_or_refuse(what, differences(_declared(args), _outputs(args, live)), args.adopt)
        else:
            adopt_or_refuse(what, differences(_declared(args), _outputs(args, live)), args.adopt)
        if differences(_declared(args), _outputs(args, live)):
            live = _write(client, args, what)
        return CreateResult(args.readable_id, _outputs(args, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = platforms.mitxonline().program_anywhere(id_)
        if live is None:
            return ReadResult("", {})
        args = ProgramArgs.model_construct(adopt=props.get("adopt", False))
        outs = _outputs(args, live)
        return ReadResult(id_, outs, declared_inputs(ProgramArgs, outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(ProgramArgs, news)
        client = platforms.mitxonline()
        what = f"MITx Online program {id_}"
        live = client.program_anywhere(id_)
        if live is None:
            raise PlatformError(f"{what} is gone; run `pulumi refresh`, then `pulumi up`")
        if differences(_declared(args), _outputs(args, live)):
            live = _write(client, args, what)
        return UpdateResult(_outputs(args, live))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online program %s is retained: no command deletes a program (docs/platforms/mitxonline.md §14), "
            "and the contracts it was sold to keep their runs; unpublish it in the Django admin if it must go",
            id_,
        )


class Program(DeclaredResource, module="mitxonline", name="Program"):
    """A MITx Online program (`program-v1:…`); see docs/resources/mitxonline-program.md."""

    args_model = ProgramArgs
    provider_class = ProgramProvider
    output_names = ("program_id",)
