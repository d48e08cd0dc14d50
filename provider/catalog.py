"""The stack-file schema: what a stack declares, validated before anything is registered.

A stack file (`stacks/Pulumi.<stack>.yaml`) carries the catalog under the config key
`courseware:catalog`:

    source_courses:   edX source runs and, optionally, their MITx Online course, source
                      run and CMS page (the runbook's prerequisite)
    programs:         MITx Online programs: required and elective source courses, in order
    organizations:    B2B organizations (by org key)
    contracts:        contracts of those organizations, with their courses, programs and seats

`load_catalog()` validates the whole catalog in one pass and raises one
`DeclarationError` listing every problem, each with its path in the stack file
(`catalog.contracts[2].max_learners`) and what to write instead. Three layers, all run
every time: the shape and types of each entry (the models below); the `check` of the
resources each entry becomes (rules between fields, kept once, in the resources); and
rules between entries (unique keys, references), on what parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pulumi.output import Unknown
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from provider import checks, properties, rules
from provider.edx.keys import CourseKey
from provider.errors import DeclarationError, FieldProblem, InvalidCourseKey
from provider.fields import CourseId, CourseRunKey, OrgKey, ProgramId, SingleLine
from provider.mitxonline.models import PageFlags, Slug

ROOT = "catalog"


class _Entry(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class MitxOnlineCourseDeclaration(_Entry):
    """The MITx Online side of a source course: course, source run and page."""

    live: bool = True
    is_source_run: bool = True
    # The page's flags are the ones `import_courserun` sets (mitxonline:Course's `import_run`).
    page: PageFlags | None = Field(default_factory=PageFlags)
    adopt: bool = False


class SourceCourse(_Entry):
    """An edX source run, and its MITx Online course, source run and page.

    Title, dates and pacing are declared once, here, on the edX run: MITx Online copies
    them from edX (docs/platforms/mitxonline.md §10).
    """

    course_key: CourseRunKey
    title: SingleLine
    start: AwareDatetime
    end: AwareDatetime
    enrollment_start: AwareDatetime | None = None
    enrollment_end: AwareDatetime | None = None
    pacing: Literal["self_paced", "instructor_paced"] = "instructor_paced"
    source_key: CourseRunKey | None = None
    on_delete: Literal["retain", "retire"] = "retain"
    adopt: bool = False
    mitxonline: MitxOnlineCourseDeclaration | None = Field(default_factory=MitxOnlineCourseDeclaration)

    @property
    def course_id(self) -> str:
        """The MITx Online course this run belongs to (`course-v1:{org}+{number}`)."""
        return CourseKey.parse(self.course_key).course_id


class ProgramRequirements(_Entry):
    """A program's courses, each a source course of this stack or an existing one."""

    required: list[CourseId] = Field(default_factory=list)
    elective: list[CourseId] = Field(default_factory=list)


class Program(_Entry):
    """A MITx Online program, as B2B sells it (docs/platforms/mitxonline.md §14)."""

    readable_id: ProgramId
    title: SingleLine
    live: bool = True
    b2b_only: bool = False
    requirements: ProgramRequirements = Field(default_factory=ProgramRequirements)
    adopt: bool = False


class Organization(_Entry):
    """A B2B organization. Usually it arrives from Keycloak with its SSO id (docs/platforms/mitxonline.md §13)."""

    org_key: OrgKey
    name: SingleLine
    sso_organization_id: str | None = None
    org_key_prefix: Annotated[str, Field(pattern=rules.KEY_PREFIX_PATTERN)] = rules.DEFAULT_KEY_PREFIX
    adopt: bool = False


class Contract(_Entry):
    """A contract of an organization, with the courses its learners get."""

    organization: OrgKey
    name: SingleLine
    membership_type: Literal["managed", "code", "auto"]
    description: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    max_learners: Annotated[int, Field(gt=0)] | None = None
    price: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] | None = None
    slug: Slug | None = None
    active: bool = True
    # A protected contract is never replaced or deleted by the engine; MITx Online can
    # only make a contract inactive, forever (policies: contract-never-replaced).
    protect: bool = True
    courses: list[CourseId] = Field(default_factory=list)
    # The programs sold to the contract, in the order learners see them.
    programs: list[ProgramId] = Field(default_factory=list)
    # What removing a program from `programs` does to its runs: false keeps them for the
    # learners (only the link goes), true retires them (docs/platforms/mitxonline.md §14).
    remove_program_runs: bool = False
    adopt: bool = False


