"""Data access for the ``mitx_*`` tables: small typed queries, one per question asked.

Two run managers exist in MITx Online (docs/platforms/mitxonline.md §13): ``all_objects`` (every run) and
``objects`` (source runs excluded). Functions taking ``usable_only`` make the choice
explicit at each call site, because which manager a command uses is itself a quirk.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from sandbox.mitxonline.models import (
    SOURCE_RUN_TAG,
    Contract,
    Course,
    CoursePage,
    CourseRun,
    EnrollmentCode,
    Model,
    Organization,
    Product,
    SupportedVariant,
    format_datetime,
    now,
    to_sql,
)

M = TypeVar("M", bound=Model)

# Fixed Wagtail tree of a fresh MITx Online: root, home page, course index,
# program index, organization index (docs/platforms/mitxonline.md §13). Their ids come first in the shared
# page sequence, as in a real database.
HOME_PAGE_ID = 2
COURSE_INDEX_PAGE_ID = 3
ORGANIZATION_INDEX_PAGE_ID = 5
_BASE_PAGES = (
    (1, "wagtailcore.page", None, "Root", "root"),
    (HOME_PAGE_ID, "cms.homepage", 1, "Home", "home"),
    (COURSE_INDEX_PAGE_ID, "cms.courseindexpage", HOME_PAGE_ID, "Courses", "courses"),
    (4, "cms.programindexpage", HOME_PAGE_ID, "Programs", "programs"),
    (ORGANIZATION_INDEX_PAGE_ID, "b2b.organizationindexpage", HOME_PAGE_ID, "Organizations", "organizations"),
)

# Source runs excluded: the UsableCourseRunManager (`CourseRun.objects`, docs/platforms/mitxonline.md §13).
USABLE_RUN = f"NOT (r.is_source_run = 1 OR r.run_tag = '{SOURCE_RUN_TAG}')"


def slugify(value: str) -> str:
    """Django's ``slugify``: ASCII, lower-case, word characters and hyphens only."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^\w\s-]", "", ascii_value.lower())
    return re.sub(r"[-\s]+", "-", cleaned).strip("-_")


def rows(db: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, [to_sql(p) for p in params])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scalar(db: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    row = db.execute(sql, [to_sql(p) for p in params]).fetchone()
    return None if row is None else row[0]


def fetch(
    cls: type[M], db: sqlite3.Connection, where: str = "1", params: Sequence[Any] = (), order: str = "r.id"
) -> list[M]:
    """Objects of ``cls`` matching a WHERE clause on its table (aliased ``r``)."""
    derived = "".join(f", {expression} AS {name}" for name, expression in cls.derived.items())
    sql = f"SELECT r.*{derived} FROM {cls.table} r WHERE {where} ORDER BY {order}"
    return [cls.from_row(row) for row in rows(db, sql, params)]


def first(
    cls: type[M], db: sqlite3.Connection, where: str, params: Sequence[Any] = (), order: str = "r.id"
) -> M | None:
    found = fetch(cls, db, where, params, order)
    return found[0] if found else None


def insert(db: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [to_sql(v) for v in values.values()])
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update(db: sqlite3.Connection, table: str, row_id: int | str, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*(to_sql(v) for v in values.values()), row_id])


def ensure_base_pages(db: sqlite3.Connection) -> None:
    """The home page and index pages every MITx Online deployment has."""
    for page_id, page_type, parent_id, title, slug in _BASE_PAGES:
        db.execute(
            "INSERT OR IGNORE INTO mitx_page (id, page_type, parent_id, title, slug, live) VALUES (?, ?, ?, ?, ?, 1)",
            (page_id, page_type, parent_id, title, slug),
        )


def new_page(db: sqlite3.Connection, page_type: str, parent_id: int, title: str, slug: str, live: bool) -> int:
    """A Wagtail page id from the sequence shared by every page type."""
    ensure_base_pages(db)
    return insert(
        db,
        "mitx_page",
        {"page_type": page_type, "parent_id": parent_id, "title": title, "slug": slug, "live": live},
    )


# Courses, runs and pages ---------------------------------------------------------


def course_by_readable_id(db: sqlite3.Connection, readable_id: str) -> Course | None:
    return first(Course, db, "r.readable_id = ?", [readable_id])


def course_by_id(db: sqlite3.Connection, course_id: int) -> Course:
    course = first(Course, db, "r.id = ?", [course_id])
    assert course is not None, f"course {course_id} vanished"
    return course


def run_by_courseware_id(db: sqlite3.Connection, courseware_id: str, *, usable_only: bool) -> CourseRun | None:
    where = "r.courseware_id = ?" + (f" AND {USABLE_RUN}" if usable_only else "")
    return first(CourseRun, db, where, [courseware_id])


def runs_of_course(db: sqlite3.Connection, course_id: int, *, usable_only: bool) -> list[CourseRun]:
    where = "r.course_id = ?" + (f" AND {USABLE_RUN}" if usable_only else "")
    return fetch(CourseRun, db, where, [course_id])


def contract_runs(db: sqlite3.Connection, contract_id: int) -> list[CourseRun]:
    """``ContractPage.get_course_runs()``: usable runs linked to the contract (docs/platforms/mitxonline.md §13)."""
    return fetch(CourseRun, db, f"r.b2b_contract_id = ? AND {USABLE_RUN}", [contract_id])


def page_of_course(db: sqlite3.Connection, course_id: int) -> CoursePage | None:
    return first(CoursePage, db, "r.course_id = ?", [course_id])


def department_names(db: sqlite3.Connection, course_id: int) -> list[str]:
    found = rows(
        db,
        "SELECT d.name FROM mitx_department d JOIN mitx_course_department cd ON cd.department_id = d.id "
        "WHERE cd.course_id = ? ORDER BY d.name",
        [course_id],
    )
    return [row["name"] for row in found]


