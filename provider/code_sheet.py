"""The enrollment codes of a declared contract, as the CSV an operator sends to the organization.

The runbook's last step writes `codes-<contract id>.csv` (docs/platforms/mitxonline.md §11). A stack
already holds the codes: `codes:<org>/<name>` is a secret stack output of every code
contract (provider/program.py), so `courseware codes` reads `pulumi stack output
--show-secrets --json` and writes one row per code, no MITx Online command needed.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Defined with every other error; imported here under its old name and home.
from provider.errors import NoCodes as NoCodes
from provider.errors import UnknownContract as UnknownContract

COLUMNS = ("code", "course_run", "attach_link")
PRIVATE_MODE = 0o600
_CONTRACT = "contract:"
_CODES = "codes:"
# Why a declared contract has no codes, by its membership type (the stack outputs carry it,
# provider/program.py); "" for outputs written before they did.
_WITHOUT_CODES = {
    "managed": "a free managed contract's learners join through their organization's sign-on (Keycloak), "
    "not with codes; there is nothing to send",
    "auto": "a free auto contract's learners are enrolled automatically: MITx Online adds each member of "
    "the organization (its Keycloak sign-on) when they log in; there is nothing to send",
    "code": "a code contract gets its codes once it has courses: add them to its `courses` and run `pulumi up`",
    "": "the stack makes codes only for a code contract or a priced contract with courses (a managed or "
    "auto contract's learners join through their organization's sign-on instead)",
}


@dataclass(frozen=True)
class CodeSheet:
    label: str  # `<org>/<name>`, as the stack outputs name the contract
    contract_id: int | None
    rows: list[dict[str, str]]

    @property
    def filename(self) -> str:
        return f"codes-{self.contract_id}.csv"

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in self.rows:
            writer.writerow([row.get(column) or "" for column in COLUMNS])
        return out.getvalue()

    def write(self, path: Path) -> None:
        """Write the CSV readable by its owner only (0600): every code is a seat.

        The mode is set on the open file before any code is written, so a file that
        existed with a wider mode is never readable with the codes in it.
        """
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
        with os.fdopen(descriptor, "w", newline="") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)
            handle.write(self.csv())


def code_sheet(outputs: Mapping[str, Any], wanted: str) -> CodeSheet:
    """The codes of the contract `wanted`: its `org/name` label, its slug or its id."""
    contracts = {
        key.removeprefix(_CONTRACT): value
        for key, value in outputs.items()
        if key.startswith(_CONTRACT) and isinstance(value, dict)
    }
    matches = [
        label
        for label, value in contracts.items()
        if wanted in (label, value.get("slug"), str(value.get("contract_id")))
    ]
    if len(matches) != 1:
        known = ", ".join(
            f"{label} (slug {value.get('slug')}, id {value.get('contract_id')})" for label, value in contracts.items()
        )
        what = "no declared contract" if not matches else f"{len(matches)} declared contracts"
        raise UnknownContract(f"{what} answer to {wanted!r}; the stack declares: {known or 'no contract'}")
    label = matches[0]
    contract_id = contracts[label].get("contract_id")
    if "code_count" not in contracts[label]:
        # No mitxonline:EnrollmentCodes was declared for it. Pointing at --show-secrets
        # would send the operator looking for codes that do not exist.
        why = _WITHOUT_CODES.get(str(contracts[label].get("membership_type")), _WITHOUT_CODES[""])
        raise NoCodes(f"contract {label} has no enrollment codes: {why}")
    rows = outputs.get(f"{_CODES}{label}")
    if rows is None:
        raise NoCodes(
            f"contract {label} has {contracts[label]['code_count']} codes, but the stack outputs were read "
            "without them: read them with `pulumi stack output --show-secrets`"
        )
    return CodeSheet(label, contract_id if isinstance(contract_id, int) else None, [dict(r) for r in rows])
