"""``sync_keycloak_orgs`` (docs/platforms/mitxonline.md §13) and the sandbox-only ``sandbox_keycloak_orgs``.

The sandbox has no Keycloak. Its organizations live in ``mitx_keycloak_org``, which
``sandbox_keycloak_orgs add|list|remove`` maintains (a command MITx Online does not
have), and ``sync_keycloak_orgs`` reads them as the real one reads Keycloak's admin
API: first page only, created with prefix ``UAI_``, ``org_key`` never updated.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import uuid

from sandbox.context import CommandContext
from sandbox.mitxonline import repo
from sandbox.mitxonline.commands.b2b_contract import create_organization
from sandbox.mitxonline.commands.base import Command, CommandError, CommandParser
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import ORG_KEY_MAX_LENGTH, KeycloakOrganization, Organization

# The organizations endpoint is listed without first/max, so Keycloak's default page
# size caps what one sync sees (docs/platforms/mitxonline.md §13, believed to be 10).
KEYCLOAK_PAGE_SIZE = 10


def configure_sync(parser: CommandParser) -> None:
    """No arguments of its own."""


def handle_sync(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    db = ctx.db
    created = updated = 0
    for kc in repo.fetch(KeycloakOrganization, db, order="r.name, r.id")[:KEYCLOAK_PAGE_SIZE]:
        existing = repo.first(Organization, db, "r.sso_organization_id = ?", [kc.id])
        if existing is not None:
            # Name, title and description only: org_key is never updated (docs/platforms/mitxonline.md §13).
            repo.update(db, "mitx_organization", existing.id, {"name": kc.name, "description": kc.description})
            repo.update(db, "mitx_page", existing.id, {"title": kc.name})
            updated += 1
            continue
        try:
            create_organization(
                db, kc.name, kc.alias[:ORG_KEY_MAX_LENGTH], sso_organization_id=kc.id, description=kc.description
            )
        except EmulatedException as exc:
            out.log("error", f"Could not create organization {kc.name} ({kc.id}): {exc.message}", "b2b.api")
            continue
        created += 1
    # Logged, not printed (docs/platforms/mitxonline.md §13).
    out.log("info", f"Created {created} orgs, updated {updated} orgs", "b2b.api")
    return 0


def configure_seed(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
    add = sub.add_parser("add", help="add an organization to the emulated Keycloak realm", streams=parser.streams)
    add.add_argument("--name", required=True)
    add.add_argument("--alias", required=True, help="becomes org_key (first 30 characters) on sync")
    add.add_argument("--id", help="the Keycloak organization id, a UUID (generated when omitted)")
    add.add_argument("--description", default="")
    sub.add_parser("list", streams=parser.streams)
    remove = sub.add_parser("remove", streams=parser.streams)
    remove.add_argument("id")


def handle_seed(args: argparse.Namespace, ctx: CommandContext, out: Output) -> int:
    db = ctx.db
    if args.subcommand == "add":
        org_id = str(uuid.UUID(args.id)) if args.id else str(uuid.uuid4())
        if repo.first(KeycloakOrganization, db, "r.id = ?", [org_id]) is not None:
            raise CommandError(f"Keycloak organization {org_id} already exists.")
        repo.insert(
            db,
            "mitx_keycloak_org",
            {"id": org_id, "alias": args.alias, "name": args.name, "description": args.description},
        )
        found = repo.first(KeycloakOrganization, db, "r.id = ?", [org_id])
        assert found is not None
        out.out(json.dumps(dataclasses.asdict(found)))
    elif args.subcommand == "list":
        out.out(json.dumps([dataclasses.asdict(o) for o in repo.fetch(KeycloakOrganization, db, order="r.name")]))
    else:
        db.execute("DELETE FROM mitx_keycloak_org WHERE id = ?", (args.id,))
    return 0


COMMANDS = (
    Command("sync_keycloak_orgs", configure_sync, handle_sync),
    Command("sandbox_keycloak_orgs", configure_seed, handle_seed, app="sandbox"),
)
