"""Course keys and the contract run key algorithm (docs/platforms/mitxonline.md §7).

``{prefix}{org_key}+{number}+{n}T{contract_id}C{year}`` plus ``_{language}``,
``_{industry}``, ``_{length}`` on the courseware_id / edX key only (docs/platforms/mitxonline.md §7).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sandbox.edx.keys import CourseKey, InvalidKeyError, parse_course_key
from sandbox.mitxonline import repo
from sandbox.mitxonline.models import DEFAULT_ORG_KEY_PREFIX, CourseRun

# One course-key grammar for the whole sandbox: opaque_keys' `CourseKey.from_string`
# (docs/platforms/edx.md §3), which MITx Online also uses.
__all__ = ["CourseKey", "InvalidKeyError", "course_root", "parse_course_key"]


def course_root(key: CourseKey) -> str:
    """The course's readable_id convention: the key without its run part (docs/platforms/mitxonline.md §13)."""
    return f"course-v1:{key.org}+{key.course}"


@dataclass(frozen=True)
class ContractRunKey:
    courseware_id: str  # also the edX key that is cloned
    run_tag: str  # stored without the variant suffix


def variant_suffix(run: CourseRun) -> str:
    return "".join(f"_{part}" for part in (run.language, run.variant_industry, run.variant_length) if part)


def contract_run_key(
    db: sqlite3.Connection,
    *,
    source: CourseRun,
    org_key: str,
    prefix: str | None,
    contract_id: int,
    year: int,
) -> ContractRunKey:
    """``b2b.api.create_contract_run_key`` (docs/platforms/mitxonline.md §7), edge cases of docs/platforms/mitxonline.md
    §7 kept.

    The next number comes from the newest matching run *in lexicographic order*, so the
    10th run sorts before the 9th and may mint a duplicate key (docs/platforms/mitxonline.md §7).
    """
    number_part = parse_course_key(source.courseware_id).course
    course_part = f"course-v1:{prefix or DEFAULT_ORG_KEY_PREFIX}{org_key}+{number_part}"
    tag_tail = f"T{contract_id}C{year}"
    # substr rather than LIKE: LIKE is case-insensitive and treats "_" as a wildcard,
    # while Django's startswith/endswith are exact.
    newest = repo.first(
        CourseRun,
        db,
        f"substr(r.courseware_id, 1, ?) = ? AND substr(r.run_tag, -?) = ? AND r.language = ? "
        f"AND r.variant_industry = ? AND r.variant_length = ? AND {repo.USABLE_RUN}",
        [len(course_part), course_part, len(tag_tail), tag_tail, *source.variant],
        order="r.courseware_id DESC",
    )
    number = 1
    if newest is not None:
        # Split on "T": a suffix with a capital T (zh_TW) yields three parts and fails (docs/platforms/mitxonline.md
        # §7).
        index, _rest = newest.courseware_id.rsplit("+", 1)[1].split("T")
        number = int(index) + 1
    run_tag = f"{number}{tag_tail}"
    key = f"{course_part}+{run_tag}"
    parse_course_key(key)
    return ContractRunKey(courseware_id=key + variant_suffix(source), run_tag=run_tag)
