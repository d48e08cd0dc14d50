"""Enrollment codes: ``b2b.api.ensure_enrollment_codes_exist`` (docs/platforms/mitxonline.md §8).

Codes are ``Discount`` rows (uuid4 code, ``fixed-price``, ``sales``, bulk, no dates)
linked to contract-run products. Nothing creates them implicitly (docs/platforms/mitxonline.md §8): only
``b2b_courseware add --make-codes`` and ``b2b_codes validate`` call this module.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sandbox.mitxonline import repo
from sandbox.mitxonline.console import Output
from sandbox.mitxonline.models import AUTO_MEMBERSHIP_TYPES, Contract, EnrollmentCode, Product

PRICE_STEP = Decimal("0.01")  # Product.price is Decimal(7,2)
AMOUNT_STEP = Decimal("0.00001")  # Discount.amount is Decimal(20,5)
LOGGER = "b2b.api"
ONE_TIME = "one-time"
UNLIMITED = "unlimited"


@dataclass
class CodeResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    errors: int = 0


def redemption_type_for(contract: Contract) -> str:
    return ONE_TIME if contract.max_learners else UNLIMITED


def expected_code_count(contract: Contract, product_count: int) -> int:
    """``max_learners x runs`` (one-time) or one per run (unlimited), docs/platforms/mitxonline.md §3."""
    return (contract.max_learners or 1) * product_count


def codes_of_contract(db: sqlite3.Connection, contract: Contract) -> list[EnrollmentCode]:
    return repo.codes_of_products(db, [p.id for p in repo.contract_products(db, contract.id)])


def _create_code(db: sqlite3.Connection, product: Product, contract: Contract, out: Output) -> None:
    """One code, and the log record MITx Online writes for it, which names the code
    itself (``Discount.__str__``, issue #18 point 8): stderr of the commands that make
    codes holds them."""
    code = str(uuid.uuid4())
    amount = contract.price.quantize(PRICE_STEP)
    redemption_type = redemption_type_for(contract)
    code_id = repo.insert(
        db,
        "mitx_discount",
        {
            "discount_code": code,
            "amount": amount,
            "discount_type": "fixed-price",
            "redemption_type": redemption_type,
            "payment_type": "sales",
            "is_bulk": True,
            "created_on": repo.now_iso(),
        },
    )
    link_code(db, code_id, product.id)
    kind = "unlimited discount" if redemption_type == UNLIMITED else "discount"
    discount = f"{amount.quantize(AMOUNT_STEP)} fixed-price {redemption_type} - {code}"
    out.log("info", f"Contract {contract}: Created {kind} {discount} for product {product}", LOGGER)


def link_code(db: sqlite3.Connection, code_id: int, product_id: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO mitx_discount_product (discount_id, product_id) VALUES (?, ?)",
        (code_id, product_id),
    )


def detach_code(db: sqlite3.Connection, code_id: int, product_id: int) -> None:
    db.execute("DELETE FROM mitx_discount_product WHERE discount_id = ? AND product_id = ?", (code_id, product_id))


def _set_terms(db: sqlite3.Connection, code: EnrollmentCode, contract: Contract) -> bool:
    """Bring a code's redemption type and amount in line with the contract; True if changed."""
    wanted_type = redemption_type_for(contract)
    if code.redemption_type == wanted_type and code.amount == contract.price:
        return False
    repo.update(
        db, "mitx_discount", code.id, {"redemption_type": wanted_type, "amount": contract.price.quantize(PRICE_STEP)}
    )
    return True


def fix_code_terms(db: sqlite3.Connection, contract: Contract) -> int:
    """The bulk fix of redemption type and amount (``b2b_codes validate`` step 5); returns the count."""
    return sum(_set_terms(db, code, contract) for code in codes_of_contract(db, contract))


def ensure_enrollment_codes_exist(db: sqlite3.Connection, contract: Contract, out: Output) -> CodeResult:
    result = CodeResult()
    out.log("info", f"Checking enrollment codes for contract {contract}", LOGGER)
    products = repo.contract_products(db, contract.id)
    if contract.membership_type in AUTO_MEMBERSHIP_TYPES and contract.price == Decimal("0"):
        # Members come from the organization: strip contract products from every code (docs/platforms/mitxonline.md §8).
        for product in products:
            for code in repo.codes_of_products(db, [product.id]):
                detach_code(db, code.id, product.id)
                result.deleted += repo.delete_code_if_orphan(db, code.id)
        return result
    for product in products:
        existing = repo.codes_of_products(db, [product.id])
        if not contract.max_learners:
            if not existing:
                _create_code(db, product, contract, out)
                result.created += 1
            elif len(existing) == 1:
                result.updated += _set_terms(db, existing[0], contract)
            else:
                result.errors += 1
            continue
        result.updated += sum(_set_terms(db, code, contract) for code in existing)
        if contract.max_learners > len(existing):
            out.log("info", f"Creating {contract.max_learners - len(existing)} discounts for product {product}", LOGGER)
        for _ in range(contract.max_learners - len(existing)):
            _create_code(db, product, contract, out)
            result.created += 1
        surplus = len(existing) - contract.max_learners
        unused_newest_first = [c for c in reversed(existing) if not repo.code_is_used(db, c.id)]
        for code in unused_newest_first[: max(surplus, 0)]:
            detach_code(db, code.id, product.id)
            result.deleted += repo.delete_code_if_orphan(db, code.id)
    return result
