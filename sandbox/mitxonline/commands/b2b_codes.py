"""``b2b_codes validate|fix|check``, ``expire``, ``output`` (docs/platforms/mitxonline.md §3, §6, §8).

``output --format json|csv`` only works with ``--filename``: without it the real
command crashes after the "Filtering by" line (docs/platforms/mitxonline.md §6), and so does this one. The
provider runs ``output`` through ``call_command`` inside ``shell -c`` (``shell.py``).
``assign`` is not emulated (the sandbox has no users).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from sandbox.context import CommandContext
from sandbox.mitxonline import codes, repo
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.commands.tables import Column, console_width, render
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import AUTO_MEMBERSHIP_TYPES, Contract, EnrollmentCode, Product

MIT_LEARN_ATTACH_URL = "https://learn.mit.edu/enrollmentcode/"


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contract")
    parser.add_argument("--organization", "--org", dest="organization")


def configure(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
    validate = sub.add_parser("validate", aliases=["fix", "check"], streams=parser.streams)
    _add_target(validate)
    validate.add_argument(
        "--fix", action="store_true", help="ignored: validate always fixes (docs/platforms/mitxonline.md §3)"
    )
    expire = sub.add_parser("expire", streams=parser.streams)
    _add_target(expire)
    expire.add_argument("--expire", action="store_true")
    output = sub.add_parser("output", streams=parser.streams)
    _add_target(output)
    output.add_argument("--format", choices=["fancy", "csv", "json"], default="fancy")
    output.add_argument("--filename")
    view = output.add_mutually_exclusive_group()
    for flag in ("--stats", "--usage", "--assignments", "--all"):
        view.add_argument(flag, action="store_true")
    output.add_argument("--no-redemptions", dest="no_redemptions", action="store_true")


def _targets(args: argparse.Namespace, ctx: CommandContext, out: Output) -> list[Contract] | None:
    """The contracts selected by ``--contract`` or ``--organization``; None without a target.

    ``call_command(..., contract=21)`` passes the option unparsed, so an int is read as
    its digits, as MITx Online's id-or-slug lookup takes either."""
    if args.contract:
        contract = str(args.contract)
        out.out(f"Filtering by contract: {contract}")
        found = repo.contracts_by_id_or_slug(ctx.db, contract)
        if not found:
            raise CommandError(f"Identifier {contract} not found.")
        if len(found) > 1:
            out.out(f"WARNING: Identifier {contract} returned >1 contract!")
        return found
    if args.organization:
        organization = str(args.organization)
        out.out(f"Filtering by organization: {organization}")
        orgs = repo.organizations_matching(ctx.db, organization)
        if not orgs:
            raise CommandError(f"Identifier {organization} not found.")
        return [c for o in orgs for c in repo.fetch(Contract, ctx.db, "r.organization_id = ?", [o.id])]
    return None


