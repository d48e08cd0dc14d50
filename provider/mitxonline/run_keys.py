"""The contract a contract run belongs to, from its key (docs/platforms/mitxonline.md §7).

A code row names its run; the run's key carries the id of the contract it was made for,
so the codes of every contract can be read in one command and shared out by contract.
"""

from __future__ import annotations

import re

from provider.mitxonline.models import CodeRow

# The run part of a contract run key: `{n}T{contract id}C{year}` (docs/platforms/mitxonline.md §7), or the
# `{year}_C{contract id}` of runs made before February 2026 (docs/platforms/mitxonline.md §7).
_CONTRACT_RUN = re.compile(r"\+(?:\d+T(\d+)C\d{4}|\d{4}_C(\d+))(?:_[^+]*)?$")


def code_contract(row: CodeRow) -> int | None:
    """The contract of a code: the id its `Contract` field starts with, which follows a
    run moved to another contract; else the one its run's key carries."""
    return row.contract_id if row.contract_id is not None else contract_of_run(row.course_run)


def contract_of_run(key: str) -> int | None:
    """The contract id a contract run key carries: the contract the run was made for."""
    match = _CONTRACT_RUN.search(key)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))
