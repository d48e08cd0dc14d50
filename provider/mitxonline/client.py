"""One MITx Online client per provider process: commands, REST reads and shared listings.

Commands cost about 20 s each in a real deployment (docs/platforms/mitxonline.md §2), so reads
are shared: the first resource of a refresh that needs a listing runs one command that
prints both `b2b_list contracts` and `b2b_list organizations` (`commands.listings`), and
every other resource of that refresh (up to four at once, docs/platforms/pulumi.md §2)
reuses its result. A write through this client forgets every shared result it may have
changed, so a read after a write always sees the write (`_stale_after`): the listings
outlive a write that succeeded and either cannot change them (`_KEEPS_LISTINGS`) or says
how it changed the contracts (`write(..., contracts=...)`: the import prints the new id,
a modify sets known values), so an apply lists contracts once, not once per contract; a
course's REST read outlives a write that does not name the course (`Invocation.courses`),
and the codes one that makes none (`_KEEPS_CODES`), so each course is read about once
per operation, not again after every other contract's commands. An import may also
create an organization, so after one the organizations are listed again if they are
asked for. A failed write forgets everything: the re-read that decides whether it was
applied really reads. Preview runs no command at all: check and diff never reach
this module.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provider.attempts import Retry, attempt
from provider.errors import (
    CommandFailed,
    ConfigurationError,
    PlatformError,
    UnreadableOutput,
)
from provider.logs import logger
from provider.mitxonline import clone_wait, commands, outputs, retries
from provider.mitxonline.commands import Invocation
from provider.mitxonline.listing import LISTINGS_STEP, ContractsUpdate, Listings, read_listings
from provider.mitxonline.models import (
    CodeRow,
    ContractRow,
    OrganizationRow,
    RestContract,
    RestCourse,
    RestOrganization,
    RestProgram,
)
from provider.mitxonline.reads import SharedReads
from provider.mitxonline.rest import MitxOnlineRest
from provider.mitxonline.run_keys import code_contract
from provider.mitxonline.session import SessionPool
from provider.mitxonline.transport import Completed, ManageCommand, Runner, run_subprocess
from provider.settings import MitxOnlineSettings

if TYPE_CHECKING:
    # httpx is imported where a request is made (see provider/edx/client.py).
    import httpx

_log = logger("mitxonline.client")

# The shared read of every contract's codes; one contract's is `f"{ALL_CODES} of contract {id}"`.
ALL_CODES = "codes"

LISTINGS = "b2b_list contracts and organizations"

# Writes that leave every row of both listings as it was (contracts: id, name, slug,
# organization name, membership, dates, active, seats, price; organizations: id, name,
# slug, key; docs/platforms/mitxonline.md §6).
_KEEPS_LISTINGS = frozenset(
    {"b2b_courseware", "b2b_codes", "import_courserun", "create_courseware", "create_courseware_page", "sync_courserun"}
)
# Writes that leave every enrollment code as it was (an import makes a contract without
# codes; the course commands make no code).
_KEEPS_CODES = frozenset(
    {"import_courserun", "create_courseware", "create_courseware_page", "sync_courserun", "b2b_contract import"}
)
_COURSE_READ = "GET course "
_REST_ORGANIZATIONS = "GET organizations"
_REST_CONTRACTS = "GET contracts"


@dataclass(frozen=True)
class Organization:
    """An organization as MITx Online shows it: the `b2b_list` row plus the REST record."""

    row: OrganizationRow
    rest: RestOrganization | None


class MitxOnline:
    """Commands and reads of one MITx Online, shared by the provider's worker threads.

    Everything it needs comes in at construction: the settings (command prefix and
    timeout, clone timeout, REST address and key) and `edx_run_exists`, how to ask edX
    whether a run exists, which `provider/platforms.py` makes from the edX client. It
    reads no process-wide setting and knows no other client.
    """

    def __init__(
        self,
        settings: MitxOnlineSettings,
        *,
        runner: Runner | None = None,
        transport: httpx.BaseTransport | None = None,
        edx_run_exists: Callable[[str], bool] | None = None,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if runner is None:
            runner = SessionPool(settings.manage_command, settings.sessions) if settings.sessions else run_subprocess
        self.manage = ManageCommand(tuple(settings.manage_command), settings.command_timeout, runner)
        self.rest = MitxOnlineRest(str(settings.url), settings.api_key.get_secret_value(), transport=transport)
        self.shared = SharedReads(clock=clock)
        self.today = today
        # How long a contract's courseware waits for edX's clones unless the resource
        # declares its own (provider/mitxonline/contract_courseware.py).
        self.clone_timeout = settings.clone_timeout
        # How long this process's clones took to appear in edX: when the wait looks first.
        self.clone_times = clone_wait.CloneTimes()
        self._runner = runner
        self._edx_run_exists = edx_run_exists or _no_edx
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"MitxOnline({self.manage.prefix!r})"

    def close(self) -> None:
        """End the idle command sessions and the REST connections."""
        if isinstance(self._runner, SessionPool):
            self._runner.close()
        self.rest.close()

    # -- commands ----------------------------------------------------------------------

    def write(
        self,
        invocation: Invocation,
        step: str,
        contracts: Callable[[Completed], ContractsUpdate | None] | None = None,
    ) -> Completed:
        """Run a command that changes MITx Online; shared reads are forgotten even when
        it fails, since a failed command may have done its work (docs/platforms/mitxonline.md §4).

        The contract listing is kept after a success when the command cannot change it,
        or when `contracts(completed)` returns the change to apply to it (None: forget it).
        """
        try:
            done = self.manage.run(invocation.command, *invocation.args, stdin=invocation.stdin, step=step)
        except BaseException:
            self.shared.forget()
            raise
        try:
            change = contracts(done) if contracts is not None else None
        except Exception:
            change = None
        keeps_listings = change is not None or (contracts is None and invocation.command in _KEEPS_LISTINGS)
        self.shared.forget_where(_stale_after(invocation, keeps_listings=keeps_listings))
        if change is not None:
            # A modify leaves the organizations alone; so does an import that found its
            # organization. One that created it prints only the key: the new row's id,
            # name and slug come from REST (an HTTP read, not a command), and only when
            # exactly one organization there is missing from the listing; otherwise the
            # listing is read again. Re-listing after every import cost one `b2b_list`
            # shell per import that came before an organization lookup (168 at 1,000).
            kept = invocation.args[:1] == ("modify",) or (
                invocation.args[:1] == ("import",) and outputs.import_found_organization(done.stdout)
            )
            organizations = (
                _unchanged
                if kept
                else self._with_created_organization(
                    outputs.import_created_organization(done.stdout), outputs.imported_organization_name(invocation)
                )
            )
            self.shared.update(
                LISTINGS,
                lambda listed: Listings(change(listed.contracts), organizations(listed.organizations)),
            )
        return done

    def _with_created_organization(
        self, org_key: str | None, name: str | None
    ) -> Callable[[list[OrganizationRow] | None], list[OrganizationRow] | None]:
        """How an import that created organization `org_key`, named `name`, changes the
        listed rows: the one REST organization of that name the rows lack, under that key;
        None (list again) when key or name is unknown, REST cannot be read, or more or fewer
        than one such organization is missing (another worker's import may have created
        one since the listing, so the name tells them apart)."""
        if org_key is None or name is None:
            return lambda rows: None
        try:
            everywhere = self.rest_organizations()
        except PlatformError:
            return lambda rows: None

        def grown(rows: list[OrganizationRow] | None) -> list[OrganizationRow] | None:
            if rows is None or any(row.key == org_key for row in rows):
                return rows  # unknown already, or a listing made after the import
            listed = {row.id for row in rows}
            missing = [rest for rest in everywhere if rest.id not in listed and rest.name == name]
            if len(missing) != 1:
                return None
            made = missing[0]
            return [*rows, OrganizationRow(id=made.id, name=made.name, slug=made.slug, key=org_key)]

        return grown

    def read_command(self, invocation: Invocation, step: str, *, secret_stdout: bool = False) -> Completed:
        """Run a command that changes nothing; a transient failure is tried again, since
        repeating a read is always harmless. With `secret_stdout`, a failure carries no
        stdout (it may hold enrollment codes), neither in the error nor in the retry log."""

        def run() -> Completed:
            try:
                return self.manage.run(invocation.command, *invocation.args, stdin=invocation.stdin, step=step)
            except CommandFailed as failure:
                if secret_stdout:
                    raise retries.without_stdout(failure) from None
                raise

        return attempt(run, step=step, retry=self.command_retry()).value

    def command_retry(self) -> Retry:
        """How a command is tried again (`retries.command_retry`). Writes pass it with a
        fresh read to observe (`_common.write_or_recover`)."""
        return retries.command_retry(log=_log, sleep=self._sleep)

    # -- shared listings ---------------------------------------------------------------

    def contracts(self) -> list[ContractRow]:
        """Every contract, active or not (`b2b_list contracts`, docs/platforms/mitxonline.md §6)."""
        return self.shared.get(LISTINGS, self._list).contracts

    def organization_rows(self) -> list[OrganizationRow]:
        """Every organization with its key (`b2b_list organizations`, docs/platforms/mitxonline.md §6)."""
        organizations = self.shared.get(LISTINGS, self._list).organizations
        if organizations is None:
            # An import since the listing may have created one: list again (both tables).
            self.shared.discard(LISTINGS)
            organizations = self.shared.get(LISTINGS, self._list).organizations
        return organizations or []

    def _list(self) -> Listings:
        """Both listings in one command (`commands.listings`): a read, retried when transient."""
        return read_listings(self.read_command(commands.listings(), LISTINGS_STEP).stdout)

    def rest_organizations(self) -> list[RestOrganization]:
        return self.shared.get(_REST_ORGANIZATIONS, self.rest.organizations)

    def rest_contracts(self) -> list[RestContract]:
        return self.shared.get(_REST_CONTRACTS, self.rest.contracts)

    def course(self, readable_id: str) -> RestCourse | None:
        return self.shared.get(f"{_COURSE_READ}{readable_id}", lambda: self.rest.course(readable_id))

    def program(self, readable_id: str) -> RestProgram | None:
        """The program as REST shows it: None when missing or b2b-only (docs/platforms/mitxonline.md §14).
        A read for check: no command."""
        return self.shared.get(f"GET program {readable_id}", lambda: self.rest.program(readable_id))

    def program_anywhere(self, readable_id: str) -> RestProgram | None:
        """The program through REST, or, when REST does not show it (missing or b2b-only,
        docs/platforms/mitxonline.md §14), through one `shell` read."""
        return self.program(readable_id) or self.shared.get(
            f"shell program {readable_id}", lambda: self._hidden_program(readable_id)
        )

    def _hidden_program(self, readable_id: str) -> RestProgram | None:
        step = f"read program {readable_id}"
        done = self.read_command(commands.read_program(readable_id), step)
        if done.stdout.strip().endswith("null"):
            return None
        try:
            document = outputs.parse_json_document(done.stdout)
        except ValueError:
            raise UnreadableOutput(["shell"], done.stdout, done.stderr, "no JSON", step) from None
        return RestProgram.model_validate(document)

    # -- lookups by natural key --------------------------------------------------------

    def organization(self, org_key: str) -> Organization | None:
        """The organization with this key: `b2b_list` has the key, REST the Keycloak id."""
        row = next((r for r in self.organization_rows() if r.key == org_key), None)
        if row is None:
            return None
        rest = next((o for o in self.rest_organizations() if o.id == row.id), None)
        return Organization(row, rest)

    def contract(self, contract_id: int) -> ContractRow | None:
        return next((c for c in self.contracts() if c.id == contract_id), None)

    def contract_organization(self, contract: ContractRow) -> OrganizationRow | None:
        """The organization of a contract row, which names only the organization's name.

        REST lists each organization's active contracts by id; for the others the name
        decides when exactly one organization has it.
        """
        rows = self.organization_rows()
        for rest in self.rest_organizations():
            if any(item.get("id") == contract.id for item in rest.contracts):
                return next((r for r in rows if r.id == rest.id), None)
        named = [r for r in rows if r.name == contract.org_name]
        return named[0] if len(named) == 1 else None

    def contract_export(self, contract_id: int) -> dict[str, Any]:
        """`b2b_contract export <id>` (docs/platforms/mitxonline.md §5): the only read with a contract's org key,
        prefix and description, inactive and out-of-window contracts included (docs/platforms/mitxonline.md §6)."""
        step = f"export contract {contract_id}"
        done = self.read_command(commands.contract_export(contract_id), step)
        try:
            document = outputs.parse_json_document(done.stdout)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise UnreadableOutput(["b2b_contract", "export"], done.stdout, done.stderr, "no JSON object", step)
        return document

    def contract_by_slug(self, org_key: str, slug: str) -> tuple[ContractRow | None, list[ContractRow]]:
        """(the contract of this organization with this slug, contracts of other
        organizations using the same slug), since slugs are unique per organization only."""
        mine: ContractRow | None = None
        others: list[ContractRow] = []
        for row in self.contracts():
            if row.slug != slug:
                continue
            owner = self.contract_organization(row)
            if owner is not None and owner.key == org_key:
                mine = row
            else:
                others.append(row)
        return mine, others

    # -- codes -------------------------------------------------------------------------

    def codes(self, contract_id: int) -> list[CodeRow]:
        """The codes of one contract, from the shared read of every contract's codes: one
        command for all the contracts of a refresh (or of an adoption)."""
        return [row for row in self.all_codes() if code_contract(row) == contract_id]

    def all_codes(self) -> list[CodeRow]:
        """Every code of every contract, read once until the next write (`SharedReads`)."""
        return self.shared.get(ALL_CODES, lambda: self._read_codes(None))

    def contract_codes(self, contract_id: int) -> list[CodeRow]:
        """The codes of this contract only (`b2b_codes output --contract`): what create and
        update read after `b2b_codes validate`, which forgot every shared read anyway.
        Kept until the next write, so the re-read of a failed validate serves the read
        that follows it."""
        rows = self.shared.get(f"{ALL_CODES} of contract {contract_id}", lambda: self._read_codes(contract_id))
        return [row for row in rows if code_contract(row) == contract_id]

    def _read_codes(self, contract_id: int | None) -> list[CodeRow]:
        """One `shell` that runs `b2b_codes output` through `call_command` and prints the
        JSON (`commands.codes_read`, docs/platforms/mitxonline.md §6). A read: retried when transient.

        Its stdout may hold the codes themselves, so it is kept out of every error, which
        the CLI prints and the retry log quotes (docs/reliability.md, "Secrets").
        """
        step = "read every enrollment code" if contract_id is None else f"read the codes of contract {contract_id}"
        invocation = commands.codes_read(contract_id)
        done = self.read_command(invocation, step, secret_stdout=True)
        try:
            rows = outputs.parse_json_document(done.stdout)
            if not isinstance(rows, list):
                raise ValueError("not a JSON array")
            return [CodeRow.model_validate(row) for row in rows]
        except ValueError:
            # Neither the text nor pydantic's message (which quotes the rows) goes out.
            raise UnreadableOutput(
                [invocation.command], retries.WITHHELD, done.stderr, "no JSON array of code rows", step
            ) from None

    # -- edX ---------------------------------------------------------------------------

    def wait_for_edx(
        self, keys: Sequence[str], timeout: float, poll: float = 5.0, *, just_added: bool = False
    ) -> list[str]:
        """Wait until edX has every run in `keys` (`clone_wait.wait_for_runs`: the clone
        after `add` is asynchronous, docs/platforms/mitxonline.md §9); returns the keys
        still missing when `timeout` runs out. `just_added`: this operation's `add` just
        queued their clones, so the first look waits for the clone time seen so far."""
        return clone_wait.wait_for_runs(
            self._edx_run_exists,
            keys,
            timeout,
            poll,
            sleep=self._sleep,
            clock=self._clock,
            times=self.clone_times if just_added else None,
        )


def _stale_after(invocation: Invocation, *, keeps_listings: bool) -> Callable[[str], bool]:
    """Which shared reads a successful write may have changed (issue 27: a read that
    several resources share is read once per operation, not once per write).

    The listings stay when the command cannot change them or the caller says how they
    changed; REST's organizations and contracts stay when the listings do (the same rows);
    a course's read stays unless the command names it (`Invocation.courses`); the codes
    stay after a command that makes none. Anything else is forgotten."""
    named = f"{invocation.command} {invocation.args[0]}" if invocation.args else invocation.command
    keeps_codes = invocation.command in _KEEPS_CODES or named in _KEEPS_CODES
    # Linking or unlinking a program changes REST's contracts (their `programs`), not the listings.
    links_programs = invocation.command == "b2b_courseware" and any(a.startswith("program-") for a in invocation.args)
    keeps_rest = invocation.command in _KEEPS_LISTINGS and not links_programs

    def stale(key: str) -> bool:
        if key == LISTINGS:
            return not keeps_listings
        if key in (_REST_ORGANIZATIONS, _REST_CONTRACTS):
            return not keeps_rest
        if key.startswith(_COURSE_READ):
            return invocation.courses is None or key[len(_COURSE_READ) :] in invocation.courses
        if key.startswith(ALL_CODES):
            return not keeps_codes
        return True

    return stale


def _no_edx(key: str) -> bool:
    raise ConfigurationError(
        f"cannot look up {key} on edX: this MITx Online client was made without an edX client; "
        "configure both platforms (provider/platforms.py builds them together)"
    )


def _unchanged(rows: list[OrganizationRow] | None) -> list[OrganizationRow] | None:
    return rows
