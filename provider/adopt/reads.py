"""What `courseware adopt` reads: the live platforms, through the resources' own reads.

Only reads, each the one a resource makes of the same object: the listings and REST
organizations through `MitxOnline` (as mitxonline:Organization and mitxonline:Contract
find theirs), every course with `MitxOnlineRest.courses()` and a contract's runs with
`shapes.runs_by_course` (what mitxonline:ContractCourseware reads), the
codes with the shared `b2b_codes output` read (mitxonline:EnrollmentCodes), one
`b2b_contract export` per selected contract (`MitxOnline.contract_export`), and Studio
`GET`s (edx:CourseRun).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provider import rules
from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.edx.models import ManagedFields
from provider.errors import AdoptError, InvalidCourseKey
from provider.mitxonline.client import MitxOnline, Organization
from provider.mitxonline.models import CodeRow, ContractRow, RestCourse, RestProgram, RestRun
from provider.mitxonline.shapes import runs_by_course


@dataclass(frozen=True)
class Selection:
    """What to adopt. An organization brings its contracts; a contract brings its
    organization; `everything` takes every organization, contract and source run."""

    organizations: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    source_courses: tuple[str, ...] = ()
    everything: bool = False

    def is_empty(self) -> bool:
        return not (self.organizations or self.contracts or self.source_courses or self.everything)


@dataclass(frozen=True)
class LiveContract:
    row: ContractRow
    # `b2b_contract export`: the only read with the org key, prefix, description and
    # dates of every contract, inactive and out-of-window ones included (docs/platforms/mitxonline.md §6).
    export: dict[str, Any]
    # course readable id -> its live contract runs (`runs_by_course`)
    runs: dict[str, list[str]]
    # Its enrollment codes, read when it gets codes; None when it gets none.
    codes: list[CodeRow] | None = None

    @property
    def org_key(self) -> str:
        return str(self.export.get("organization", {}).get("org_key") or "")


@dataclass(frozen=True)
class LiveSourceRun:
    course_key: str
    edx: ManagedFields | None


@dataclass(frozen=True)
class LiveState:
    organizations: list[Organization]
    contracts: list[LiveContract]
    source_runs: list[LiveSourceRun]
    # Every MITx Online course by readable id, with every run (source and contract runs).
    courses: dict[str, RestCourse]
    # The programs the selected contracts link, by readable id (REST, or a `shell` read
    # for a b2b-only one, docs/platforms/mitxonline.md §14).
    programs: dict[str, RestProgram] = field(default_factory=dict)


def is_source_run(run: RestRun) -> bool:
    """A source run by the only sign MITx Online shows: the run tag SOURCE (docs/platforms/mitxonline.md §6)."""
    if run.b2b_contract is not None:
        return False
    try:
        tag = CourseKey.parse(run.courseware_id).run
    except InvalidCourseKey:
        tag = ""
    return rules.SOURCE_RUN_TAG in (run.run_tag, tag)


def _select_contracts(client: MitxOnline, selection: Selection) -> list[ContractRow]:
    rows = client.contracts()
    if selection.everything:
        return rows
    chosen: dict[int, ContractRow] = {}
    for wanted in selection.contracts:
        matches = [r for r in rows if str(r.id) == wanted or r.slug == wanted]
        if not matches:
            raise AdoptError(f"no contract has the id or slug {wanted!r} (`b2b_list contracts` lists them)")
        if len(matches) > 1:
            ids = ", ".join(f"{r.id} of {r.org_name!r}" for r in matches)
            raise AdoptError(f"the slug {wanted!r} is used by contracts {ids}: select one by its id")
        chosen[matches[0].id] = matches[0]
    for org_key in selection.organizations:
        if client.organization(org_key) is None:
            raise AdoptError(f"no organization has the key {org_key!r} (`b2b_list organizations` lists them)")
        for row in rows:
            owner = client.contract_organization(row)
            if owner is not None and owner.key == org_key:
                chosen[row.id] = row
    return sorted(chosen.values(), key=lambda r: r.id)


def _course_key(key: str, what: str) -> CourseKey:
    try:
        return CourseKey.parse(key)
    except InvalidCourseKey as error:
        raise AdoptError(f"{what} {key!r}: {error}") from None


def read_live(client: MitxOnline, edx: EdxClient, selection: Selection) -> LiveState:
    """Read what `selection` names, and what it needs, from both platforms. Writes nothing."""
    if selection.is_empty():
        raise AdoptError("select something: --org, --contract, --source-course or --all")
    # A bad key is refused before any read.
    run_keys = [_course_key(key, "--source-course") for key in selection.source_courses]
    courses = client.rest.courses()
    contracts = []
    for row in _select_contracts(client, selection):
        runs = runs_by_course(courses.values(), row.id)
        # One shared read of every contract's codes serves them all (`MitxOnline.codes`).
        codes = client.codes(row.id) if runs and rules.gets_codes(row.membership_type, row.price) else None
        contracts.append(LiveContract(row, client.contract_export(row.id), runs, codes))

    org_keys = set(selection.organizations) | {c.org_key for c in contracts}
    organizations = [
        found
        for row in client.organization_rows()
        if (selection.everything or row.key in org_keys) and (found := client.organization(row.key)) is not None
    ]
    source_runs = []
    if selection.everything:
        tagged = [r.courseware_id for c in courses.values() for r in c.courseruns if is_source_run(r)]
        run_keys += [_course_key(key, "the MITx Online source run") for key in tagged]
    for key in dict.fromkeys(run_keys):
        studio = edx.find_course_run(key)
        source_runs.append(LiveSourceRun(str(key), None if studio is None else studio.managed()))
    programs = {}
    for contract in contracts:
        for item in contract.export.get("programs") or []:
            readable_id = str(item.get("readable_id"))
            if readable_id not in programs and (program := client.program_anywhere(readable_id)) is not None:
                programs[readable_id] = program
    return LiveState(organizations, contracts, source_runs, courses, programs)
