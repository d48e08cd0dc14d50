"""The two `b2b_list` tables (docs/platforms/mitxonline.md §6), as rows.

`commands.listings()` prints both tables in one command; `read_listings` turns what it
printed into `ContractRow`s and `OrganizationRow`s, cell by cell (the tables are read by
column, `tables.parse_table`, docs/decisions.md §23). `ContractsUpdate` is how a write
that says what it changed (an import prints the new id, a modify sets known values)
updates the shared listing instead of having it read again (`client.MitxOnline.write`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from provider.errors import UnreadableOutput
from provider.logs import logger
from provider.mitxonline import outputs, tables
from provider.mitxonline.models import ContractRow, OrganizationRow

_log = logger("mitxonline.listing")

LISTINGS_STEP = "list contracts and organizations"

ContractsUpdate = Callable[[list[ContractRow]], list[ContractRow]]


@dataclass(frozen=True)
class Listings:
    """Both `b2b_list` tables, read in one command; `organizations` is None once a write
    may have changed them (an import can create an organization)."""

    contracts: list[ContractRow]
    organizations: list[OrganizationRow] | None


def read_listings(stdout: str) -> Listings:
    """The rows of both tables `commands.listings()` printed on `stdout`;
    UnreadableOutput when it printed something else."""
    try:
        printed = outputs.parse_listings(stdout)
    except ValueError as error:
        raise _unreadable(stdout, error) from None
    return Listings(
        contracts=[contract_row(cells) for cells in _table(printed["contracts"], stdout)],
        organizations=[organization_row(cells) for cells in _table(printed["organizations"], stdout)],
    )


def upsert_contract(row: ContractRow) -> ContractsUpdate:
    """A listing change that puts `row` in place of the row with its id (or adds it)."""
    return lambda rows: [*(r for r in rows if r.id != row.id), row]


def _none_if_blank(cell: str) -> str | None:
    text = cell.strip()
    return None if text in ("", "-", "None", "none", "null", "Unlim", "—") else text


def contract_row(cells: dict[str, str]) -> ContractRow:
    def date(name: str) -> dt.date | None:
        text = _none_if_blank(cells.get(name, ""))
        return dt.date.fromisoformat(text[:10]) if text else None

    seats = _none_if_blank(cells.get("Max Learners", ""))
    price_text = _none_if_blank(cells.get("Price", ""))
    try:
        price = Decimal(price_text.lstrip("$")) if price_text else None
    except InvalidOperation:
        price = None
    return ContractRow(
        id=int(cells["ID"]),
        name=cells.get("Name", ""),
        slug=cells.get("Slug", ""),
        org_name=cells.get("Org Name", ""),
        membership_type=cells.get("Membership", "").lower(),
        start=date("Start"),
        end=date("End"),
        active=cells.get("Active", "").strip().lower() in ("yes", "true"),
        max_learners=int(seats) if seats and seats.isdigit() and int(seats) > 0 else None,
        price=price if price else None,
    )


def organization_row(cells: dict[str, str]) -> OrganizationRow:
    return OrganizationRow(
        id=int(cells["ID"]), name=cells.get("Name", ""), slug=cells.get("Slug", ""), key=cells.get("Key", "")
    )


def _table(text: str, stdout: str) -> list[dict[str, str]]:
    try:
        return tables.parse_table(text)
    except ValueError as error:
        raise _unreadable(stdout, error) from None


def _unreadable(stdout: str, error: ValueError) -> UnreadableOutput:
    """A listing that cannot be read: one line that names the stack setting to check.
    What the command printed goes to the DEBUG log, not into the message."""
    _log.debug("%s: unreadable output:\n%s", LISTINGS_STEP, stdout)
    return UnreadableOutput(
        ["b2b_list contracts", "b2b_list organizations"],
        "",
        "",
        f"{error}; check that `courseware:mitxonline.manageCommand` runs MITx Online's `manage.py` "
        "(docs/stack-file.md)",
        LISTINGS_STEP,
    )
