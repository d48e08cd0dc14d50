"""mitxonline:Contract: a B2B contract, found by its organization and slug.

Created with `b2b_contract import - --commit --slug <slug>` and a one-contract export
document on stdin (docs/platforms/mitxonline.md §5). `b2b_contract create` would do, but it is
not idempotent (a repeat makes `<slug>-2`), does not print the new id (one more listing
command to find it) and cannot give a new organization its key prefix or Keycloak id.
The import takes the slug as declared, prints the id, leaves an existing contract alone
(docs/platforms/mitxonline.md §5) and creates the organization from what mitxonline:Organization declares. It
never calls edX and, with `programs: []`, makes no runs: courseware is the job of
mitxonline:ContractCourseware.

Changed in place with `b2b_contract modify <id>`: start, end, max_learners, price and
active, in one command carrying only the changed flags. MITx Online cannot save a
contract that is inactive or outside its dates (docs/platforms/mitxonline.md §4), so such a change is
refused before any command runs, in plain words. Name, slug, membership type,
description and organization cannot be changed by any command: check refuses a change
to them and says what to do. Delete makes the contract inactive (`modify --inactive`),
which is one-way.

Observed through one `b2b_list contracts` shared by every contract of a refresh
(docs/platforms/mitxonline.md §6) plus `b2b_list organizations` for the organization's key, and the
description from `GET /api/v0/b2b/contracts/` where that lists it (active contracts
inside their dates, docs/platforms/mitxonline.md §6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import ValidationError

from provider import checks, platforms, rules
from provider.attempts import Recovered
from provider.base import ProviderBase
from provider.declared import changed_fields, has_unknown, normalise_field, parse_declared
from provider.errors import CommandRefused, ContractLocked, FieldProblem, Refused, Vanished
from provider.logs import logger
from provider.mitxonline import commands, outputs
from provider.mitxonline._common import (
    adopt_or_refuse,
    declared_inputs,
    differences,
    note_adoption,
    refuse_key_in_other_case,
    refused_changes,
    write_or_recover,
)
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.listing import ContractsUpdate, upsert_contract
from provider.mitxonline.models import ContractArgs, ContractRow, slugify
from provider.mitxonline.shapes import contract_fields, declared_json
from provider.mitxonline.transport import Completed
from provider.resource import DeclaredResource

_log = logger("mitxonline.contract")

MODIFIABLE = ("start", "end", "max_learners", "price", "active")
# The organization's own fields ride along for the import that may create it; the
# mitxonline:Organization resource compares them.
ORGANIZATION_FIELDS = ("organization_name", "org_key_prefix", "sso_organization_id")
_NEW_CONTRACT = "declare a new contract instead (a new resource with its own slug) and set `active: false` on this one"
REFUSED = {
    "organization": f"a contract cannot move to another organization; {_NEW_CONTRACT}",
    "name": f"no command renames a contract: rename it in the Wagtail admin and `pulumi refresh`, or {_NEW_CONTRACT}",
    "slug": f"the slug identifies the contract; {_NEW_CONTRACT}",
    "membership_type": f"no command changes a contract's membership type; {_NEW_CONTRACT}",
    "description": "no command changes a contract's description: edit it in the Wagtail admin and `pulumi refresh`",
}


def _slug(args: ContractArgs) -> str:
    return args.slug or slugify(args.name)


def _outputs(declared: dict[str, Any], live: dict[str, Any], contract_id: int) -> dict[str, Any]:
    return {**declared, **live, "contract_id": contract_id}


def _in_window(start: dt.date | None, end: dt.date | None, today: dt.date) -> bool:
    return rules.contract_locked(True, start, end, today) is None


def _date(value: Any) -> dt.date | None:
    """A contract date as state or inputs hold it (ISO text), or None."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _locked_problems(what: str, fields: list[str], live: dict[str, Any], today: dt.date) -> list[FieldProblem]:
    """One problem per field of a change MITx Online cannot save today: the contract, as
    `live` shows it, is inactive or outside its dates (docs/platforms/mitxonline.md §4). Asked
    by `check` with the old inputs (so preview refuses) and by `_modify` with what was read."""
    locked = rules.contract_locked(live.get("active"), _date(live.get("start")), _date(live.get("end")), today)
    if locked is None:
        return []
    if live.get("active") is False:
        advice = _NEW_CONTRACT
    else:
        advice = (
            "MITx Online cannot save such a contract through any command: keep this field as it is until the "
            "contract's dates contain today, or change the contract in the Wagtail admin, then `pulumi refresh`"
        )
    state = "is inactive" if live.get("active") is False else "is outside its dates"
    return [
        FieldProblem(
            name, f"{what} {state} and cannot be changed: {locked} (docs/platforms/mitxonline.md §4); {advice}"
        )
        for name in sorted(fields)
    ]


