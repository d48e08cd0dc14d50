"""The catalog that declares what `courseware adopt` read: pure, no platform call.

Each entry is what the resource it becomes would read back: a contract from its listing
row as mitxonline:Contract reads it (`shapes.contract_fields`), its codes counted and
expected as mitxonline:EnrollmentCodes counts them, for the properties the program would
give it (`properties.enrollment_codes`); a source run's title, dates and pacing as
edx:CourseRun outputs them. Every entry is marked `adopt: true`, so a live object that
differs from what was read (someone edited it in between) is still taken over instead
of failing the `up`. What the catalog cannot express is reported, never dropped in
silence; what would make the first `pulumi up` write is reported with why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from provider import properties, rules
from provider.adopt.reads import LiveContract, LiveSourceRun, LiveState, is_source_run
from provider.catalog import load_catalog
from provider.edx.keys import CourseKey
from provider.mitxonline.models import EnrollmentCodesArgs, RestCourse, slugify
from provider.mitxonline.shapes import contract_fields, expected_count, held_codes

NOT_EXPOSED_SOURCE_FLAG = (
    "no MITx Online read shows is_source_run (docs/platforms/mitxonline.md §6): written from the run tag SOURCE"
)
NOT_EXPOSED_PREFIX = (
    "no read shows org_key_prefix without a contract to export (docs/platforms/mitxonline.md §6): the default is "
    "written; check it in the Wagtail admin"
)

# Where a comment goes in the catalog: keys and list indexes from its root.
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Note:
    """One thing the operator must know: its subject and why."""

    subject: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


@dataclass
class Adoption:
    """The catalog to write, the comments on its fields, and what the operator must know."""

    catalog: dict[str, Any]
    comments: dict[Path_, str] = field(default_factory=dict)
    left_out: list[Note] = field(default_factory=list)
    inexact: list[Note] = field(default_factory=list)

    def report(self, written_to: str | None) -> str:
        counts = ", ".join(
            f"{len(self.catalog.get(name, []))} {name.replace('_', ' ')}"
            for name in ("source_courses", "existing_source_courses", "programs", "organizations", "contracts")
        )
        lines = [f"Wrote the catalog to {written_to}: {counts}." if written_to else f"Catalog: {counts}."]
        if self.comments:
            lines += ["", "Fields no MITx Online read exposes (written from what can be read, flagged in a comment):"]
            lines += [f"  - catalog.{_dotted(path)}: {reason}" for path, reason in self.comments.items()]
        if self.left_out:
            lines += ["", "Not declared: the catalog cannot express them (handle them by hand):"]
            lines += [f"  - {note}" for note in self.left_out]
        if self.inexact:
            lines += ["", "Adopted, but not exactly: the first `pulumi up` will write, or preview will show a change:"]
            lines += [f"  - {note}" for note in self.inexact]
        else:
            lines += ["", "Every declared object matches what exists: the first `pulumi up` should write nothing."]
        return "\n".join(lines) + "\n"


def _dotted(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def course_id_of(course_key: str) -> str:
    return CourseKey.parse(course_key).course_id


def _source_course(
    live: LiveSourceRun, courses: dict[str, RestCourse], index: int, out: Adoption
) -> dict[str, Any] | None:
    key = live.course_key
    if live.edx is None:
        out.left_out.append(Note(key, "edX Studio has no such run; declaring it would create it"))
        return None
    if live.edx.start is None or live.edx.end is None:
        out.left_out.append(
            Note(key, "the edX run has no start or no end date, and a source course declares both; set them in Studio")
        )
        return None
    # Title, dates and pacing as edx:CourseRun outputs them (UTC, with a `Z`).
    studio = {name: value for name, value in live.edx.model_dump(mode="json").items() if value is not None}
    entry: dict[str, Any] = {"course_key": key, **studio, "adopt": True}
    course = courses.get(course_id_of(key))
    run = None if course is None else course.run(key)
    if course is None or run is None:
        where = "no course" if course is None else f"course {course.readable_id} but no run {key}"
        out.inexact.append(Note(key, f"MITx Online has {where}: declared for edX only (`mitxonline: null`)"))
        entry["mitxonline"] = None
        return entry
    if not is_source_run(run):
        out.inexact.append(Note(key, "its MITx Online run is not tagged SOURCE; declared as a source run all the same"))
    if course.title != live.edx.title:
        # The catalog declares the title once, edX's; MITx Online's course keeps the one it
        # was imported with, since no command changes it (docs/resources/mitxonline-course.md).
        out.inexact.append(
            Note(
                key,
                f"the MITx Online course is titled {course.title!r} and the edX run {live.edx.title!r}; no command "
                "changes a course's title, so `pulumi up` adopts it as it is and says so, and `courseware drift` "
                "reports it until `pulumi refresh --yes --skip-preview --run-program` acknowledges it",
            )
        )
    if run.live != course.live:
        out.inexact.append(
            Note(
                key,
                f"the MITx Online course is {'live' if course.live else 'not live'} and its run is "
                f"{'live' if run.live else 'not live'}; the catalog declares one `live` for both, so "
                "preview will show the run's `live` as a change",
            )
        )
    if course.department_names():
        out.inexact.append(
            Note(
                course.readable_id,
                f"departments {course.department_names()} cannot be declared in the catalog; preview will show "
                "them as a change of mitxonline:Course (no command changes them)",
            )
        )
    out.comments[("source_courses", index, "mitxonline", "is_source_run")] = NOT_EXPOSED_SOURCE_FLAG
    page = course.page
    entry["mitxonline"] = {
        "live": course.live,
        "is_source_run": True,
        "page": None
        if page is None
        else {
            "live": page.live,
            "include_in_learn_catalog": bool(course.include_in_learn_catalog),
            "ingest_content_files_for_ai": bool(course.ingest_content_files_for_ai),
        },
        "adopt": True,
    }
    return entry


def _contract_courses(
    contract: LiveContract, declared_sources: set[str], courses: dict[str, RestCourse], out: Adoption
) -> list[str]:
    """The contract's courses the catalog can declare: each needs a source run."""
    declared = []
    for course_id in sorted(contract.runs):
        course = courses.get(course_id)
        if course_id in declared_sources or (course is not None and any(is_source_run(r) for r in course.courseruns)):
            declared.append(course_id)
        else:
            out.left_out.append(
                Note(
                    f"contract {contract.row.id} ({contract.row.slug}): course {course_id}",
                    f"attached ({', '.join(contract.runs[course_id])}) but the course has no source run, and a "
                    "contract course must have one",
                )
            )
    return declared