def handle(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    contracts = _targets(args, ctx, out)
    if contracts is None and args.subcommand == "output":
        out.out("No contract or org specified - operating on all contracts.")
        contracts = repo.fetch(Contract, ctx.db)
    contracts = contracts or []
    if not contracts:
        out.out("No contracts found.")
    if args.subcommand == "output":
        _output(args, ctx, out, contracts)
    elif args.subcommand == "expire":
        _expire(args, ctx, out, contracts)
    else:
        for contract in contracts:
            _validate(ctx, out, contract)
        out.out(f"Checked {len(contracts)} contracts.")
    return 0


def _validate(ctx: CommandContext, out: Output, contract: Contract) -> None:
    """Every contract is named with its type first, managed ones included (issue #18 point 5)."""
    db = ctx.db
    out.out(f"Contract {contract} is type {contract.membership_type}")
    price = contract.price.quantize(codes.PRICE_STEP)
    missing = [r for r in repo.contract_runs(db, contract.id) if not repo.products_of_run(db, r.id, active_only=False)]
    if missing:
        out.out(f"Contract {contract} has associated course runs that are missing products.")
        for run in missing:
            repo.insert(db, "mitx_product", {"run_id": run.id, "price": price, "description": run.courseware_id})
        out.out(f"Added {len(missing)} products.")
    products = repo.contract_products(db, contract.id)
    mispriced = [p for p in products if p.price != price]
    if mispriced:
        out.out(f"Contract {contract} has course runs with products that have incorrect pricing.")
        for product in mispriced:
            repo.update(db, "mitx_product", product.id, {"price": price})
        out.out(f"Updated {len(mispriced)} products.")
    existing = codes.codes_of_contract(db, contract)
    if contract.membership_type in AUTO_MEMBERSHIP_TYPES and contract.price == 0:
        unused = [c for c in existing if not repo.code_is_used(db, c.id)]
        # As written in MITx Online: only when at least one code was redeemed (docs/platforms/mitxonline.md §3).
        if len(existing) > len(unused):
            out.out(
                f"Contract {contract} has too many codes: {len(unused)} available out of {len(existing)} total, "
                "expecting 0."
            )
            _drop_codes(ctx, products, unused)
            out.out(f"Removed codes: {','.join(c.discount_code for c in unused)}")
        return
    expected = codes.expected_code_count(contract, len(products))
    out.out(f"Found {len(existing)} enrollment codes, expected {expected}")
    if len(existing) != expected:
        out.out(f"Code count for {contract} is not what is expected: expected {expected}, got {len(existing)}")
        codes.ensure_enrollment_codes_exist(db, contract, out)
    fixed = codes.fix_code_terms(db, contract)
    if fixed:
        out.out(f"Contract {contract} has {fixed} codes with bad settings")
        out.out(f"Updated {fixed} codes.")


def _drop_codes(ctx: CommandContext, products: list[Product], unused: list[EnrollmentCode]) -> None:
    for code in unused:
        for product in products:
            codes.detach_code(ctx.db, code.id, product.id)
        repo.delete_code_if_orphan(ctx.db, code.id)


def _expire(args: argparse.Namespace, ctx: CommandContext, out: Output, contracts: list[Contract]) -> None:
    """Detach unused codes and delete the ones left without products; dry run without --expire."""
    if contracts:
        out.out(f"WARNING: Expiring codes from {len(contracts)} contracts.")
    if args.expire:
        out.out("WARNING: Expire mode active - will deactivate/delete codes.")
    lines: list[str] = []
    for contract in contracts:
        products = repo.contract_products(ctx.db, contract.id)
        for code in codes.codes_of_contract(ctx.db, contract):
            if repo.code_is_used(ctx.db, code.id):
                continue
            outcome = "detached"
            if args.expire:
                for product in products:
                    codes.detach_code(ctx.db, code.id, product.id)
                outcome = "deleted" if repo.delete_code_if_orphan(ctx.db, code.id) else "detached"
            lines.append(f"{contract},{code.discount_code},{outcome}")
    out.out(f"{len(lines)} codes removed.")
    for line in lines:
        out.out(line)


def _code_rows(ctx: CommandContext, contract: Contract, every_code: bool) -> list[dict[str, str]]:
    """Per run, unredeemed codes up to the remaining seats (one when uncapped), or all (docs/platforms/mitxonline.md
    §3)."""
    db = ctx.db
    attached = repo.scalar(
        db, "SELECT COUNT(*) FROM mitx_code_redemption WHERE contract_id = ? AND kind = 'attach'", [contract.id]
    )
    seats = max((contract.max_learners or 1) - (attached if contract.max_learners else 0), 0)
    rows: list[dict[str, str]] = []
    for product in repo.contract_products(db, contract.id):
        run_key = repo.product_run_key(db, product.id)
        product_codes = repo.codes_of_products(db, [product.id])
        if not every_code:
            product_codes = [c for c in product_codes if not repo.code_is_used(db, c.id)][:seats]
        for code in product_codes:
            kinds = {
                row["kind"]: row["user_email"]
                for row in repo.rows(
                    db, "SELECT kind, user_email FROM mitx_code_redemption WHERE discount_id = ?", [code.id]
                )
            }
            rows.append(
                {
                    "Contract": str(contract),
                    "Course Run": run_key,
                    "Enrollment Code": code.discount_code,
                    "Assigned To": "",
                    "Attach Redemption": kinds.get("attach", ""),
                    "Enroll Redemption": kinds.get("enroll", ""),
                    "Attach Link": f"{MIT_LEARN_ATTACH_URL}{code.discount_code}/",
                }
            )
    return rows


def _usage_rows(ctx: CommandContext, contract: Contract) -> list[dict[str, str]]:
    product_ids = [p.id for p in repo.contract_products(ctx.db, contract.id)]
    rows: list[dict[str, str]] = []
    for code in repo.codes_of_products(ctx.db, product_ids):
        for row in repo.rows(
            ctx.db, "SELECT user_email, redeemed_on, kind FROM mitx_code_redemption WHERE discount_id = ?", [code.id]
        ):
            rows.append(
                {
                    "Contract": str(contract),
                    "Code": code.discount_code,
                    "Redeemed By": row["user_email"],
                    "Redemption Date": row["redeemed_on"],
                    "Type": row["kind"],
                }
            )
    return rows


def _stats_row(ctx: CommandContext, contract: Contract) -> dict[str, str]:
    db = ctx.db

    def count(sql: str) -> str:
        return str(repo.scalar(db, sql, [contract.id]))

    return {
        "Seat Limit": str(contract.max_learners) if contract.max_learners else "Unlim",
        "Assignments": "0",  # `b2b_codes assign` is not emulated
        "Attachments": _attachments(ctx, contract),
        "Run Count": str(len(repo.contract_runs(db, contract.id))),
        "Enrollments": count(
            "SELECT COUNT(*) FROM mitx_enrollment e JOIN mitx_course_run r ON r.id = e.run_id "
            "WHERE r.b2b_contract_id = ?"
        ),
        "Total Codes": str(len(codes.codes_of_contract(db, contract))),
        "Redeemed for Attachment": _attachments(ctx, contract),
        "Redeemed for Enrollment": count(
            "SELECT COUNT(*) FROM mitx_code_redemption WHERE kind = 'enroll' AND discount_id IN ("
            "SELECT dp.discount_id FROM mitx_discount_product dp JOIN mitx_product p ON p.id = dp.product_id "
            "JOIN mitx_course_run r ON r.id = p.run_id WHERE r.b2b_contract_id = ?)"
        ),
    }


def _attachments(ctx: CommandContext, contract: Contract) -> str:
    return str(
        repo.scalar(
            ctx.db, "SELECT COUNT(*) FROM mitx_code_redemption WHERE contract_id = ? AND kind = 'attach'", [contract.id]
        )
    )


def _stats(ctx: CommandContext, out: Output, contracts: list[Contract]) -> None:
    """One table per contract, titled with it, without a contract column (issue #18 point 6)."""
    out.out(f"Generating stats for {len(contracts)} contracts...")
    for contract in contracts:
        stats = _stats_row(ctx, contract)
        _write_rows(ctx, out, "fancy", [stats], None, f"Stats for {contract}")
        if contract.max_learners and int(stats["Attachments"]) > contract.max_learners:
            out.out(f"Contract {contract} is overcommitted.")


def _write_rows(
    ctx: CommandContext, out: Output, output_format: str, rows: list[dict[str, str]], filename: str | None, title: str
) -> None:
    """``_output_code_data``: "Nothing to output." for no rows; a titled table whose
    columns fold their text; or a file. JSON and CSV without ``--filename`` go to
    Django's ``OutputWrapper``, which is not a context manager (docs/platforms/mitxonline.md §6)."""
    if not rows:
        out.out("Nothing to output.")
        return
    if output_format not in ("csv", "json"):
        columns = [Column(name, overflow="fold") for name in rows[0]]
        out.out(render(title, columns, [list(row.values()) for row in rows], console_width(ctx.env)))
        return
    if filename is None:
        raise EmulatedException("TypeError", "'OutputWrapper' object does not support the context manager protocol")
    with Path(filename).open("w", newline="", encoding="utf-8") as handle:
        if output_format == "json":
            # One line, as `json.dump` writes it without `indent` (issue #18 point 1).
            json.dump(rows, handle)
        else:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    out.out(f"Wrote {output_format} output to {filename}.")


def _output(args: argparse.Namespace, ctx: CommandContext, out: Output, contracts: list[Contract]) -> None:
    if args.stats:
        _stats(ctx, out, contracts)
        return
    if args.assignments:
        title, rows = "Code Assignments", []  # nothing assigns codes in the sandbox
    elif args.usage:
        title, rows = "Code Usage", [r for c in contracts for r in _usage_rows(ctx, c)]
    else:
        title, rows = "Enrollment Codes", [r for c in contracts for r in _code_rows(ctx, c, args.all)]
    _write_rows(ctx, out, args.format, rows, args.filename, title)


COMMANDS = (Command("b2b_codes", configure, handle),)