def _imported_dates(args: ContractArgs, today: dt.date) -> dict[str, Any]:
    """The dates the import can carry: the declared ones when today is inside them.

    The import saves the new contract a second time, and that save fails for a contract
    outside its dates (docs/platforms/mitxonline.md §4), rolling the whole import back. So such a contract is
    imported without dates, which keeps it inside its window, and `modify` then sets them.
    """
    if _in_window(args.start, args.end, today):
        return {"start": declared_json("start", args.start), "end": declared_json("end", args.end)}
    return {"start": None, "end": None}


def _import_document(args: ContractArgs, slug: str, dates: dict[str, Any]) -> dict[str, Any]:
    """A `version: 1` export (docs/platforms/mitxonline.md §5) holding this contract and its organization, no
    programs."""
    declared = args.model_dump(mode="json")
    return {
        "version": 1,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "source_contract_id": None,
        "source_contract_slug": slug,
        "organization": {
            "name": args.organization_name,
            "org_key": args.organization,
            "org_key_prefix": args.org_key_prefix,
            "sso_organization_id": args.sso_organization_id,
        },
        "contract": {
            "name": args.name,
            "slug": slug,
            "description": args.description,
            "welcome_message": "",
            "welcome_message_extra": "",
            "membership_type": args.membership_type,
            "contract_start": dates["start"],
            "contract_end": dates["end"],
            # An export with `"active": false` crashes the import (docs/platforms/mitxonline.md §5): an inactive
            # contract is created active, then modified.
            "active": True,
            "max_learners": args.max_learners,
            "enrollment_fixed_price": declared["price"],
            "google_sheet_target": "",
            "google_sheet_target_tab": "Sheet1",
            "variant_options": [],
        },
        "programs": [],
    }


def _unfinished_import(args: ContractArgs, diffs: dict[str, tuple[Any, Any]], today: dt.date) -> bool:
    """True when the only differences are what `_import` leaves for `_modify` to set: no
    dates (a contract outside its window is imported without them) and `active` (an
    inactive contract is imported active). Such a contract is this declaration's own,
    half made; any other difference is someone else's, and `adopt` decides."""
    undated = _imported_dates(args, today)["start"] is None
    for name, (_declared, live) in diffs.items():
        if name in ("start", "end") and undated and live is None:
            continue
        if name == "active" and live is True and args.active is False:
            continue
        return False
    return True


def _listed_seats(seats: int | None) -> int | None:
    """Seats as `b2b_list contracts` shows them: 0 and none are both "Unlim"."""
    return seats if seats else None


def _listed_price(price: Any) -> Decimal | None:
    """A price as `b2b_list contracts` shows it: none and 0 are both blank."""
    value = Decimal(str(price)) if price is not None else None
    return value if value else None


def _imported_row(args: ContractArgs, dates: dict[str, Any]) -> Callable[[Completed], ContractsUpdate | None]:
    """How a successful import changed the contract listing: a new row, from the
    document it imported, the id it printed and the organization it named (docs/platforms/mitxonline.md §5). None
    when the import found an existing contract: that one's values are not known here."""
    declared = args.model_dump(mode="json")

    def change(done: Completed) -> ContractsUpdate | None:
        imported = outputs.parse_import(done.stdout)
        if imported is None or outputs.import_found_existing(done.stdout):
            return None
        row = ContractRow(
            id=imported[1],
            name=args.name,
            slug=imported[0],
            # The import names the organization by its key only ("  Organization exists:
            # BIGCO"); the name is the declared one, which created it or was compared with it.
            org_name=args.organization_name,
            membership_type=str(declared["membership_type"]).lower(),
            start=dt.date.fromisoformat(dates["start"]) if dates["start"] else None,
            end=dt.date.fromisoformat(dates["end"]) if dates["end"] else None,
            active=True,
            max_learners=_listed_seats(args.max_learners),
            price=_listed_price(declared["price"]),
        )
        return upsert_contract(row)

    return change