class Catalog(_Entry):
    source_courses: list[SourceCourse] = Field(default_factory=list)
    # Source courses that exist in MITx Online but are managed elsewhere (another stack,
    # or by hand): contracts may use them, and this stack never changes them.
    existing_source_courses: list[CourseId] = Field(default_factory=list)
    programs: list[Program] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)


def _path(loc: Iterable[int | str]) -> str:
    out = ROOT
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# What a value of each pattern may hold, in words: pydantic's own message quotes the regex.
_PATTERNS = {
    rules.KEY_PREFIX_PATTERN: "is not a key prefix, which is at most 20 letters, digits or underscores, with no "
    "spaces; write e.g. org_key_prefix: UAI_",
    rules.SLUG_PATTERN: "is not a slug, which is letters, digits, - and _ only, with no spaces; write e.g. "
    "slug: bigco-codes-2026",
}

# The date fields of every entry. YAML reads an unquoted `2027-12-31` as a date object,
# which reaches the program as Go's rendering of it, `2027-12-31 00:00:00 +0000 UTC`
# (the CLI parses the stack file); it is read back as what was written (docs/stack-file.md).
_DATE_FIELDS = frozenset({"start", "end", "enrollment_start", "enrollment_end"})
_YAML_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{2})(\d{2})(?: \S+)?")


def _read_yaml_timestamps(entry: Any) -> Any:
    """`entry` with each date field YAML read as a timestamp turned back into ISO text."""
    if not isinstance(entry, dict):
        return entry
    read = {}
    for name, value in entry.items():
        found = _YAML_TIMESTAMP.fullmatch(value) if name in _DATE_FIELDS and isinstance(value, str) else None
        read[name] = value if found is None else "{}T{}{}:{}".format(*found.groups())
    return read


# What to write instead, by the kind of pydantic error, for messages that say only what
# is wrong ("Input should be greater than 0"); `_EXAMPLES` adds the field's own example.
_FIXES = {
    "missing": "add it",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "int_type": "write a whole number, unquoted",
    "int_parsing": "write a whole number, unquoted",
    "int_from_float": "write a whole number, unquoted",
    "greater_than": "write a whole number above 0",
    "greater_than_equal": "write a number of at least 0",
    "decimal_parsing": "write a number with at most 2 decimals",
    "decimal_type": "write a number with at most 2 decimals",
    "decimal_max_places": "write a number with at most 2 decimals",
    "decimal_max_digits": "write a number of at most 10 digits",
    "list_type": "write a list: [a, b], or one `- item` per line",
    "string_type": "write it as text",
    "model_type": "write a mapping of `field: value` lines",
    "model_attributes_type": "write a mapping of `field: value` lines",
}
_EXAMPLES = {
    "max_learners": "max_learners: 25",
    "price": "price: 99.00",
    "courses": "courses: [course-v1:UAI_SOURCE+A.0001x]",
    "programs": "programs: [program-v1:UAI+AI]",
    "required": "required: [course-v1:UAI_SOURCE+A.0001x]",
    "elective": "elective: [course-v1:UAI_SOURCE+A.0002x]",
    "readable_id": "readable_id: program-v1:UAI+AI",
    "existing_source_courses": "existing_source_courses: [course-v1:UAI_SOURCE+A.0001x]",
    "course_key": "course_key: course-v1:UAI_SOURCE+A.0001x+SOURCE",
    "title": "title: Intro to AI",
    "name": "name: New University",
    "org_key": "org_key: NEWU",
    "organization": "organization: NEWU",
    "sso_organization_id": "sso_organization_id: 5d2b8f1e-3c4a-4e6b-9f70-1a2b3c4d5e6f",
    "membership_type": "membership_type: code",
    "description": "description: Seats for the 2026 cohort",
}


