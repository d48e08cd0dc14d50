"""mitxonline:Organization: a B2B organization, found by its `org_key`.

MITx Online has no command that creates an organization on its own: `b2b_contract
create --create` and `b2b_contract import` make one together with a contract, and
`sync_keycloak_orgs` copies every Keycloak organization at once (spec/mitxonline.md §2,
§3.7, §3.11). So this resource adopts an existing organization, and when there is none
yet it records the declaration and leaves the creation to the organization's first
mitxonline:Contract, whose `b2b_contract import` carries the name, key prefix and
Keycloak id declared here. `organization_id` is null until then; `pulumi refresh` after
that contract fills it in.

Nothing changes an organization afterwards through a command: name and description
belong to the Keycloak sync (§3.11), and the key, prefix and Keycloak id are fixed once
contract runs use them (§1.6), so check refuses a change to them.

Observed through `b2b_list organizations` (id, name, key: one command shared by every
organization of a refresh) and `GET /api/v0/b2b/organizations/` (Keycloak id). The key
prefix is shown by no listing (§7.7) and keeps its declared value.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from provider.base import ProviderBase, check_declared, diff_declared, logger, parse_declared
from provider.mitxonline import client as mitx
from provider.mitxonline._common import (
    ADOPTS,
    adopt_or_refuse,
    declared_inputs,
    differences,
    note_adoption,
    refused_changes,
)
from provider.mitxonline.client import Organization as LiveOrganization
from provider.mitxonline.models import OrganizationArgs

_log = logger("mitxonline.organization")

CREATE_ONLY = ("org_key",)
_FIXED = "MITx Online cannot change {} of an organization through a command; {}"
REFUSED = {
    "name": _FIXED.format("the name", "rename it in Keycloak (or the Wagtail admin), then `pulumi refresh`"),
    "sso_organization_id": _FIXED.format(
        "the Keycloak id", "set it in the Wagtail admin, then `pulumi refresh` (§3.11 warns this can duplicate it)"
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
    """The organization with this Keycloak id or name, from REST (which has no key, §7.2)."""
    for organization in mitx.current().rest_organizations():
        same_id = sso_organization_id is not None and organization.sso_organization_id == sso_organization_id
        if same_id or organization.name == name:
            return f"organization {organization.id} ({organization.name!r})"
    return None


class OrganizationProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(OrganizationArgs, {k: v for k, v in news.items() if k != ADOPTS})
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
        live = mitx.current().organization(args.org_key)
        if live is None:
            _log.warning(
                "%s does not exist yet: MITx Online creates an organization only together with a contract "
                "(spec/mitxonline.md §3.7), so its first mitxonline:Contract will create it as declared",
                what,
            )
        else:
            declared = {"name": args.name, "sso_organization_id": args.sso_organization_id}
            adopt_or_refuse(what, differences(declared, _outputs(args, live)), args.adopt)
        return CreateResult(args.org_key, _outputs(args, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(OrganizationArgs, props)
        live = mitx.current().organization(id_)
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
        return UpdateResult(_outputs(args, mitx.current().organization(id_)))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "MITx Online organization %s is retained: organizations are never deleted (its contracts "
            "protect it, spec/mitxonline.md §1.7)",
            id_,
        )


class Organization(Resource, module="mitxonline", name="Organization"):
    """A B2B organization; see docs/resources/mitxonline-organization.md."""

    org_key: pulumi.Output[str]
    name: pulumi.Output[str]
    sso_organization_id: pulumi.Output[str | None]
    org_key_prefix: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    organization_id: pulumi.Output[int | None]
    slug: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        *,
        org_key: pulumi.Input[str],
        organization_name: pulumi.Input[str],
        sso_organization_id: pulumi.Input[str | None] | None = None,
        org_key_prefix: pulumi.Input[str | None] | None = None,
        adopt: pulumi.Input[bool | None] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # `name` is the Pulumi resource name, so the organization's own name is
        # `organization_name` here and `name` in the props.
        props: dict[str, Any] = {
            "org_key": org_key,
            "name": organization_name,
            "sso_organization_id": sso_organization_id,
            "org_key_prefix": org_key_prefix,
            "adopt": adopt,
            "organization_id": None,
            "slug": None,
        }
        super().__init__(OrganizationProvider(), name, props, opts)
