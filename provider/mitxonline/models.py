"""The declared inputs of every MITx Online resource, and what MITx Online shows of them.

Declared models (`CourseArgs`, `ContractArgs`, …) normalise in their field types, as
`provider/base.py` requires, so check and diff validate each field on its own. Both
sides of a diff go through the same types: `0` seats and no seat limit are the same
contract (docs/platforms/mitxonline.md §13: "null or 0 means unlimited"), a price of `0` and no
price are both free, dates compare as dates and datetimes in UTC.

Live models (`ContractRow`, `OrganizationRow`, `RestCourse`, …) parse what the commands
and REST reads return; they ignore fields the project does not use.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from provider.edx.keys import CourseKey
from provider.fields import CourseId, CourseRunKey, OrgKey, ProgramId, SingleLine, obeying
from provider.rules import DEFAULT_KEY_PREFIX, KEY_PREFIX_PATTERN, slug_problem

MembershipType = Literal["managed", "code", "auto"]


def slugify(value: str) -> str:
    """Django's `slugify`, which Wagtail uses for a contract's slug (docs/platforms/mitxonline.md §13)."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def _seats(value: Any) -> Any:
    # "null or 0 means unlimited seats" (docs/platforms/mitxonline.md §13); one spelling for both.
    return None if value in (0, "0") else value


def _price(value: Any) -> Any:
    if value is None:
        return None
    try:
        amount = Decimal(str(value).strip().lstrip("$") or "0")
    except InvalidOperation:
        return value  # the Decimal type below reports it
    if amount == 0:
        return None  # "null or 0 means free" (docs/platforms/mitxonline.md §13), and 0.00 is 0
    exponent = amount.as_tuple().exponent
    # Decimal(10,2): 12.5 is 12.50, while 1.234 is left for the type to refuse.
    return amount.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent >= -2 else amount


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be the Keycloak organization id, a UUID such as 0b5c…-…") from None


def _utc(value: Any) -> Any:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("add a timezone, e.g. 2026-09-01T00:00:00Z")
        return value.astimezone(dt.UTC)
    return value


def _prefix(value: str) -> str:
    # A blank prefix still yields the default when MITx Online builds run keys (docs/platforms/mitxonline.md §7, §13).
    return value or DEFAULT_KEY_PREFIX


def _course_list(value: Any) -> Any:
    # The courses of a contract are a set: order and repeats mean nothing to MITx Online.
    return sorted(set(value)) if isinstance(value, list | tuple) else value


Slug = Annotated[str, obeying(slug_problem)]
Seats = Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_seats)]
Price = Annotated[
    Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] | None,
    BeforeValidator(_price),
    PlainSerializer(lambda v: None if v is None else f"{v:.2f}", return_type=str | None),
]
SsoId = Annotated[str, AfterValidator(_uuid)]
UtcDatetime = Annotated[
    dt.datetime,
    BeforeValidator(_utc),
    PlainSerializer(lambda v: v.strftime("%Y-%m-%dT%H:%M:%SZ"), return_type=str),
]
KeyPrefix = Annotated[str, Field(pattern=KEY_PREFIX_PATTERN), AfterValidator(_prefix)]
Courses = Annotated[list[CourseId], BeforeValidator(_course_list), AfterValidator(lambda v: sorted(set(v)))]


