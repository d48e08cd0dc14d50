"""``b2b_list {organizations|contracts|courseware|learners}`` (docs/platforms/mitxonline.md §6).

Tables are drawn 80 columns wide unless ``COLUMNS`` is set in the command's environment
(``tables``).
``contracts --codes <id>`` writes a CSV of the contract's codes instead.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from sandbox.context import CommandContext
from sandbox.mitxonline import programs, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.commands.tables import Column, console_width, date_cell, render
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import Contract, Organization


def configure(parser: CommandParser) -> None:
    parser.add_argument("listing", choices=["organizations", "contracts", "courseware", "learners"])
    parser.add_argument("--org-id", dest="org_id", type=int)
    parser.add_argument("--org", "--organization", dest="org")
    parser.add_argument("--contract", type=int)
    parser.add_argument("--codes", type=int, metavar="CONTRACT_ID")
    parser.add_argument("--codes-out", dest="codes_out")


def _organizations(ctx: CommandContext, args: argparse.Namespace) -> list[Organization]:
    if args.org_id is not None:
        return repo.fetch(Organization, ctx.db, "r.id = ?", [args.org_id])
    if args.org:
        return repo.fetch(
            Organization, ctx.db, "r.name = ? OR r.slug = ? OR r.org_key = ?", [args.org, args.org, args.org]
        )
    return repo.fetch(Organization, ctx.db)


def _contracts(ctx: CommandContext, args: argparse.Namespace) -> list[Contract]:
    org_ids = [o.id for o in _organizations(ctx, args)]
    contracts = [c for c in repo.fetch(Contract, ctx.db) if c.organization_id in org_ids]
    return [c for c in contracts if args.contract is None or c.id == args.contract]


_RIGHT = Column("ID", justify="right")


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    """The listing as MITx Online prints it (docs/platforms/mitxonline.md §6, issue #18 point 6): a titled rich
    table; dates as two-line cells; the courseware's organization and contract on two
    lines of one cell, its type ``CR``."""
    if args.codes is not None:
        _write_codes(args, ctx, out)
        return 0
    db = ctx.db
    title: str
    columns: list[Column]
    body: list[list[str]]
    if args.listing == "organizations":
        title = "B2B Organizations"
        columns = [_RIGHT, *(Column(h) for h in ("Name", "Slug", "Key", "Contracts"))]
        body = [
            [
                str(o.id),
                o.name,
                o.slug,
                o.org_key,
                str(repo.scalar(db, "SELECT COUNT(*) FROM mitx_contract WHERE organization_id = ?", [o.id])),
            ]
            for o in _organizations(ctx, args)
        ]
    elif args.listing == "contracts":
        title = "Contracts"
        headers = ("Name", "Slug", "Org Name", "Membership", "Start", "End", "Active", "Max Learners", "Price")
        columns = [_RIGHT, *(Column(h) for h in headers)]
        body = [
            [
                str(c.id),
                c.name,
                c.slug,
                c.organization_name,
                c.membership_type,
                date_cell(c.contract_start),
                date_cell(c.contract_end),
                "Yes" if c.active else "No",
                str(c.max_learners) if c.max_learners else "Unlim",
                str(c.enrollment_fixed_price) if c.enrollment_fixed_price else "",
            ]
            for c in _contracts(ctx, args)
        ]
    elif args.listing == "courseware":
        title = "Courseware"
        columns = [
            _RIGHT,
            Column("Org/Contract"),
            Column("Type"),
            Column("Readable ID", no_wrap=True),
            *(Column(h) for h in ("Name", "Start", "End")),
        ]
        body = []
        for contract in _contracts(ctx, args):
            where = f"{contract.organization_name}\n{contract.name}"
            # The contract's programs first (by sort_order, no dates), then its runs.
            for link in programs.contract_programs(db, contract.id):
                program = programs.program_by_id(db, link.program_id)
                assert program is not None
                body.append([str(program.id), where, "PROG", program.readable_id, program.title, "---", "---"])
            body += [
                [str(r.id), where, "CR", r.courseware_id, r.title, date_cell(r.start_date), date_cell(r.end_date)]
                for r in repo.contract_runs(db, contract.id)
            ]
    else:
        learners = _learners(ctx, args)
        title = f"Learners for {learners[0]}"
        columns = [Column("Email", justify="right"), Column("Name")]
        body = [[email, ""] for email in learners[1]]
    out.out(render(title, columns, body, console_width(ctx.env)))
    return 0


def _learners(ctx: CommandContext, args: argparse.Namespace) -> tuple[Organization | Contract, list[str]]:
    """``obj.get_learners()`` of the organization or contract named; the sandbox has no
    users, so a learner is the e-mail of an enrollment in one of its contract runs."""
    if args.org_id is not None or args.org:
        found = _organizations(ctx, args)
        if not found:
            raise CommandError(f"Org {args.org} not found.")
        target: Organization | Contract = found[0]
        contract_ids = [c.id for c in repo.fetch(Contract, ctx.db, "r.organization_id = ?", [found[0].id])]
    elif args.contract is not None:
        contract = repo.contract_by_id(ctx.db, args.contract)
        if contract is None:
            raise EmulatedException(
                "b2b.models.ContractPage.DoesNotExist", "ContractPage matching query does not exist."
            )
        target, contract_ids = contract, [contract.id]
    else:
        raise CommandError("Must provide either org or contract ID.")
    marks = ", ".join("?" for _ in contract_ids) or "NULL"
    emails = repo.rows(
        ctx.db,
        "SELECT DISTINCT e.user_email FROM mitx_enrollment e JOIN mitx_course_run r ON r.id = e.run_id "
        f"WHERE r.b2b_contract_id IN ({marks}) ORDER BY e.user_email",
        contract_ids,
    )
    return target, [row["user_email"] for row in emails]


def _write_codes(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    """``--codes <id> [--codes-out FILE]``: CSV Code, Product, Redeemed, Product URL (docs/platforms/mitxonline.md
    §6)."""
    filename = args.codes_out or f"codes-{args.codes}.csv"
    db = ctx.db
    with Path(filename).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Code", "Product", "Redeemed", "Product URL"])
        for product in repo.contract_products(db, args.codes):
            for code in repo.codes_of_products(db, [product.id]):
                writer.writerow(
                    [
                        code.discount_code,
                        str(product),
                        "Yes" if repo.code_is_used(db, code.id) else "No",
                        f"{ctx.urls.mitxonline_url}/cart/add?product_id={product.id}&code={code.discount_code}",
                    ]
                )
    out.out(f"Codes written to {filename}")


COMMANDS = (Command("b2b_list", configure, handle),)
