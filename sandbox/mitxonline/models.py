"""Typed rows of the MITx Online emulation (docs/platforms/mitxonline.md §13), read from ``mitx_*`` tables.

Each dataclass names its table; ``Model.from_row`` converts SQLite values (0/1, ISO
strings, decimal strings) into Python types using the field annotations, so the row
shape is written once: in the schema and in these classes.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

# Source run conventions (docs/platforms/mitxonline.md §13): the flag, or the legacy run tag.
SOURCE_RUN_TAG = "SOURCE"
DEFAULT_ORG_KEY_PREFIX = "UAI_"  # UAI_COURSEWARE_ID_PREFIX (docs/platforms/mitxonline.md §13)
ORG_KEY_MAX_LENGTH = 30  # docs/platforms/mitxonline.md §13
MEMBERSHIP_TYPES = ("managed", "code", "auto")  # argparse choices order (docs/platforms/mitxonline.md §3)
# CONTRACT_MEMBERSHIP_AUTOS (docs/platforms/mitxonline.md §13): members come from the organization, not from codes.
AUTO_MEMBERSHIP_TYPES = ("auto", "managed")


def parse_datetime(value: str) -> datetime:
    """An ISO-8601 value stored or received (``Z`` or offset) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """DRF's output format: UTC with ``Z``, microseconds only when non-zero."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


def _convert(value: Any, annotation: Any) -> Any:
    if value is None:
        return None
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    target = args[0] if args else annotation
    if target is bool:
        return bool(value)
    if target is Decimal:
        return Decimal(str(value))
    if target is date:
        return date.fromisoformat(value)
    if target is datetime:
        return parse_datetime(value)
    return value


def to_sql(value: Any) -> Any:
    """A Python value as SQLite stores it in the ``mitx_*`` tables."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class Model:
    table: ClassVar[str]
    # Values a row carries from other tables: field name -> SQL expression on the row
    # (aliased ``r``), selected with it by ``repo.fetch``. They are read, never written.
    derived: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(**{name: _convert(row[name], hint) for name, hint in _field_types(cls)})


_FIELD_TYPES: dict[type, tuple[tuple[str, Any], ...]] = {}


