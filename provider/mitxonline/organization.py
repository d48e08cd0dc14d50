"""mitxonline:Organization: a B2B organization, found by its `org_key`.

MITx Online has no command that creates an organization on its own: `b2b_contract
create --create` and `b2b_contract import` make one together with a contract, and
`sync_keycloak_orgs` copies every Keycloak organization at once (docs/platforms/mitxonline.md §1,
§5, §13). So this resource adopts an existing organization, and when there is none
yet it records the declaration and leaves the creation to the organization's first
mitxonline:Contract, whose `b2b_contract import` carries the name, key prefix and
Keycloak id declared here. `organization_id` is null until then; `pulumi refresh` after
that contract fills it in.

Nothing changes an organization afterwards through a command: name and description
belong to the Keycloak sync (docs/platforms/mitxonline.md §13), and the key, prefix and Keycloak id are fixed once
contract runs use them (docs/platforms/mitxonline.md §13), so check refuses a change to them.

Observed through `b2b_list organizations` (id, name, key: one command shared by every
organization of a refresh) and `GET /api/v0/b2b/organizations/` (Keycloak id). The key
prefix is shown by no listing (docs/platforms/mitxonline.md §6) and keeps its declared value.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import checks, platforms
from provider.base import ProviderBase
from provider.declared import diff_declared, parse_declared
from provider.logs import logger
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    note_adoption,
    refuse_key_in_other_case,
    refused_changes,
)
from provider.mitxonline.client import Organization as LiveOrganization
from provider.mitxonline.models import OrganizationArgs
from provider.resource import DeclaredResource

_log = logger("mitxonline.organization")

CREATE_ONLY = ("org_key",)
_FIXED = "MITx Online cannot change {} of an organization through a command; {}"
REFUSED = {
    "name": _FIXED.format("the name", "rename it in Keycloak (or the Wagtail admin), then `pulumi refresh`"),
    "sso_organization_id": _FIXED.format(
        "the Keycloak id",
        "set it in the Wagtail admin, then `pulumi refresh` (docs/platforms/mitxonline.md §13 warns this can duplicate "
        "it)",
    ),
    "org_key_prefix": _FIXED.format("the key prefix", "its existing contract runs keep the old prefix anyway"),
}


def _outputs(args: OrganizationArgs, live: LiveOrganization | None) -> dict[str, Any]:
    declared = args.model_dump(mode="json")
    if live is None:
        return {**declared, "organization_id": None, "slug": None}
    rest = live.rest
    return {
        **declared,
        "name": live.row.name,
        "sso_organization_id": rest.sso_organization_id if rest is not None else args.sso_organization_id,
        "organization_id": live.row.id,
        "slug": live.row.slug,
    }


def _listed(name: str, sso_organization_id: str | None) -> str | None:
    """The organization with this Keycloak id or name, from REST (which has no key, docs/platforms/mitxonline.md §6)."""
    for organization in platforms.mitxonline().rest_organizations():
        same_id = sso_organization_id is not None and organization.sso_organization_id == sso_organization_id
        if same_id or organization.name == name:
            return f"organization {organization.id} ({organization.name!r})"
    return None


class OrganizationProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = checks.organization(news)
        failures = checked.failures + refused_changes(OrganizationArgs, olds, news, REFUSED)
        name, sso_id = checked.values.get("name"), checked.values.get("sso_organization_id")
        if not olds and not failures and isinstance(name, str):
            what = f"MITx Online organization {checked.values['org_key']}"
            note_adoption(checked.inputs, what, lambda: _listed(name, sso_id))
        return CheckResult(checked.inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_declared(OrganizationArgs, olds, news, CREATE_ONLY)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(OrganizationArgs, props)
        what = f"MITx Online organization {args.org_key}"
        client = platforms.mitxonline()
        live = client.organization(args.org_key)
        if live is None:
            refuse_key_in_other_case(client, args.org_key, "org_key")
            _log.warning(
                "%s does not exist yet: MITx Online creates an organization only together with a contract "
                "(docs/platforms/mitxonline.md §5), so its first mitxonline:Contract will create it as declared",
                what,
            )
        else:
            declared = {"name": args.name, "sso_organization_id": args.sso_organization_id}
            adopt_or_refuse(what, differences(declared, _outputs(args, live)), args.adopt)
        return CreateResult(args.org_key, _outputs(args, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(OrganizationArgs, props)
        live = platforms.mitxonline().organization(id_)
        if live is None:
            if props.get("organization_id") is None:
                # Still waiting for its first contract: nothing has drifted.
                outs = _outputs(args, None)
                return ReadResult(id_, outs, declared_inputs(OrganizationArgs, outs))
            return ReadResult("", {})
        outs = _outputs(args, live)
        return ReadResult(id_, outs, declared_inputs(OrganizationArgs, outs))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Check refuses every field a command cannot change, so only `adopt` gets here.
        args = parse_declared(OrganizationArgs, news)
        return UpdateResult(_outputs(args, platforms.mitxonline().organization(id_)))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online organization %s is retained: organizations are never deleted (its contracts "
            "protect it, docs/platforms/mitxonline.md §13)",
            id_,
        )


class Organization(DeclaredResource, module="mitxonline", name="Organization"):
    """A B2B organization; see docs/resources/mitxonline-organization.md."""

    args_model = OrganizationArgs
    provider_class = OrganizationProvider
    output_names = ("organization_id", "slug")
