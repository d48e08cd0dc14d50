"""What MITx Online shows, in the shape a declaration has: shared by the resources'
reads and `courseware adopt`, which declares what already exists from the same reads,
so an adopted object previews empty (docs/adopting.md). Pure: no client, no provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from provider.declared import normalise_field
from provider.mitxonline.models import CodeRow, ContractArgs, ContractRow, EnrollmentCodesArgs, RestCourse
from provider.rules import expected_code_count


def declared_json(name: str, value: Any) -> Any:
    """A live value in the declared JSON form of field `name` (same normalisation)."""
    normal = normalise_field(ContractArgs, name, value)
    if isinstance(normal, dt.date):
        return normal.isoformat()
    if isinstance(normal, Decimal):
        return f"{normal:.2f}"
    return normal


def contract_fields(row: ContractRow) -> dict[str, Any]:
    """What the listing shows, in the declared JSON form."""
    return {
        "name": row.name,
        "slug": row.slug,
        "membership_type": row.membership_type,
        "start": declared_json("start", row.start),
        "end": declared_json("end", row.end),
        "max_learners": declared_json("max_learners", row.max_learners),
        "price": declared_json("price", row.price),
        "active": row.active,
    }


def held_codes(args: EnrollmentCodesArgs, codes: list[CodeRow]) -> list[CodeRow]:
    """The codes of the declared contract runs; a retired run's redeemed codes are not."""
    runs = set(args.run_keys)
    return [row for row in codes if row.course_run in runs]


def expected_count(args: EnrollmentCodesArgs) -> int:
    return expected_code_count(args.membership_type, args.max_learners, args.price, len(args.run_keys))


def runs_by_course(courses: Iterable[RestCourse | None], contract_id: int) -> dict[str, list[str]]:
    """The contract's live runs among `courses` (as read; None for one that does not
    exist), by course: what this resource reads, and what `courseware adopt` declares."""
    return {
        course.readable_id: keys
        for course in courses
        if course is not None and (keys := course.contract_runs(contract_id))
    }