def _modified_row(contract_id: int, changes: dict[str, Any]) -> Callable[[Completed], ContractsUpdate | None]:
    """How a successful modify changed the contract listing: the changed values."""
    listed: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "max_learners":
            listed[name] = _listed_seats(value)
        elif name == "price":
            listed[name] = _listed_price(value)
        else:
            listed[name] = value

    def change(_done: Completed) -> ContractsUpdate:
        def apply(rows: list[ContractRow]) -> list[ContractRow]:
            return [row.model_copy(update=listed) if row.id == contract_id else row for row in rows]

        return apply

    return change


def _find(client: MitxOnline, args: ContractArgs) -> ContractRow | None:
    mine, _ = client.contract_by_slug(args.organization, _slug(args))
    return mine


def _modify(client: MitxOnline, args: ContractArgs, contract_id: int, live: dict[str, Any]) -> dict[str, Any]:
    """Apply the declared values of the modifiable fields that differ from `live`.

    Refuses in plain words what MITx Online cannot save (docs/platforms/mitxonline.md §4). A failed
    command is re-read: what it did is kept, what it could not do is reported.
    """
    declared = args.model_dump(mode="json")
    changes = {name: getattr(args, name) for name in MODIFIABLE if declared[name] != live.get(name)}
    if not changes:
        return live
    what = f"MITx Online contract {contract_id} ({_slug(args)})"
    locked = _locked_problems(what, list(changes), live, client.today())
    if locked:
        raise Refused(locked)

    def modified() -> bool:
        row = client.contract(contract_id)
        return row is not None and all(contract_fields(row).get(name) == declared[name] for name in changes)

    written = write_or_recover(
        client,
        commands.contract_modify(contract_id, changes),
        f"modify {what}",
        modified,
        _modified_row(contract_id, changes),
    )
    if isinstance(written, Recovered):
        row = client.contract(contract_id)
        return contract_fields(row) if row is not None else {**live, **{name: declared[name] for name in changes}}
    return {**live, **{name: declared[name] for name in changes}}


def _old_value(name: str, olds: dict[str, Any]) -> Any:
    """An old input of field `name` in its declared type. The engine hands old inputs back
    as it stored them, numbers as floats (`20.0`, docs/platforms/pulumi.md §3); unknown or
    unreadable values count as absent."""
    raw = olds.get(name)
    if raw is None or has_unknown(raw):
        return None
    try:
        return normalise_field(ContractArgs, name, raw)
    except ValidationError:
        return None


def _fewer_codes(olds: dict[str, Any], values: dict[str, Any]) -> list[CheckFailure]:
    """Refuse, before any write, seats or a price that leave fewer codes per contract run
    (provider/rules.py `seats_lose_codes`): `b2b_codes validate` would delete the newest
    unused codes (docs/platforms/mitxonline.md §8), which may already have been sent to learners."""
    if not olds or not {"membership_type", "max_learners", "price"} <= values.keys():
        return []
    membership = values["membership_type"]
    old = (_old_value("max_learners", olds), _old_value("price", olds))
    new = (values["max_learners"], values["price"])
    if not rules.seats_lose_codes(membership, old, new):
        return []
    before, after = rules.codes_per_run(membership, *old), rules.codes_per_run(membership, *new)
    seats = f"`max_learners: {old[0]}`" if old[0] else "no `max_learners` (one code per run)"
    field = "max_learners"
    if old[1] is not None and new[1] is None and not rules.gets_codes(membership, None):
        field, change = "price", f"dropping the price of this {membership} contract"
    elif new[0] is None:
        change = f"dropping `max_learners` ({old[0]} seats; an uncapped contract keeps one code per run)"
    else:
        change = f"lowering `max_learners` from {old[0]} to {new[0]}"
    return [
        CheckFailure(
            field,
            f"{change} leaves {after} code(s) per contract run instead of {before}: `b2b_codes validate` would "
            "delete the newest unused codes, which may already have been sent to learners. Keep "
            f"{seats}{' and the price' if old[1] is not None else ''}; or, if you know those codes were never "
            "sent, change the contract by hand (`b2b_contract modify <id>`, then `b2b_codes validate --contract "
            "<id>`) and `pulumi refresh`",
        )
    ]