def _once(value: list[str]) -> list[str]:
    repeated = sorted({item for item in value if value.count(item) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once; keep one of each")
    return value


# An ordered list: a program's requirements and a contract's programs keep the order they
# are written in (MITx Online shows them in that order, docs/platforms/mitxonline.md §14).
OrderedCourses = Annotated[list[CourseId], AfterValidator(_once)]
OrderedPrograms = Annotated[list[ProgramId], AfterValidator(_once)]


class Declared(BaseModel):
    """Base of the declared inputs: unknown properties are errors (base.check_declared)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class PageFlags(Declared):
    """The flags of a course's CMS page, as `import_courserun` sets them on creation."""

    live: bool = True
    include_in_learn_catalog: bool = False
    ingest_content_files_for_ai: bool = False


class CourseImport(Declared):
    """How to create a missing course the runbook's way: one `import_courserun` of its
    first edX run, which makes the course, that run and (with `page`) its CMS page
    (docs/platforms/mitxonline.md §3). Used by create only; the run and the page stay the
    mitxonline:CourseRun and mitxonline:CoursePage resources', which then find them."""

    courseware_id: CourseRunKey
    run_tag: Annotated[str, AfterValidator(lambda v: CourseKey.parse(f"course-v1:o+n+{v}").run)] | None = None
    is_source_run: bool = False
    page: PageFlags | None = None


class CourseArgs(Declared):
    readable_id: CourseId
    title: SingleLine
    live: bool = True
    departments: Annotated[list[SingleLine], AfterValidator(sorted)] = Field(default_factory=list)
    adopt: bool = False
    import_run: CourseImport | None = None


class CourseRunArgs(Declared):
    courseware_id: CourseRunKey
    course: CourseId
    run_tag: Annotated[str, AfterValidator(lambda v: CourseKey.parse(f"course-v1:o+n+{v}").run)] | None = None
    is_source_run: bool = False
    live: bool = True
    # MITx Online's copy of the edX run; edX owns these (docs/platforms/mitxonline.md §10). Declared from the
    # edx:CourseRun outputs; a difference is fixed with `sync_courserun`, never written.
    title: SingleLine | None = None
    start_date: UtcDatetime | None = None
    end_date: UtcDatetime | None = None
    enrollment_start: UtcDatetime | None = None
    enrollment_end: UtcDatetime | None = None
    is_self_paced: bool | None = None
    adopt: bool = False


EDX_OWNED_RUN_FIELDS = ("title", "start_date", "end_date", "enrollment_start", "enrollment_end", "is_self_paced")


class CoursePageArgs(Declared):
    course: CourseId
    live: bool = True
    include_in_learn_catalog: bool = False
    ingest_content_files_for_ai: bool = False
    adopt: bool = False


class OrganizationArgs(Declared):
    org_key: OrgKey
    name: SingleLine
    sso_organization_id: SsoId | None = None
    org_key_prefix: KeyPrefix = DEFAULT_KEY_PREFIX
    adopt: bool = False


class ContractArgs(Declared):
    organization: OrgKey
    # What `b2b_contract import` needs to create the organization when this is its first
    # contract (docs/platforms/mitxonline.md §5); the mitxonline:Organization resource owns and compares them.
    organization_name: SingleLine
    org_key_prefix: KeyPrefix = DEFAULT_KEY_PREFIX
    sso_organization_id: SsoId | None = None
    name: SingleLine
    slug: Slug | None = None
    membership_type: MembershipType
    description: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    max_learners: Seats = None
    price: Price = None
    active: bool = True
    adopt: bool = False


# The contract's state a mitxonline:ContractCourseware carries for its guard before `add`;
# the contract's own resource compares it, so the courseware's diff and the plan summary
# leave it out (provider/reports.py).
CONTRACT_STATE_FIELDS = ("contract_active", "contract_start", "contract_end")


class ProgramArgs(Declared):
    """A MITx Online program: title, flags and its course requirements, in order."""

    readable_id: ProgramId
    title: SingleLine
    live: bool = True
    b2b_only: bool = False
    required: OrderedCourses = Field(default_factory=list)
    elective: OrderedCourses = Field(default_factory=list)
    adopt: bool = False


class ContractCoursewareArgs(Declared):
    contract_id: Annotated[int, Field(gt=0)]
    # The courses attached alone, and the programs linked (in their order): a contract has
    # at least one of the two, which the program registers the resource for.
    courses: Courses = Field(default_factory=list)
    programs: OrderedPrograms = Field(default_factory=list)
    # The courses of each linked program (its required and elective courses, as its
    # mitxonline:Program declares them): `add <program>` makes a run of each that has a
    # source run, and a course the program gains needs another `add` (docs/platforms/mitxonline.md §14).
    program_courses: dict[ProgramId, list[CourseId]] = Field(default_factory=dict)
    # What `b2b_courseware remove` does to the runs of a program leaving the contract:
    # false keeps them (learners keep their courses, the link alone goes), true retires
    # them as removing a course does (docs/platforms/mitxonline.md §14).
    remove_program_runs: bool = False
    # `--make-codes` in the same `add` saves the separate `b2b_codes validate` a code
    # contract needs after courseware changes (docs/platforms/mitxonline.md §2, §8).
    make_codes: bool = False
    clone_timeout: Annotated[float, Field(gt=0, le=7200)] = 900.0
    # The contract's state as its mitxonline:Contract last saw it: `add` on an inactive
    # or out-of-window contract does its work and then fails (docs/platforms/mitxonline.md §4).
    contract_active: bool = True
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    # The courses this stack does not make (the catalog's `existing_source_courses`):
    # check looks them up before `add` is planned, since `add` of a course MITx Online
    # lacks makes no run and fails only after the contract's other writes (issue 28).
    existing_courses: Annotated[list[CourseId], AfterValidator(lambda v: sorted(set(v)))] = Field(default_factory=list)


class EnrollmentCodesArgs(Declared):
    contract_id: Annotated[int, Field(gt=0)]
    membership_type: MembershipType
    max_learners: Seats = None
    price: Price = None
    # The contract runs the codes are for (the mitxonline:ContractCourseware output):
    # a change means codes to add or remove.
    run_keys: Annotated[list[CourseRunKey], AfterValidator(sorted)] = Field(default_factory=list)
    # The contract's `adopt`: codes that already number what the contract makes are taken
    # over without `b2b_codes validate`, so adopting an exact match writes nothing.
    adopt: bool = False


# ---- what MITx Online shows -------------------------------------------------------


class Live(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)


class ContractRow(Live):
    """One row of `b2b_list contracts` (docs/platforms/mitxonline.md §6)."""

    id: int
    name: str
    slug: str
    org_name: str
    membership_type: str
    start: dt.date | None
    end: dt.date | None
    active: bool
    max_learners: int | None
    price: Decimal | None


class OrganizationRow(Live):
    """One row of `b2b_list organizations` (docs/platforms/mitxonline.md §6)."""

    id: int
    name: str
    slug: str
    key: str


class RestOrganization(Live):
    """`GET /api/v0/b2b/organizations/` (docs/platforms/mitxonline.md §6); no org_key, no prefix."""

    id: int
    name: str
    slug: str = ""
    description: str = ""
    sso_organization_id: str | None = None
    contracts: list[dict[str, Any]] = Field(default_factory=list)


class RestContract(Live):
    """`GET /api/v0/b2b/contracts/` (docs/platforms/mitxonline.md §6): active contracts inside their dates only."""

    id: int
    name: str
    slug: str
    description: str = ""
    membership_type: str = ""
    organization: int | None = None
    # The ids of the linked programs, in their order (docs/platforms/mitxonline.md §14).
    programs: list[int] = Field(default_factory=list)


class RestProgram(Live):
    """`GET /api/v2/programs/<readable_id>/` (docs/platforms/mitxonline.md §14); `b2b_only` is
    what the listing tells (`MitxOnlineRest.program`)."""

    id: int
    readable_id: str
    title: str
    live: bool = False
    b2b_only: bool = False
    requirements: dict[str, Any] = Field(default_factory=dict)

    def _courses(self, kind: str) -> list[str]:
        courses = self.requirements.get("courses") or {}
        return [str(item.get("readable_id")) for item in courses.get(kind) or [] if isinstance(item, dict)]

    @property
    def required(self) -> list[str]:
        return self._courses("required")

    @property
    def elective(self) -> list[str]:
        return self._courses("electives")


class RestRun(Live):
    """A run nested in `GET /api/internal/courses/` (docs/platforms/mitxonline.md §6): every run, source and B2B."""

    courseware_id: str
    run_tag: str = ""
    title: str = ""
    live: bool = False
    is_self_paced: bool = False
    start_date: str | None = None
    end_date: str | None = None
    enrollment_start: str | None = None
    enrollment_end: str | None = None
    b2b_contract: int | None = None


class RestPage(Live):
    live: bool = False


class RestCourse(Live):
    """`GET /api/internal/courses/?readable_id=…` (docs/platforms/mitxonline.md §6): course, runs and page flags."""

    id: int
    readable_id: str
    title: str
    live: bool
    departments: list[Any] = Field(default_factory=list)
    include_in_learn_catalog: bool | None = None
    ingest_content_files_for_ai: bool | None = None
    page: RestPage | None = None
    courseruns: list[RestRun] = Field(default_factory=list)

    def department_names(self) -> list[str]:
        names = [d.get("name", "") if isinstance(d, dict) else str(d) for d in self.departments]
        return sorted(n for n in names if n)

    def run(self, courseware_id: str) -> RestRun | None:
        return next((r for r in self.courseruns if r.courseware_id == courseware_id), None)

    def contract_runs(self, contract_id: int) -> list[str]:
        """The keys of the live runs contract `contract_id` has of this course, sorted."""
        return sorted(r.courseware_id for r in self.courseruns if r.b2b_contract == contract_id and r.live)


# `ContractPage.__str__`, how every command names a contract: "21 - BigCo Codes Contract
# (BigCo Codes)" (issue #18, point 1). Names are not unique (docs/platforms/mitxonline.md §13); the id is.
_CONTRACT_NAMED = re.compile(r"(\d+) - ")


class CodeRow(Live):
    """A row of `b2b_codes output --format json` (docs/platforms/mitxonline.md §3)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True, populate_by_name=True)

    contract: str = Field(alias="Contract", default="")
    course_run: str = Field(alias="Course Run", default="")
    code: str = Field(alias="Enrollment Code")
    attach_link: str | None = Field(alias="Attach Link", default=None)
    # When a learner used the code (blank while unused): `b2b_courseware remove` deletes
    # the unused codes of a run it retires and keeps these (docs/platforms/mitxonline.md §9).
    attach_redemption: str | None = Field(alias="Attach Redemption", default=None)
    enroll_redemption: str | None = Field(alias="Enroll Redemption", default=None)

    @property
    def redeemed(self) -> bool:
        return bool(self.attach_redemption or self.enroll_redemption)

    @property
    def contract_id(self) -> int | None:
        """The id the `Contract` field starts with; None when it names no id."""
        match = _CONTRACT_NAMED.match(self.contract)
        return int(match.group(1)) if match else None