def _hint(error: dict[str, Any]) -> str:
    """What is wrong with one field and what to write instead."""
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    field = next((part for part in reversed(error["loc"]) if isinstance(part, str)), "")
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern")
        return f"{error.get('input')!r} {_PATTERNS.get(pattern, message)}"
    if kind == "extra_forbidden":
        return "unknown field; remove it or check its spelling (docs/stack-file.md lists every field)"
    if kind == "literal_error":
        return f"{error.get('input')!r} is not one of its values; " + message.replace("Input should be", "write one of")
    if kind in {"datetime_parsing", "datetime_type", "timezone_aware", "datetime_from_date_parsing"}:
        return f"{message}; write an ISO 8601 time with a timezone, in quotes, e.g. {field}: '2026-01-05T00:00:00Z'"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}:
        return f"{message}; write a date as YYYY-MM-DD, e.g. {field}: '2026-12-31'"
    fix = _FIXES.get(kind)
    example = _EXAMPLES.get(field)
    if fix is None:
        # A rule's own message says what to write; a bare one gets the field's example.
        said = example is None or re.search(r"e\.g\.|for example|write", message)
        return message if said else f"{message}; e.g. {example}"
    what = "is missing" if kind == "missing" else message
    return f"{what}; {fix}" + (f", e.g. {example}" if example else "")


def _duplicates(values: Iterable[tuple[str, str]]) -> list[FieldProblem]:
    """Problems for every repeated key: (path, key) pairs, keys compared without case."""
    pairs = list(values)
    paths: dict[str, list[str]] = {}
    for path, key in pairs:
        paths.setdefault(key.casefold(), []).append(path)
    return [
        FieldProblem(
            path,
            f"{key!r} is declared more than once (also at {', '.join(p for p in paths[key.casefold()] if p != path)}); "
            "keep one of these entries and remove the others",
        )
        for path, key in pairs
        if len(paths[key.casefold()]) > 1
    ]


def _problems(errors: Iterable[Any], prefix: tuple[int | str, ...]) -> list[FieldProblem]:
    return [FieldProblem(_path(prefix + tuple(e["loc"])), _hint(dict(e))) for e in errors]