def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field of a model and its type, worked out once per class: resolving the
    string annotations compiles each of them, and was most of a listing's time. (Two
    threads may both work out a class the first time; they find the same.)"""
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELD_TYPES[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return found


@dataclass
class Course(Model):
    table: ClassVar[str] = "mitx_course"
    id: int
    title: str
    readable_id: str
    live: bool

    def __str__(self) -> str:
        return f"{self.readable_id} | {self.title}"


@dataclass
class CourseRun(Model):
    table: ClassVar[str] = "mitx_course_run"
    id: int
    course_id: int
    title: str
    courseware_id: str
    run_tag: str
    start_date: datetime | None
    end_date: datetime | None
    enrollment_start: datetime | None
    enrollment_end: datetime | None
    certificate_available_date: datetime | None
    expiration_date: datetime | None
    upgrade_deadline: datetime | None
    live: bool
    is_self_paced: bool
    has_courseware_url: bool
    b2b_contract_id: int | None
    is_source_run: bool
    is_primary_language: bool
    language: str
    variant_length: str
    variant_industry: str

    @property
    def counts_as_source(self) -> bool:
        """Flag or legacy ``SOURCE`` tag (docs/platforms/mitxonline.md §13); such runs are hidden from
        ``CourseRun.objects``."""
        return self.is_source_run or self.run_tag == SOURCE_RUN_TAG

    @property
    def variant(self) -> tuple[str, str, str]:
        return (self.language, self.variant_industry, self.variant_length)

    def __str__(self) -> str:
        return f"{self.courseware_id} | {self.title}"


@dataclass
class CoursePage(Model):
    table: ClassVar[str] = "mitx_course_page"
    id: int
    course_id: int | None
    title: str
    slug: str
    live: bool
    description: str
    length: str
    min_weekly_hours: str
    max_weekly_hours: str
    include_in_learn_catalog: bool
    ingest_content_files_for_ai: bool
    first_published_at: datetime | None
    last_published_at: datetime | None


@dataclass
class Organization(Model):
    table: ClassVar[str] = "mitx_organization"
    id: int
    name: str
    org_key: str
    org_key_prefix: str
    description: str
    sso_organization_id: str | None
    slug: str

    def __str__(self) -> str:
        """``OrganizationPage.__str__``: the name and the key in angle brackets."""
        return f"{self.name} <{self.org_key}>"


@dataclass
class Contract(Model):
    table: ClassVar[str] = "mitx_contract"
    derived: ClassVar[dict[str, str]] = {
        "organization_name": "(SELECT o.name FROM mitx_organization o WHERE o.id = r.organization_id)"
    }
    id: int
    organization_id: int
    name: str
    slug: str
    description: str
    welcome_message: str
    welcome_message_extra: str
    membership_type: str
    contract_start: date | None
    contract_end: date | None
    active: bool
    max_learners: int | None
    enrollment_fixed_price: Decimal | None
    google_sheet_target: str | None
    google_sheet_target_tab: str
    organization_name: str

    def in_active_objects(self, today: date) -> bool:
        """Membership of ``ContractPage.active_objects``, the model's ``_default_manager`` (docs/platforms/mitxonline.md
        §13).

        Wagtail's ``Page.save`` re-reads the page through that manager, so a contract
        outside this set cannot be saved by any command (docs/platforms/mitxonline.md §4).
        """
        if not self.active:
            return False
        if self.contract_start is not None and today < self.contract_start:
            return False
        return not (self.contract_end is not None and today > self.contract_end)

    @property
    def price(self) -> Decimal:
        """``enrollment_fixed_price``; null or 0 means free (docs/platforms/mitxonline.md §13)."""
        return self.enrollment_fixed_price or Decimal("0")

    def __str__(self) -> str:
        """``ContractPage.__str__``: how every command names a contract (issue #18, point 1)."""
        return f"{self.id} - {self.name} ({self.organization_name})"


@dataclass
class SupportedVariant(Model):
    table: ClassVar[str] = "mitx_supported_variant"
    id: int
    owner_type: str
    owner_id: int
    language: str
    variant_length: str
    variant_industry: str
    active: bool
    b2b_only: bool
    default_variant: bool

    @property
    def variant(self) -> tuple[str, str, str]:
        return (self.language, self.variant_industry, self.variant_length)


@dataclass
class Product(Model):
    table: ClassVar[str] = "mitx_product"
    id: int
    run_id: int
    price: Decimal
    description: str
    is_active: bool

    def __str__(self) -> str:
        """``Product.__str__``: id, description and price (``Decimal(7,2)``, so ``0.00``)."""
        return f"#{self.id} {self.description} {self.price}"


@dataclass
class EnrollmentCode(Model):
    """An ``ecommerce.Discount`` used as a B2B enrollment code (docs/platforms/mitxonline.md §8)."""

    table: ClassVar[str] = "mitx_discount"
    id: int
    discount_code: str
    amount: Decimal
    discount_type: str
    redemption_type: str
    payment_type: str
    is_bulk: bool
    activation_date: datetime | None
    expiration_date: datetime | None
    created_on: datetime


@dataclass
class KeycloakOrganization(Model):
    """An organization as Keycloak's admin API lists it (seeded by ``sandbox_keycloak_orgs``)."""

    table: ClassVar[str] = "mitx_keycloak_org"
    id: str
    alias: str
    name: str
    description: str


@dataclass
class CloneTask(Model):
    """A queued ``openedx.tasks.clone_courserun`` (docs/platforms/mitxonline.md §9)."""

    table: ClassVar[str] = "mitx_clone_task"
    id: int
    run_id: int
    source_courseware_id: str
    target_courseware_id: str
    status: str
    eta: float
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass
class Program(Model):
    """``courses.Program`` (docs/platforms/mitxonline.md §13)."""

    table: ClassVar[str] = "mitx_program"
    id: int
    title: str
    readable_id: str
    live: bool
    b2b_only: bool
    display_mode: str | None
    program_type: str | None
    availability: str
    start_date: datetime | None
    end_date: datetime | None
    enrollment_start: datetime | None
    enrollment_end: datetime | None

    def __str__(self) -> str:
        """``Program.__str__``: readable id and title, cut to 100 characters."""
        title = f"{self.readable_id} | {self.title}"
        return title if len(title) <= 100 else title[:97] + "..."


@dataclass
class ProgramRequirement(Model):
    """A node of ``courses.ProgramRequirement``, a treebeard ``MP_Node`` (docs/platforms/mitxonline.md §13)."""

    table: ClassVar[str] = "mitx_program_requirement"
    id: int
    path: str
    depth: int
    numchild: int
    node_type: str | None
    operator: str | None
    operator_value: str | None
    program_id: int
    course_id: int | None
    required_program_id: int | None
    title: str | None
    elective_flag: bool | None


@dataclass
class ProgramPage(Model):
    table: ClassVar[str] = "mitx_program_page"
    id: int
    program_id: int | None
    title: str
    slug: str
    live: bool
    description: str
    length: str
    min_weekly_hours: str
    max_weekly_hours: str
    include_in_learn_catalog: bool
    first_published_at: datetime | None
    last_published_at: datetime | None


@dataclass
class ContractProgramItem(Model):
    """``b2b.ContractProgramItem``: a contract's program, ordered by ``sort_order``."""

    table: ClassVar[str] = "mitx_contract_program"
    id: int
    contract_id: int
    program_id: int
    sort_order: int | None


@dataclass
class ProgramTask(Model):
    """A queued ``b2b.tasks.create_program_contract_runs`` (docs/platforms/mitxonline.md §13)."""

    table: ClassVar[str] = "mitx_program_task"
    id: int
    contract_id: int
    program_id: int
    org_prefix: str | None
    status: str
    eta: float
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