def department_by_name(db: sqlite3.Connection, name: str) -> int | None:
    found: int | None = scalar(db, "SELECT id FROM mitx_department WHERE name = ?", [name])
    return found


def get_or_create_department(db: sqlite3.Connection, name: str) -> int:
    existing = department_by_name(db, name)
    if existing is not None:
        return existing
    return insert(db, "mitx_department", {"name": name, "slug": slugify(name)})


def add_course_department(db: sqlite3.Connection, course_id: int, department_id: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO mitx_course_department (course_id, department_id) VALUES (?, ?)",
        (course_id, department_id),
    )


def attach_mode(db: sqlite3.Connection, run_id: int, mode_slug: str) -> None:
    """Get-or-create the ``EnrollmentMode`` (``verified`` requires payment) and link it (docs/platforms/mitxonline.md
    §3).

    Django's ``get_or_create`` survives a concurrent create (it catches the IntegrityError
    and reads the other's row), so two commands adding runs at once both succeed; the
    insert-or-ignore then select does the same here.
    """
    db.execute(
        "INSERT OR IGNORE INTO mitx_enrollment_mode (mode_slug, mode_display_name, requires_payment) VALUES (?, ?, ?)",
        (mode_slug, mode_slug, mode_slug == "verified"),
    )
    mode_id = scalar(db, "SELECT id FROM mitx_enrollment_mode WHERE mode_slug = ?", [mode_slug])
    db.execute("INSERT OR IGNORE INTO mitx_course_run_mode (run_id, mode_id) VALUES (?, ?)", (run_id, mode_id))


def enrollment_count(db: sqlite3.Connection, run_id: int) -> int:
    count: int = scalar(db, "SELECT COUNT(*) FROM mitx_enrollment WHERE run_id = ?", [run_id])
    return count


def variants_of(db: sqlite3.Connection, owner_type: str, owner_id: int) -> list[SupportedVariant]:
    return fetch(SupportedVariant, db, "r.owner_type = ? AND r.owner_id = ?", [owner_type, owner_id])


# Organizations and contracts ----------------------------------------------------


def organization_by_id(db: sqlite3.Connection, org_id: int) -> Organization:
    org = first(Organization, db, "r.id = ?", [org_id])
    assert org is not None, f"organization {org_id} vanished"
    return org


def organization_by_key(db: sqlite3.Connection, org_key: str) -> Organization | None:
    return first(Organization, db, "r.org_key = ?", [org_key])


def contract_by_id(db: sqlite3.Connection, contract_id: int) -> Contract | None:
    return first(Contract, db, "r.id = ?", [contract_id])


def contracts_by_id_or_slug(db: sqlite3.Connection, identifier: str) -> list[Contract]:
    """Numeric → id, otherwise slug (all organizations; ``ContractPage.objects``)."""
    if identifier.isdigit():
        found = contract_by_id(db, int(identifier))
        return [found] if found else []
    return fetch(Contract, db, "r.slug = ?", [identifier])


def organizations_matching(db: sqlite3.Connection, identifier: str) -> list[Organization]:
    """``--org``: id, sso UUID, slug or org_key (docs/platforms/mitxonline.md §3)."""
    if identifier.isdigit():
        return fetch(Organization, db, "r.id = ?", [int(identifier)])
    return fetch(
        Organization,
        db,
        "r.sso_organization_id = ? OR r.slug = ? OR r.org_key = ? OR r.name = ?",
        [identifier, identifier, identifier, identifier],
    )


# Products and codes --------------------------------------------------------------


def products_of_run(db: sqlite3.Connection, run_id: int, *, active_only: bool) -> list[Product]:
    where = "r.run_id = ?" + (" AND r.is_active = 1" if active_only else "")
    return fetch(Product, db, where, [run_id])


def contract_products(db: sqlite3.Connection, contract_id: int) -> list[Product]:
    """``ContractPage.get_products()``: active products of the contract's runs."""
    return fetch(
        Product,
        db,
        f"r.is_active = 1 AND r.run_id IN (SELECT r.id FROM mitx_course_run r "
        f"WHERE r.b2b_contract_id = ? AND {USABLE_RUN})",
        [contract_id],
    )


def codes_of_products(db: sqlite3.Connection, product_ids: Sequence[int]) -> list[EnrollmentCode]:
    if not product_ids:
        return []
    marks = ", ".join("?" for _ in product_ids)
    return fetch(
        EnrollmentCode,
        db,
        f"r.id IN (SELECT discount_id FROM mitx_discount_product WHERE product_id IN ({marks}))",
        list(product_ids),
    )


def code_is_used(db: sqlite3.Connection, code_id: int) -> bool:
    """Redeemed by an order or a contract attachment (``get_unused_discounts``, docs/platforms/mitxonline.md §13)."""
    return bool(scalar(db, "SELECT COUNT(*) FROM mitx_code_redemption WHERE discount_id = ?", [code_id]))


def delete_code_if_orphan(db: sqlite3.Connection, code_id: int) -> bool:
    """Delete a code left with no products and no redemptions; True when deleted."""
    linked = scalar(db, "SELECT COUNT(*) FROM mitx_discount_product WHERE discount_id = ?", [code_id])
    if linked or code_is_used(db, code_id):
        return False
    db.execute("DELETE FROM mitx_discount WHERE id = ?", (code_id,))
    return True


def product_run_key(db: sqlite3.Connection, product_id: int) -> str:
    key: str = scalar(
        db,
        "SELECT r.courseware_id FROM mitx_course_run r JOIN mitx_product p ON p.run_id = r.id WHERE p.id = ?",
        [product_id],
    )
    return key


def now_iso() -> str:
    return format_datetime(now())
