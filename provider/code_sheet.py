"""The enrollment codes of a declared contract, as the CSV an operator sends to the organization.

The runbook's last step writes `codes-<contract id>.csv` (spec/workflows.md §2). A stack
already holds the codes: `codes:<org>/<name>` is a secret stack output of every code
contract (provider/program.py), so `courseware codes` reads `pulumi stack output
--show-secrets --json` and writes one row per code, no MITx Online command needed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Defined with every other error; imported here under its old name and home.
from provider.errors import UnknownContract as UnknownContract

COLUMNS = ("code", "course_run", "attach_link")
_CONTRACT = "contract:"
_CODES = "codes:"


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
    rows = outputs.get(f"{_CODES}{label}")
    if rows is None:
        raise UnknownContract(
            f"contract {label} has no codes output: only code (or priced) contracts with courses get codes, "
            "and the stack outputs must be read with --show-secrets"
        )
    return CodeSheet(label, contract_id if isinstance(contract_id, int) else None, [dict(r) for r in rows])
