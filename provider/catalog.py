"""The stack-file schema: what a stack declares, validated before anything is registered.

A stack file (`stacks/Pulumi.<stack>.yaml`) carries the catalog under the config key
`courseware:catalog`:

    source_courses:   edX source runs and, optionally, their MITx Online course, source
                      run and CMS page (the runbook's prerequisite)
    organizations:    B2B organizations (by org key)
    contracts:        contracts of those organizations, with their courses and seats

`load_catalog()` validates the whole catalog in one pass and raises one
`DeclarationError` listing every problem, each with its path in the stack file
(`catalog.contracts[2].max_learners`) and what to write instead. Field-level rules come
from the field types below; rules that span several entries (unique keys, references
between entries) run afterwards, on what parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from provider.edx.keys import CourseKey, InvalidCourseKey
from provider.errors import DeclarationError, FieldProblem

ROOT = "catalog"


def _course_run_key(value: str) -> str:
    try:
        return str(CourseKey.parse(value))
    except InvalidCourseKey as exc:
        raise ValueError(str(exc)) from None


def _course_id(value: str) -> str:
    """A MITx Online course readable id: `course-v1:{org}+{number}`, no run part."""
    try:
        key = CourseKey.parse(f"{value}+RUN")
    except InvalidCourseKey:
        raise ValueError(
            f"{value!r} is not a MITx Online course id; write course-v1:ORG+NUMBER, "
            "for example course-v1:UAI_SOURCE+A.0001x"
        ) from None
    return f"course-v1:{key.org}+{key.number}"


_PRINTABLE_NAME = re.compile(r"[^\x00-\x1f\x7f]+\Z")


def _single_line(value: str) -> str:
    # Names become command arguments; a newline or control character there would be
    # read differently by the command than by the operator (spec/mitxonline.md §3.7).
    if not value.strip():
        raise ValueError("cannot be blank")
    if not _PRINTABLE_NAME.match(value):
        raise ValueError("must be one line of printable text (no newlines, tabs or control characters)")
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    return value


_ORG_KEY = re.compile(r"[A-Za-z0-9_]+\Z")


def _org_key(value: str) -> str:
    # The org key becomes part of contract run keys (`{prefix}{org_key}+{number}+...`,
    # spec/mitxonline.md §4.1), so it must be a valid course-key org part; MITx Online
    # also cuts Keycloak aliases at 30 characters (§3.11).
    if not _ORG_KEY.match(value) or len(value) > 30:
        raise ValueError("use 1 to 30 letters, digits or underscores, for example IDPU")
    return value


CourseRunKey = Annotated[str, AfterValidator(_course_run_key)]
CourseId = Annotated[str, AfterValidator(_course_id)]
SingleLine = Annotated[str, AfterValidator(_single_line)]
OrgKey = Annotated[str, AfterValidator(_org_key)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSchedule(_Entry):
    """The dates of an edX run, and the rules between them."""

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    enrollment_start: AwareDatetime | None = None
    enrollment_end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _in_order(self) -> RunSchedule:
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.enrollment_start and self.enrollment_end and self.enrollment_end <= self.enrollment_start:
            raise ValueError("enrollment_end must be after enrollment_start")
        if self.enrollment_end and self.end and self.enrollment_end > self.end:
            raise ValueError("enrollment_end must not be after end: learners could enrol in a finished run")
        if self.enrollment_start and self.start is None:
            raise ValueError("enrollment_start needs a start date")
        return self


class ContractTerm(_Entry):
    """The dates of a contract (DateFields in MITx Online, spec/mitxonline.md §1.7)."""

    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _in_order(self) -> ContractTerm:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class CoursePageDeclaration(_Entry):
    """The CMS page of a course (`create_courseware_page`)."""

    live: bool = True
    include_in_learn_catalog: bool = False
    ingest_content_files_for_ai: bool = False


class MitxOnlineCourseDeclaration(_Entry):
    """The MITx Online side of a source course: course, source run and page."""

    live: bool = True
    is_source_run: bool = True
    page: CoursePageDeclaration | None = Field(default_factory=CoursePageDeclaration)
    adopt: bool = False


class SourceCourse(RunSchedule):
    """An edX source run, and its MITx Online course, source run and page.

    Title, dates and pacing are declared once, here, on the edX run: MITx Online copies
    them from edX (spec/mitxonline.md §8).
    """

    course_key: CourseRunKey
    title: SingleLine
    pacing: Literal["self_paced", "instructor_paced"] = "instructor_paced"
    rerun_from: CourseRunKey | None = None
    on_delete: Literal["retain", "retire"] = "retain"
    adopt: bool = False
    mitxonline: MitxOnlineCourseDeclaration | None = Field(default_factory=MitxOnlineCourseDeclaration)

    @property
    def course_id(self) -> str:
        """The MITx Online course this run belongs to (`course-v1:{org}+{number}`)."""
        key = CourseKey.parse(self.course_key)
        return f"course-v1:{key.org}+{key.number}"


class Organization(_Entry):
    """A B2B organization. Usually it arrives from Keycloak with its SSO id (§3.11)."""

    org_key: OrgKey
    name: SingleLine
    sso_organization_id: str | None = None
    org_key_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{0,20}$")] = "UAI_"
    adopt: bool = False


class Contract(ContractTerm):
    """A contract of an organization, with the courses its learners get."""

    organization: OrgKey
    name: SingleLine
    membership_type: Literal["managed", "code", "auto"]
    description: str = ""
    max_learners: Annotated[int, Field(gt=0)] | None = None
    price: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] | None = None
    active: bool = True
    courses: list[CourseId] = Field(default_factory=list)
    adopt: bool = False


class Catalog(_Entry):
    source_courses: list[SourceCourse] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)


def _path(loc: Iterable[int | str]) -> str:
    out = ROOT
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _hint(error: dict[str, Any]) -> str:
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "unknown field; remove it or check its spelling (docs/stack-file.md lists every field)"
    if kind == "literal_error":
        return message.replace("Input should be", "write one of")
    if kind in {"datetime_parsing", "datetime_type", "timezone_aware"}:
        return f"{message}; write an ISO 8601 time with a timezone, e.g. 2026-01-05T00:00:00Z"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return f"{message}; write a date as YYYY-MM-DD"
    return message


def _duplicates(values: Iterable[tuple[str, str]]) -> list[FieldProblem]:
    """Problems for every repeated key: (path, key) pairs, keys compared without case."""
    pairs = list(values)
    counts = Counter(key.casefold() for _, key in pairs)
    return [
        FieldProblem(path, f"{key!r} is declared more than once; each must be declared once")
        for path, key in pairs
        if counts[key.casefold()] > 1
    ]


def _problems(errors: Iterable[Any], prefix: tuple[int | str, ...]) -> list[FieldProblem]:
    return [FieldProblem(_path(prefix + tuple(e["loc"])), _hint(dict(e))) for e in errors]


def _validate_entry(model: type[_Entry], raw: Any, where: tuple[int | str, ...]) -> tuple[Any, list[FieldProblem]]:
    """Parse one entry. On failure, validate its dates on their own too, so that the rules
    between them (date order) are reported in the same pass as the other field errors."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    problems = _problems(errors, where)
    dates = _DATE_RULES.get(model)
    if dates is not None and isinstance(raw, dict) and not any(not e["loc"] for e in errors):
        try:
            dates.model_validate({k: v for k, v in raw.items() if k in dates.model_fields})
        except ValidationError as again:
            problems += _problems((e for e in again.errors(include_url=False) if not e["loc"]), where)
    return None, problems


