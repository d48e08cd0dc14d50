"""What the management commands print, read back (the commands are built in `commands.py`).

Each parser takes a command's stdout (or, for an import, the invocation that ran) and
returns the values the resources need, or None / ValueError when the output lacks them;
turning that into an error that names the step is the caller's job.
"""

from __future__ import annotations

import json
import re
from typing import Any

from provider.mitxonline.commands import LISTINGS, Invocation

# `b2b_contract import --commit` ends with "Import complete. Contract slug: <slug>
# (id=<n>)" whether it made the contract ("  Created contract: <slug>") or found it
# ("  Contract exists: <slug>", without an id); a dry run ends with "Dry run — rolling
# back." and no such line (docs/platforms/mitxonline.md §5, issue #18 point 2).
_IMPORTED = re.compile(r"^Import complete\. Contract slug: (\S+) \(id=(\d+)\)$", re.MULTILINE)
_EXISTS = re.compile(r"^\s*Contract exists: ", re.MULTILINE)
_ORGANIZATION_EXISTS = re.compile(r"^\s*Organization exists: ", re.MULTILINE)
_ORGANIZATION_CREATED = re.compile(r"^\s*Created organization: (\S+)\s*$", re.MULTILINE)


def parse_import(stdout: str) -> tuple[str, int] | None:
    """The slug and id a committed `b2b_contract import` reports; None without the line."""
    match = _IMPORTED.search(stdout)
    return (match.group(1), int(match.group(2))) if match else None


def import_found_organization(stdout: str) -> bool:
    """Whether the import found the organization it names (`  Organization exists: KEY`,
    docs/platforms/mitxonline.md §5) rather than creating one: then the organization listing is unchanged."""
    return bool(_ORGANIZATION_EXISTS.search(stdout))


def import_created_organization(stdout: str) -> str | None:
    """The key of the organization a committed import created (`  Created organization:
    KEY`, docs/platforms/mitxonline.md §5), or None when it created none or said so some other way."""
    match = _ORGANIZATION_CREATED.search(stdout)
    return match.group(1) if match else None


def imported_organization_name(invocation: Invocation) -> str | None:
    """The organization name in the export document an import was given on stdin."""
    try:
        document = json.loads(invocation.stdin or "")
        name = document["organization"]["name"]
    except (ValueError, TypeError, KeyError):
        return None
    return name if isinstance(name, str) else None


def import_found_existing(stdout: str) -> bool:
    """Whether the import found the contract's slug taken and changed nothing (docs/platforms/mitxonline.md §5)."""
    return bool(_EXISTS.search(stdout))


def parse_json_document(text: str) -> Any:
    """The JSON value in `text`, skipping lines a command prints before it (docs/platforms/mitxonline.md §3, §6)."""
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        raise ValueError(f"no JSON in the command output: {text[:200]!r}")
    value, _ = json.JSONDecoder().raw_decode(text[min(starts) :])
    return value


def parse_listings(stdout: str) -> dict[str, str]:
    """The tables `listings()` printed, by listing name; ValueError when one is missing."""
    value = parse_json_document(stdout)
    if not isinstance(value, dict) or not all(isinstance(value.get(name), str) for name in LISTINGS):
        raise ValueError(f"expected a JSON object with the tables {', '.join(LISTINGS)}")
    return {name: value[name] for name in LISTINGS}