def _locked_change(olds: dict[str, Any], inputs: dict[str, Any], today: Callable[[], dt.date]) -> list[CheckFailure]:
    """Refuse at preview a change `b2b_contract modify` cannot save: the contract, as the
    old inputs show it, is inactive or outside its dates (rules.contract_locked)."""
    if not olds:
        return []
    known = {name: value for name, value in inputs.items() if not has_unknown(value)}
    changed = [name for name in changed_fields(ContractArgs, olds, known) if name in MODIFIABLE and name in known]
    if not changed:
        return []
    old = {name: olds.get(name) for name in ("active", "start", "end")}
    if old["active"] is not False and not old["start"] and not old["end"]:
        return []  # an active contract without dates is always inside them: no clock needed
    what = f"MITx Online contract {olds.get('slug') or inputs.get('slug')!s}"
    return [CheckFailure(p.path, p.message) for p in _locked_problems(what, changed, old, today())]


def _listed(slug: str, organization_name: str) -> str | None:
    """The active contract with this slug of the organization with this name, from REST
    (which shows organizations without their key, and only their active contracts, docs/platforms/mitxonline.md §6)."""
    for organization in platforms.mitxonline().rest_organizations():
        if organization.name != organization_name:
            continue
        for contract in organization.contracts:
            if contract.get("slug") == slug:
                return f"contract {contract.get('id')}"
    return None


def _free_slug(client: MitxOnline, slug: str) -> str:
    """`<slug>-2`, `-3`, ...: the first that no contract uses (the shared listing)."""
    taken = {row.slug for row in client.contracts()}
    number = 2
    while f"{slug}-{number}" in taken:
        number += 1
    return f"{slug}-{number}"


def _refuse_inactive(client: MitxOnline, args: ContractArgs, row: ContractRow, slug: str) -> None:
    """An active declaration of a contract that exists inactive (a `pulumi destroy`, or
    `active: false`, made it so): adopting it cannot work, since MITx Online can never
    save an inactive contract again (docs/platforms/mitxonline.md §4), so the advice is a new contract."""
    raise Refused(
        [
            FieldProblem(
                "slug",
                f"MITx Online contract {row.id} ({slug!r} of {args.organization}) exists and is inactive, "
                "as `pulumi destroy` or `active: false` left it, and MITx Online can never make an inactive "
                "contract active again (docs/platforms/mitxonline.md §4), so `adopt: true` would not help. To give "
                f"{args.organization} this contract again, declare a new one: add `slug: {_free_slug(client, slug)}` "
                "to this contract's entry, then `pulumi up`",
            )
        ]
    )


class ContractProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = checks.contract(olds, news)
        values, inputs, failures = checked.values, checked.inputs, checked.failures
        failures.extend(refused_changes(ContractArgs, olds, inputs, REFUSED))
        failures.extend(_fewer_codes(olds, values))
        reactivated = olds.get("active") is False and inputs.get("active") is True
        if not reactivated:
            failures.extend(_locked_change(olds, inputs, lambda: platforms.mitxonline().today()))
        if reactivated:
            failures.append(
                CheckFailure(
                    "active",
                    "an inactive contract can never be made active again: MITx Online cannot save it "
                    f"(docs/platforms/mitxonline.md §4); {_NEW_CONTRACT}",
                )
            )
        if not olds and not failures and not has_unknown(inputs):
            slug, organization = inputs["slug"], inputs["organization_name"]
            note_adoption(
                inputs, f"MITx Online contract {slug} of {inputs['organization']}", lambda: _listed(slug, organization)
            )
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [n for n in changed_fields(ContractArgs, olds, news) if n not in ORGANIZATION_FIELDS]
        return DiffResult(changes=bool(changed), replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(ContractArgs, props)
        client = platforms.mitxonline()
        slug = _slug(args)
        declared = {**args.model_dump(mode="json"), "slug": slug}
        what = f"MITx Online contract {slug} of {args.organization}"
        mine, others = client.contract_by_slug(args.organization, slug)
        if mine is None and others:
            taken = ", ".join(f"{row.id} of {row.org_name!r}" for row in others)
            raise Refused(
                [
                    FieldProblem(
                        "slug",
                        f"{slug!r} is already the slug of contract {taken}; `b2b_contract import` finds "
                        "contracts by slug alone (docs/platforms/mitxonline.md §5) and would take that one: "
                        "declare another `slug`",
                    )
                ]
            )
        if mine is not None and not mine.active and args.active:
            _refuse_inactive(client, args, mine, slug)
        if mine is not None:
            contract_id, live = mine.id, contract_fields(mine)
            compared = {name: declared[name] for name in ("name", "membership_type", *MODIFIABLE)}
            diffs = differences(compared, live)
            if diffs and _unfinished_import(args, diffs, client.today()):
                _log.warning(
                    "%s exists as imported but not yet modified (an earlier `pulumi up` failed or was stopped "
                    "between the two commands): finishing it",
                    what,
                )
            else:
                adopt_or_refuse(what, diffs, args.adopt)
        else:
            # The import would create the organization too, when its key differs only in case.
            refuse_key_in_other_case(client, args.organization, "organization")
            dates = _imported_dates(args, client.today())
            contract_id, listed = self._import(client, args, slug, dates, what)
            # The import creates what the document says, active (docs/platforms/mitxonline.md §5): no
            # listing is needed to know it, unless the command failed or found one.
            live = listed if listed is not None else {**declared, **dates, "active": True}
        live = _modify(client, args, contract_id, live)
        return CreateResult(str(contract_id), _outputs(declared, live, contract_id))

    @staticmethod
    def _import(
        client: MitxOnline, args: ContractArgs, slug: str, dates: dict[str, Any], what: str
    ) -> tuple[int, dict[str, Any] | None]:
        """Create the contract; its id and, when it had to be listed, what the listing shows."""
        document = _import_document(args, slug, dates)
        # The import is safe to repeat: it finds an existing contract by slug (docs/platforms/mitxonline.md §5).
        written = write_or_recover(
            client,
            commands.contract_import(document, slug),
            f"create {what}",
            lambda: _find(client, args),
            _imported_row(args, dates),
        )
        if isinstance(written, Recovered):
            if isinstance(written.failure, ContractLocked):
                # The second save inside the command failed after the first one (docs/platforms/mitxonline.md §4).
                _log.warning("%s was created, but the import then failed: %s", what, written.failure.reason)
            return written.found.id, contract_fields(written.found)
        done = written.value
        imported = outputs.parse_import(done.stdout)
        if imported is not None and not outputs.import_found_existing(done.stdout):
            return imported[1], None
        row = _find(client, args)
        if row is None:
            raise Vanished(what, "after `b2b_contract import` reported success: the contract is not listed")
        return row.id, contract_fields(row)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = platforms.mitxonline()
        row = client.contract(int(id_))
        if row is None:
            return ReadResult("", {})
        owner = client.contract_organization(row)
        rest = next((c for c in client.rest_contracts() if c.id == row.id), None)
        declared = {name: props.get(name) for name in ContractArgs.model_fields}
        live = {
            **contract_fields(row),
            "organization": owner.key if owner is not None else props.get("organization"),
            # Inactive or out-of-window contracts are not listed by REST (docs/platforms/mitxonline.md §6): the
            # description then keeps its last known value.
            "description": rest.description if rest is not None else props.get("description", ""),
        }
        outs = _outputs(declared, live, row.id)
        return ReadResult(id_, outs, declared_inputs(ContractArgs, outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(ContractArgs, news)
        client = platforms.mitxonline()
        live = {name: olds.get(name) for name in ContractArgs.model_fields}
        declared = {**args.model_dump(mode="json"), "slug": _slug(args)}
        live = _modify(client, args, int(id_), live)
        return UpdateResult(_outputs(declared, live, int(id_)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        what = f"MITx Online contract {id_}"
        if props.get("active") is False:
            _log.info("%s is already inactive", what)
            return
        client = platforms.mitxonline()
        locked = rules.contract_locked(True, _date(props.get("start")), _date(props.get("end")), client.today())
        if locked is not None:
            _log.warning(
                "%s stays active: %s, and MITx Online cannot save a contract outside its dates "
                "(docs/platforms/mitxonline.md §4). Learners cannot use it meanwhile; deactivate it in the "
                "Wagtail admin if it must never open",
                what,
                locked,
            )
            return

        def inactive() -> bool:
            row = client.contract(int(id_))
            return row is not None and not row.active

        try:
            write_or_recover(
                client, commands.contract_modify(int(id_), {"active": False}), f"deactivate {what}", inactive
            )
        except ContractLocked as failure:
            _log.warning("%s could not be deactivated: %s", what, failure.reason)
        except CommandRefused as failure:
            if client.contract(int(id_)) is not None:
                raise
            _log.info("%s is already gone: %s", what, failure.reason)
        else:
            _log.warning(
                "%s is now inactive; MITx Online can never modify it again (docs/platforms/mitxonline.md §4)", what
            )


class Contract(DeclaredResource, module="mitxonline", name="Contract"):
    """A B2B contract; see docs/resources/mitxonline-contract.md."""

    args_model = ContractArgs
    provider_class = ContractProvider
    output_names = ("contract_id",)