_DATE_RULES: dict[type[_Entry], type[_Entry]] = {SourceCourse: RunSchedule, Contract: ContractTerm}

_SECTIONS: dict[str, type[_Entry]] = {
    "source_courses": SourceCourse,
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
    return {o for o in orgs if isinstance(o, str)}, courses


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
                        "catalog.source_courses (with mitxonline settings) so the contract run can be cloned",
                    )
                )
    return problems


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
        FieldProblem(f"{ROOT}.{key}", "unknown section; write source_courses, organizations or contracts")
        for key in raw
        if key not in _SECTIONS
    ]
    parsed: dict[str, list[Any]] = {}
    for section, model in _SECTIONS.items():
        entries = raw.get(section) or []
        if not isinstance(entries, list):
            problems.append(FieldProblem(f"{ROOT}.{section}", "must be a list"))
            entries = []
        results = [_validate_entry(model, entry, (section, i)) for i, entry in enumerate(entries)]
        parsed[section] = [entry for entry, _ in results]
        problems += [p for _, entry_problems in results for p in entry_problems]
    # Parsed entries keep their stack-file index (None where parsing failed) so that
    # cross-entry problems point at the right line.
    catalog = Catalog.model_construct(None, **parsed)
    problems += _cross_entry_problems(catalog, raw)
    if problems:
        raise DeclarationError(problems)
    return Catalog(**parsed)
