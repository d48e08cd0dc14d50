"""``b2b_list {organizations|contracts|courseware|learners}`` (mitxonline.md §3.10, §12.2.5).

Tables are cut to 80 columns unless ``COLUMNS`` is set in the command's environment.
``contracts --codes <id>`` writes a CSV of the contract's codes instead.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from sandbox.context import CommandContext
from sandbox.mitxonline import repo
from sandbox.mitxonline.commands.base import Command, CommandParser
from sandbox.mitxonline.commands.tables import console_width, render
from sandbox.mitxonline.console import Output
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


def _text(value: object) -> str:
    return "" if value is None else str(value)


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    if args.codes is not None:
        _write_codes(args, ctx, out)
        return 0
    db = ctx.db
    headers: list[str]
    body: list[list[str]]
    if args.listing == "organizations":
        headers = ["ID", "Name", "Slug", "Key", "Contracts"]
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
        headers = ["ID", "Name", "Slug", "Org Name", "Membership", "Start", "End", "Active", "Max Learners", "Price"]
        body = [
            [
                str(c.id),
                c.name,
                c.slug,
                repo.organization_by_id(db, c.organization_id).name,
                c.membership_type,
                _text(c.contract_start),
                _text(c.contract_end),
                "Yes" if c.active else "No",
                str(c.max_learners) if c.max_learners else "Unlim",
                _text(c.enrollment_fixed_price),
            ]
            for c in _contracts(ctx, args)
        ]
    elif args.listing == "courseware":
        headers = ["ID", "Org/Contract", "Type", "Readable ID", "Name", "Start", "End"]
        body = []
        for contract in _contracts(ctx, args):
            org = repo.organization_by_id(db, contract.organization_id)
            body += [
                [
                    str(r.id),
                    f"{org.name}/{contract.name}",
                    "Course Run",
                    r.courseware_id,
                    r.title,
                    _text(r.start_date),
                    _text(r.end_date),
                ]
                for r in repo.contract_runs(db, contract.id)
            ]
    else:
        headers = ["Email", "Org/Contract", "Course Run", "Enrolled On"]
        body = []
        for contract in _contracts(ctx, args):
            org = repo.organization_by_id(db, contract.organization_id)
            body += [
                [row["user_email"], f"{org.name}/{contract.name}", row["courseware_id"], row["created_on"]]
                for row in repo.rows(
                    db,
                    "SELECT e.user_email, r.courseware_id, e.created_on FROM mitx_enrollment e "
                    "JOIN mitx_course_run r ON r.id = e.run_id WHERE r.b2b_contract_id = ? ORDER BY e.id",
                    [contract.id],
                )
            ]
    out.out(render(headers, body, console_width(ctx.env)))
    return 0


def _write_codes(args: argparse.Namespace, ctx: CommandContext, out: Output) -> None:
    """``--codes <id> [--codes-out FILE]``: CSV Code, Product, Redeemed, Product URL (§3.10)."""
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