def _programs(live: LiveState, out: Adoption) -> list[dict[str, Any]]:
    """The programs the selected contracts link, as mitxonline:Program reads them back."""
    entries = []
    for readable_id in sorted(live.programs):
        program = live.programs[readable_id]
        if rules.program_id_problem(readable_id) is not None or rules.name_problem(program.title) is not None:
            out.left_out.append(
                Note(f"program {readable_id}", "its readable id or title is one the catalog refuses; left as it is")
            )
            continue
        entries.append(
            {
                "readable_id": readable_id,
                "title": program.title,
                "live": program.live,
                "b2b_only": program.b2b_only,
                "requirements": {"required": program.required, "elective": program.elective},
                "adopt": True,
            }
        )
    return entries


def _contract_programs(contract: LiveContract, programs: dict[str, dict[str, Any]]) -> tuple[list[str], set[str]]:
    """The declared programs the contract links, in their order, and their courses."""
    linked = sorted(contract.export.get("programs") or [], key=lambda item: item.get("sort_order") or 0)
    ids = [str(item.get("readable_id")) for item in linked if str(item.get("readable_id")) in programs]
    return ids, {c for p in ids for c in properties.program_courses(programs[p])}


def _contract(
    contract: LiveContract, courses: list[str], out: Adoption, programs: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    row = contract.row
    subject = f"contract {row.id} ({row.slug})"
    listed = contract_fields(row)
    description = contract.export.get("contract", {}).get("description")
    entry: dict[str, Any] = {
        "organization": contract.org_key,
        **{name: listed[name] for name in ("name", "slug", "membership_type")},
        **({"description": description} if description else {}),
        **{name: listed[name] for name in ("start", "end", "max_learners", "price") if listed[name] is not None},
        # `active: true` is the default; only an inactive contract says so.
        **({} if row.active else {"active": False}),
        "adopt": True,
    }
    linked, through = _contract_programs(contract, programs)
    # A course a linked program covers is the program's: declared alone too, it would
    # stay when the program goes.
    alone = [course for course in courses if course not in through]
    if alone:
        entry["courses"] = alone
    if linked:
        entry["programs"] = linked
    for program in contract.export.get("programs") or []:
        if str(program.get("readable_id")) not in programs:
            out.left_out.append(
                Note(f"{subject}: program {program.get('readable_id')}", "the program could not be read; left as it is")
            )
    if contract.codes is not None and properties.gets_enrollment_codes(entry):
        # What mitxonline:EnrollmentCodes compares when it adopts: the codes of the declared
        # courses' contract runs against the count its properties make.
        covered = {*alone, *through}
        run_keys = sorted(key for course, keys in contract.runs.items() if course in covered for key in keys)
        args = EnrollmentCodesArgs.model_validate(properties.enrollment_codes(entry, row.id, run_keys))
        held, expected = len(held_codes(args, contract.codes)), expected_count(args)
        if held != expected:
            out.inexact.append(
                Note(
                    subject,
                    f"it has {held} enrollment codes where {row.max_learners or 'unlimited'} seats "
                    f"x {len(run_keys)} runs make {expected}: the first `pulumi up` runs `b2b_codes validate "
                    f"--contract {row.id}` (docs/platforms/mitxonline.md §8)",
                )
            )
    return entry


def _pick_duplicates(contracts: Sequence[LiveContract], out: Adoption) -> list[LiveContract]:
    """One contract per organization and name: the catalog names contracts that way.

    `b2b_contract create` run twice makes `<slug>-2` with the same name (docs/platforms/mitxonline.md §5); the one
    whose slug is the name's keeps the name, the others are reported."""
    groups: dict[tuple[str, str], list[LiveContract]] = {}
    for contract in contracts:
        groups.setdefault((contract.org_key, contract.row.name.casefold()), []).append(contract)
    kept = []
    for group in groups.values():
        group = sorted(group, key=lambda c: (c.row.slug != slugify(c.row.name), c.row.id))
        kept.append(group[0])
        for other in group[1:]:
            out.left_out.append(
                Note(
                    f"contract {other.row.id} ({other.row.slug}) of {other.org_key}",
                    f"same name as contract {group[0].row.id} ({group[0].row.slug}), and the catalog names a "
                    "contract by organization and name; rename one in the Wagtail admin (a second "
                    "`b2b_contract create` made it, docs/platforms/mitxonline.md §5) and adopt again",
                )
            )
    return sorted(kept, key=lambda c: c.row.id)


def _source_courses(live: LiveState, out: Adoption) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = []
    seen_courses: dict[str, str] = {}
    for source in live.source_runs:
        course_id = course_id_of(source.course_key)
        if course_id in seen_courses:
            out.left_out.append(
                Note(
                    source.course_key,
                    f"a second source run of {course_id} (after {seen_courses[course_id]}): the catalog declares "
                    "one source run per MITx Online course",
                )
            )
            continue
        declared = _source_course(source, live.courses, len(sources), out)
        if declared is not None:
            sources.append(declared)
            seen_courses[course_id] = source.course_key
    return sources


def _organizations(live: LiveState, out: Adoption) -> list[dict[str, Any]]:
    # The prefix shows only in a contract's export.
    prefixes: dict[str, str] = {}
    for contract in live.contracts:
        organization = contract.export.get("organization", {})
        if organization.get("org_key_prefix") is not None:
            prefixes.setdefault(contract.org_key, organization["org_key_prefix"] or rules.DEFAULT_KEY_PREFIX)
    organizations: list[dict[str, Any]] = []
    for org in sorted(live.organizations, key=lambda o: o.row.key):
        problem = rules.org_key_problem(org.row.key)
        if problem is not None:
            out.left_out.append(
                Note(f"organization {org.row.id} ({org.row.name})", f"its key {org.row.key!r} is refused: {problem}")
            )
            continue
        sso = org.rest.sso_organization_id if org.rest is not None else None
        entry: dict[str, Any] = {"org_key": org.row.key, "name": org.row.name}
        if sso:
            entry["sso_organization_id"] = sso
        entry["org_key_prefix"] = prefixes.get(org.row.key, rules.DEFAULT_KEY_PREFIX)
        if org.row.key not in prefixes:
            out.comments[("organizations", len(organizations), "org_key_prefix")] = NOT_EXPOSED_PREFIX
        entry["adopt"] = True
        organizations.append(entry)
    return organizations


def build_catalog(live: LiveState) -> Adoption:
    """The catalog that declares exactly `live`, every entry marked `adopt: true`."""
    out = Adoption(catalog={})
    sources = _source_courses(live, out)
    declared_sources = {course_id_of(s["course_key"]) for s in sources if s.get("mitxonline") is not None}
    organizations = _organizations(live, out)
    declared_orgs = {o["org_key"] for o in organizations}
    programs = _programs(live, out)
    by_id = {p["readable_id"]: p for p in programs}
    contracts = []
    for contract in _pick_duplicates(live.contracts, out):
        if contract.org_key not in declared_orgs:
            out.left_out.append(
                Note(f"contract {contract.row.id} ({contract.row.slug})", "its organization could not be declared")
            )
            continue
        courses = _contract_courses(contract, declared_sources, live.courses, out)
        contracts.append(_contract(contract, courses, out, by_id))
    # A contract or program course whose source run this stack does not declare is managed elsewhere.
    used = {c for entry in contracts for c in entry.get("courses", [])}
    used |= {c for p in programs for c in properties.program_courses(p)}
    existing = sorted(used - declared_sources)
    out.catalog = {
        "source_courses": sources,
        "existing_source_courses": existing,
        **({"programs": programs} if programs else {}),
        "organizations": organizations,
        "contracts": contracts,
    }
    # What is written must be a valid stack file: the same validation `pulumi preview` runs.
    load_catalog(json.loads(json.dumps(out.catalog)))
    return out
