"""``sandbox_program_admin``: the program edits an operator makes by hand in MITx Online's
admin, as a command (the sandbox has no Wagtail or Django admin; MITx Online has no such
command).

- ``link <contract> <program> [--sort-order N]``: a program added to a contract in the
  Wagtail InlinePanel (or the Django-admin Program inline). The new ``ContractProgramItem``
  is saved without ``skip_run_creation``, so ``create_program_contract_runs`` is queued
  and the worker makes the runs, with the organization's prefix (docs/platforms/mitxonline.md §13).
- ``unlink <contract> <program>``: the inline row deleted; no run changes.
- ``set <program> [--title T] [--live | --not-live] [--b2b-only | --not-b2b-only]``.
- ``requirements <program> [--required COURSE]... [--elective COURSE]...``: the admin's
  requirements editor saves the whole tree: every operator and course node is replaced
  by the given courses, in the order given.

Drift tests use it to change what a stack declares behind the provider's back.
"""

from __future__ import annotations

import argparse

from sandbox.context import CommandContext
from sandbox.mitxonline import programs, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.console import Output
from sandbox.mitxonline.models import Contract, Program


def configure(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
    link = sub.add_parser("link", streams=parser.streams)
    link.add_argument("contract", help="contract id or slug")
    link.add_argument("program", help="program readable_id")
    link.add_argument("--sort-order", dest="sort_order", type=int, help="default: last + 1, or 0")
    unlink = sub.add_parser("unlink", streams=parser.streams)
    unlink.add_argument("contract")
    unlink.add_argument("program")
    edit = sub.add_parser("set", streams=parser.streams)
    edit.add_argument("program")
    edit.add_argument("--title")
    live = edit.add_mutually_exclusive_group()
    live.add_argument("--live", dest="live", action="store_const", const=True)
    live.add_argument("--not-live", dest="live", action="store_const", const=False)
    b2b = edit.add_mutually_exclusive_group()
    b2b.add_argument("--b2b-only", dest="b2b_only", action="store_const", const=True)
    b2b.add_argument("--not-b2b-only", dest="b2b_only", action="store_const", const=False)
    requirements = sub.add_parser("requirements", streams=parser.streams)
    requirements.add_argument("program")
    requirements.add_argument("--required", action="append", default=[], metavar="COURSE")
    requirements.add_argument("--elective", action="append", default=[], metavar="COURSE")


def _program(ctx: CommandContext, readable_id: str) -> Program:
    found = programs.program_by_readable_id(ctx.db, readable_id)
    if found is None:
        raise CommandError(f"Program {readable_id} does not exist.")
    return found


def _contract(ctx: CommandContext, identifier: str) -> Contract:
    found = repo.contracts_by_id_or_slug(ctx.db, identifier)
    if not found:
        raise CommandError(f"Contract {identifier} does not exist.")
    return found[0]


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    db = ctx.db
    program = _program(ctx, args.program)
    if args.subcommand == "link":
        contract = _contract(ctx, args.contract)
        if programs.contract_program_item(db, contract.id, program.id) is not None:
            raise CommandError("Contract program item with this Contract and Program already exists.")
        order = args.sort_order if args.sort_order is not None else programs.next_sort_order(db, contract.id)
        programs.link_program(ctx, contract, program, order, skip_run_creation=False)
        out.out(f"Linked {program.readable_id} to {contract} (sort order {order}); queued contract run creation.")
    elif args.subcommand == "unlink":
        contract = _contract(ctx, args.contract)
        db.execute(
            "DELETE FROM mitx_contract_program WHERE contract_id = ? AND program_id = ?", (contract.id, program.id)
        )
        out.out(f"Unlinked {program.readable_id} from {contract}.")
    elif args.subcommand == "set":
        changes: dict[str, object] = {
            name: value
            for name, value in (("title", args.title), ("live", args.live), ("b2b_only", args.b2b_only))
            if value is not None
        }
        if changes:
            repo.update(db, "mitx_program", program.id, {**changes, "updated_on": repo.now_iso()})
        out.out(f"Updated {program.readable_id}: {', '.join(sorted(changes)) or 'nothing'}.")
    else:
        _replace_requirements(ctx, program, args.required, args.elective)
        out.out(f"Requirements of {program.readable_id}: {len(args.required)} required, {len(args.elective)} elective.")
    return 0


def _replace_requirements(ctx: CommandContext, program: Program, required: list[str], elective: list[str]) -> None:
    db = ctx.db
    courses = {}
    for readable_id in (*required, *elective):
        course = repo.course_by_readable_id(db, readable_id)
        if course is None:
            raise CommandError(f"Course {readable_id} does not exist.")
        courses[readable_id] = course
    root = programs.requirements_root(db, program.id)
    db.execute("DELETE FROM mitx_program_requirement WHERE program_id = ? AND depth > 1", (program.id,))
    db.execute("UPDATE mitx_program_requirement SET numchild = 0 WHERE id = ?", (root.id,))
    for readable_id in required:
        programs.add_course_requirement(db, program.id, courses[readable_id].id, elective=False)
    for readable_id in elective:
        programs.add_course_requirement(db, program.id, courses[readable_id].id, elective=True)


COMMANDS = (Command("sandbox_program_admin", configure, handle, app="sandbox"),)