def _validate_entry(model: type[_Entry], raw: Any, where: tuple[int | str, ...]) -> tuple[Any, list[FieldProblem]]:
    """Parse one entry's shape and types; (entry or None, problems)."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, _problems(exc.errors(include_url=False), where)


def _resource_checks(section: str, raw: dict[str, Any], organizations: dict[str, dict[str, Any]]) -> list[Any]:
    """The `check` of the resources an entry becomes, run on the entry as written.

    Rules between fields (date order, enrollment inside the run, a contract's dates)
    belong to the resources, which enforce them on every `pulumi up`; running the same
    checks here, on the properties the program registers (`provider/properties.py`),
    reports them with the other problems of the stack file, before anything is
    registered, and keeps one copy of each rule. Checks call no platform. A problem
    with a property the entry does not declare (a contract's copy of its organization's
    name) is the other entry's to report.
    """
    if section == "source_courses":
        checked = checks.edx_course_run(properties.edx_course_run(raw))
    elif section == "organizations":
        checked = checks.organization(properties.organization(raw))
    elif section == "contracts":
        # An undeclared organization is reported once, on `organization`; its fields are
        # unknown here, as in a preview, so no rule guesses them (its SSO id above all).
        organization = organizations.get(str(raw.get("organization"))) or {
            name: Unknown()  # type: ignore[no-untyped-call]  # the SDK's placeholder is untyped
            for name in properties.CONTRACT_ORGANIZATION_FIELDS.values()
        }
        checked = checks.contract({}, properties.contract(raw, organization))
    else:
        return []
    own = _SECTIONS[section].model_fields
    return [failure for failure in checked.failures if failure.property.split(".")[0] in own]


_LISTS = ("existing_source_courses",)

_SECTIONS: dict[str, type[_Entry]] = {
    "source_courses": SourceCourse,
    "programs": Program,
    "organizations": Organization,
    "contracts": Contract,
}


def _declared_names(raw: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Org keys and source course ids named in the raw catalog, whether or not their entry
    parsed: a contract referring to an entry with a typo elsewhere is not itself wrong."""
    orgs = {o.get("org_key") for o in raw.get("organizations") or [] if isinstance(o, dict)}
    courses = set()
    for course in raw.get("source_courses") or []:
        if not isinstance(course, dict) or course.get("mitxonline", {}) is None:
            continue
        try:
            key = CourseKey.parse(str(course.get("course_key")))
        except InvalidCourseKey:
            continue
        courses.add(f"course-v1:{key.org}+{key.number}")
    courses.update(c for c in raw.get("existing_source_courses") or [] if isinstance(c, str))
    return {o for o in orgs if isinstance(o, str)}, courses


def _source_run_courses(raw: dict[str, Any]) -> set[str]:
    """The course ids of the raw catalog that have a source run: declared with their
    MITx Online side and not `is_source_run: false`, or named as existing source courses."""
    courses = set()
    for course in raw.get("source_courses") or []:
        side = course.get("mitxonline", {}) if isinstance(course, dict) else None
        if not isinstance(side, dict) or side.get("is_source_run") is False:
            continue
        try:
            courses.add(CourseKey.parse(str(course.get("course_key"))).course_id)
        except InvalidCourseKey:
            continue
    courses.update(c for c in raw.get("existing_source_courses") or [] if isinstance(c, str))
    return courses


def _program_problems(catalog: Catalog, raw: dict[str, Any]) -> list[FieldProblem]:
    """A program's courses are source courses with a source run, each once; its
    readable id is declared once; a contract lists declared programs, each once."""
    problems = _duplicates((f"{ROOT}.programs[{i}].readable_id", p.readable_id) for i, p in _indexed(catalog.programs))
    _, declared = _declared_names(raw)
    sourced = _source_run_courses(raw)
    for i, program in _indexed(catalog.programs):
        where = f"{ROOT}.programs[{i}].requirements"
        listed = [
            (f"{where}.{kind}[{j}]", course)
            for kind in ("required", "elective")
            for j, course in enumerate(getattr(program.requirements, kind))
        ]
        problems += _duplicates(listed)
        for path, course in listed:
            if course not in declared:
                problems.append(
                    FieldProblem(
                        path,
                        f"{course!r} is not a declared source course; declare its source run under "
                        "catalog.source_courses, or list it under catalog.existing_source_courses "
                        "when another stack manages it",
                    )
                )
            elif course not in sourced:
                problems.append(
                    FieldProblem(
                        path,
                        f"{course!r} has no source run (its catalog.source_courses entry says "
                        "mitxonline.is_source_run: false), so `b2b_courseware add` would make no contract run of it; "
                        "declare its source run with is_source_run: true, or remove it from the program",
                    )
                )
    programs = {str(p.get("readable_id")) for p in raw.get("programs") or [] if isinstance(p, dict)}
    for i, contract in _indexed(catalog.contracts):
        problems += _duplicates((f"{ROOT}.contracts[{i}].programs[{j}]", p) for j, p in enumerate(contract.programs))
        for j, program_id in enumerate(contract.programs):
            if program_id not in programs:
                problems.append(
                    FieldProblem(
                        f"{ROOT}.contracts[{i}].programs[{j}]",
                        f"program {program_id!r} is not declared; add it under catalog.programs "
                        f"(readable_id: {program_id}) with its title and requirements",
                    )
                )
    return problems


def _cross_entry_problems(catalog: Catalog, raw: dict[str, Any]) -> list[FieldProblem]:
    """Rules between entries, on the entries that parsed (indexes as in the stack file)."""
    problems: list[FieldProblem] = []
    problems += _duplicates(
        (f"{ROOT}.source_courses[{i}].course_key", c.course_key) for i, c in _indexed(catalog.source_courses)
    )
    problems += _duplicates(
        (f"{ROOT}.organizations[{i}].org_key", o.org_key) for i, o in _indexed(catalog.organizations)
    )
    problems += _duplicates(
        (f"{ROOT}.contracts[{i}].name", f"{c.organization}/{c.name}") for i, c in _indexed(catalog.contracts)
    )
    # A course is managed by this stack or by another one, never both: listed in both
    # places, this stack would change what it says another manages.
    managed_here = {c.course_id: i for i, c in _indexed(catalog.source_courses) if c.mitxonline is not None}
    for j, course in enumerate(catalog.existing_source_courses):
        if course in managed_here:
            problems.append(
                FieldProblem(
                    f"{ROOT}.existing_source_courses[{j}]",
                    f"{course!r} is also declared at catalog.source_courses[{managed_here[course]}], so this "
                    "stack manages it; remove it from existing_source_courses (or remove the source_courses "
                    "entry if another stack manages it)",
                )
            )
    # A contract course must be a MITx Online course with a source run: one declared here.
    raw_org_keys, source_ids = _declared_names(raw)
    for i, contract in _indexed(catalog.contracts):
        if contract.organization not in raw_org_keys:
            problems.append(
                FieldProblem(
                    f"{ROOT}.contracts[{i}].organization",
                    f"organization {contract.organization!r} is not declared; add it under "
                    f"catalog.organizations (org_key: {contract.organization})",
                )
            )
        problems += _duplicates((f"{ROOT}.contracts[{i}].courses[{j}]", c) for j, c in enumerate(contract.courses))
        for j, course in enumerate(contract.courses):
            if course not in source_ids:
                problems.append(
                    FieldProblem(
                        f"{ROOT}.contracts[{i}].courses[{j}]",
                        f"{course!r} is not a declared source course; declare its source run under "
                        "catalog.source_courses, or list it under catalog.existing_source_courses "
                        "when another stack manages it",
                    )
                )
    return problems + _program_problems(catalog, raw)


def _indexed(entries: list[Any]) -> Iterable[tuple[int, Any]]:
    """(index in the stack file, entry) for the entries that parsed (None marks a failure)."""
    return ((i, e) for i, e in enumerate(entries) if e is not None)


def load_catalog(raw: Any) -> Catalog:
    """Validate a catalog as read from stack config; raise DeclarationError with every problem."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DeclarationError([FieldProblem(ROOT, "must be a mapping with source_courses, organizations, contracts")])
    problems = [
        FieldProblem(
            f"{ROOT}.{key}",
            "unknown section; write source_courses, existing_source_courses, programs, organizations or contracts",
        )
        for key in raw
        if key not in _SECTIONS and key not in _LISTS
    ]
    parsed: dict[str, list[Any]] = {}
    organizations = {str(o.get("org_key")): o for o in raw.get("organizations") or [] if isinstance(o, dict)}
    for section, model in _SECTIONS.items():
        entries = raw.get(section) or []
        if not isinstance(entries, list):
            problems.append(FieldProblem(f"{ROOT}.{section}", "must be a list; write one `- ` entry per line"))
            entries = []
        entries = [_read_yaml_timestamps(entry) for entry in entries]
        results = [_validate_entry(model, entry, (section, i)) for i, entry in enumerate(entries)]
        parsed[section] = [entry for entry, _ in results]
        for i, (_, entry_problems) in enumerate(results):
            problems += entry_problems
            if isinstance(entries[i], dict):
                reported = {p.path for p in entry_problems}
                for failure in _resource_checks(section, entries[i], organizations):
                    path = f"{ROOT}.{section}[{i}].{failure.property}"
                    if path not in reported:
                        problems.append(FieldProblem(path, failure.reason))
                        reported.add(path)
    # Parsed entries keep their stack-file index (None where parsing failed) so that
    # cross-entry problems point at the right line.
    existing: list[str] = []
    try:
        existing = Catalog.model_validate({k: raw[k] for k in _LISTS if k in raw}).existing_source_courses
    except ValidationError as exc:
        problems += _problems(exc.errors(include_url=False), ())
    parsed_lists = {"existing_source_courses": existing}
    catalog = Catalog.model_construct(None, **parsed, **parsed_lists)
    problems += _cross_entry_problems(catalog, raw)
    if problems:
        raise DeclarationError(problems)
    return Catalog(
        source_courses=parsed["source_courses"],
        existing_source_courses=existing,
        programs=parsed["programs"],
        organizations=parsed["organizations"],
        contracts=parsed["contracts"],
    )
