"""What `make acceptance` runs against, and the per-run prefix of everything it makes.

The target comes from a settings file (JSON or YAML) named by `--target` or
`COURSEWARE_ACCEPTANCE_TARGET`, each key overridable by its own environment variable
(`TARGET_ENV`). `scripts/real-mitxonline start` writes such a file for a local MITx
Online; for staging see docs/acceptance.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TARGET_FILE_ENV = "COURSEWARE_ACCEPTANCE_TARGET"
# Settings key -> the environment variable that overrides it.
TARGET_ENV = {
    "manageCommand": "COURSEWARE_ACCEPTANCE_MANAGE_COMMAND",  # a JSON list: ["kubectl", "exec", ...]
    "mitxonlineUrl": "COURSEWARE_ACCEPTANCE_MITXONLINE_URL",
    "mitxonlineApiKey": "COURSEWARE_ACCEPTANCE_MITXONLINE_API_KEY",
    "edxLmsUrl": "COURSEWARE_ACCEPTANCE_EDX_LMS_URL",
    "edxStudioUrl": "COURSEWARE_ACCEPTANCE_EDX_STUDIO_URL",
    "edxClientId": "COURSEWARE_ACCEPTANCE_EDX_CLIENT_ID",
    "edxClientSecret": "COURSEWARE_ACCEPTANCE_EDX_CLIENT_SECRET",
    "mitxonlineCommit": "COURSEWARE_ACCEPTANCE_MITXONLINE_COMMIT",
}
REQUIRED = (
    "manageCommand",
    "mitxonlineUrl",
    "mitxonlineApiKey",
    "edxLmsUrl",
    "edxStudioUrl",
    "edxClientId",
    "edxClientSecret",
)
NO_TARGET = (
    f"make acceptance: no target: set {TARGET_FILE_ENV} to a settings file (docs/acceptance.md; "
    "`scripts/real-mitxonline start SOURCE` writes one) or the COURSEWARE_ACCEPTANCE_* variables it names"
)
PREFIX_ALPHABET = string.ascii_uppercase + string.digits
COURSE_KEY = re.compile(r"\A(course-v1:)([^+]+)\+([^+]+)(\+[^+]+)?\Z")


class NoTarget(Exception):
    """No target, or one that lacks a setting: the message is the one line to print."""


@dataclass(frozen=True)
class Target:
    manage_command: list[str]
    mitxonline_url: str
    mitxonline_api_key: str
    edx_lms_url: str
    edx_studio_url: str
    edx_client_id: str
    edx_client_secret: str
    mitxonline_commit: str = "unknown"
    # The wrapper's log of process starts (scripts/real-mitxonline), when there is one.
    commands_log: Path | None = None
    command_timeout: int = 600
    clone_timeout: int | None = None
    # Whether MITx Online has a Keycloak: attaching a learner to an organization with an
    # SSO id adds them to its Keycloak organization, which fails without one.
    keycloak: bool = False

    def stack_config(self, **mitxonline: Any) -> dict[str, Any]:
        """`courseware:` settings of a stack aimed at this target; `mitxonline` adds keys."""
        settings: dict[str, Any] = {
            "url": self.mitxonline_url,
            "manageCommand": self.manage_command,
            "commandTimeout": self.command_timeout,
        }
        if self.clone_timeout is not None:
            settings["cloneTimeout"] = self.clone_timeout
        return {
            "edx": {"lmsUrl": self.edx_lms_url, "studioUrl": self.edx_studio_url, "clientId": self.edx_client_id},
            "mitxonline": {**settings, **mitxonline},
        }


def load_target(path: str | None, environ: Mapping[str, str] = os.environ) -> Target:
    """The target of `path` (or of $COURSEWARE_ACCEPTANCE_TARGET), each key overridden by
    its environment variable; `NoTarget` with the line to print when something is missing."""
    path = path or environ.get(TARGET_FILE_ENV)
    settings: dict[str, Any] = {}
    if path:
        file = Path(path)
        if not file.exists():
            raise NoTarget(f"make acceptance: the target file {file} does not exist ({TARGET_FILE_ENV})")
        settings = dict(
            (json.loads(file.read_text()) if file.suffix == ".json" else yaml.safe_load(file.read_text())) or {}
        )
    for key, variable in TARGET_ENV.items():
        if environ.get(variable):
            settings[key] = json.loads(environ[variable]) if key == "manageCommand" else environ[variable]
    if not settings:
        raise NoTarget(NO_TARGET)
    missing = [key for key in REQUIRED if not settings.get(key)]
    if missing:
        names = ", ".join(f"{key} ({TARGET_ENV[key]})" for key in missing)
        raise NoTarget(f"make acceptance: the target lacks {names} (docs/acceptance.md)")
    manage = settings["manageCommand"]
    if not isinstance(manage, list) or not all(isinstance(word, str) for word in manage):
        raise NoTarget("make acceptance: manageCommand must be a list of words, e.g. [kubectl, exec, -i, ...]")
    return Target(
        manage_command=manage,
        mitxonline_url=settings["mitxonlineUrl"].rstrip("/"),
        mitxonline_api_key=settings["mitxonlineApiKey"],
        edx_lms_url=settings["edxLmsUrl"],
        edx_studio_url=settings["edxStudioUrl"],
        edx_client_id=settings["edxClientId"],
        edx_client_secret=settings["edxClientSecret"],
        mitxonline_commit=str(settings.get("mitxonlineCommit") or "unknown"),
        commands_log=Path(settings["commandsLog"]) if settings.get("commandsLog") else None,
        command_timeout=int(settings.get("commandTimeout") or 600),
        clone_timeout=int(settings["cloneTimeout"]) if settings.get("cloneTimeout") else None,
        keycloak=bool(settings.get("keycloak")),
    )


def new_prefix() -> str:
    """`T` and five random letters or digits: short enough for a 30-character org key."""
    return "T" + "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(5))


@dataclass(frozen=True)
class Prefix:
    """Puts the run's prefix on every name a catalog gives MITx Online and edX: org keys,
    organization and contract names (and so slugs), course numbers, program ids; SSO ids
    are new."""

    value: str
    # A scenario's own letter after the run's prefix on organizations and contracts, so
    # that two scenarios applying the same shipped workflow never meet; the source course
    # is the run's, shared (`course_key` leaves the tag out).
    tag: str = ""

    def scenario(self, tag: str) -> Prefix:
        return Prefix(self.value, tag)

    def org_key(self, key: str) -> str:
        return f"{self.value}{self.tag}{key}"

    def name(self, name: str) -> str:
        return f"{self.value}{self.tag} {name}"

    def course_key(self, key: str) -> str:
        """`course-v1:UAI_SOURCE+A.0001x+SOURCE` -> `course-v1:UAI_SOURCE+T3K9QZA.0001x+SOURCE`."""
        found = COURSE_KEY.match(key)
        if found is None:
            raise ValueError(f"not a course key: {key!r}")
        scheme, org, number, run = found.groups()
        return f"{scheme}{org}+{self.value}{number}{run or ''}"

    def program_id(self, readable_id: str) -> str:
        """`program-v1:UAI+AIP` -> `program-v1:UAI+T3K9QZJAIP`: one program per scenario."""
        head, sep, tail = readable_id.rpartition("+")
        if not sep:
            raise ValueError(f"not a program id: {readable_id!r}")
        return f"{head}+{self.value}{self.tag}{tail}"

    def sso_id(self, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"courseware-acceptance:{self.value}{self.tag}:{key}"))

    def catalog(self, catalog: dict[str, Any]) -> dict[str, Any]:
        """A copy of a stack file's catalog with this run's names."""
        out: dict[str, Any] = json.loads(json.dumps(catalog))
        for course in out.get("source_courses") or []:
            course["course_key"] = self.course_key(course["course_key"])
        out["existing_source_courses"] = [self.course_key(k) for k in out.get("existing_source_courses") or []]
        if not out["existing_source_courses"]:
            del out["existing_source_courses"]
        for program in out.get("programs") or []:
            program["readable_id"] = self.program_id(program["readable_id"])
            requirements = program.get("requirements") or {}
            for kind in ("required", "elective"):
                if kind in requirements:
                    requirements[kind] = [self.course_key(k) for k in requirements[kind]]
        for organization in out.get("organizations") or []:
            organization["sso_organization_id"] = self.sso_id(organization["org_key"])
            organization["org_key"] = self.org_key(organization["org_key"])
            organization["name"] = self.name(organization["name"])
        for contract in out.get("contracts") or []:
            contract["organization"] = self.org_key(contract["organization"])
            contract["name"] = self.name(contract["name"])
            contract["courses"] = [self.course_key(k) for k in contract.get("courses") or []]
            if "programs" in contract:
                contract["programs"] = [self.program_id(p) for p in contract["programs"]]
        return out
