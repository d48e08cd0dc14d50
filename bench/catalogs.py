"""Generated catalogs of growing size, with their resource and runbook counts.

A size is S source courses, O organizations and C code contracts of K courses each
(contract i takes courses i, i+1, ... i+K-1 modulo S, and organization i modulo O).
Each declares, as `provider/program.py` builds it:

    source course       4 resources: edx:CourseRun, mitxonline:Course, mitxonline:CourseRun, mitxonline:CoursePage
    organization        1 resource:  mitxonline:Organization
    code contract       3 resources: mitxonline:Contract, mitxonline:ContractCourseware, mitxonline:EnrollmentCodes

The runbook (the manual procedure the provider replaces) for the same catalog runs:

    per source course   1 command:  import_courserun
    per code contract   5 commands: b2b_contract create, b2b_list (to learn the new id),
                                    b2b_courseware add (one, batched with --also),
                                    b2b_codes validate, b2b_codes output (the export of the codes)

Organizations cost the runbook nothing of their own: the first contract's command
creates them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

RESOURCES_PER_SOURCE = 4
RESOURCES_PER_ORGANIZATION = 1
RESOURCES_PER_CONTRACT = 3
RUNBOOK_PER_SOURCE = 1
RUNBOOK_PER_CODE_CONTRACT = 5
SEATS = 2  # codes per contract run: small, so the codes dump stays small


@dataclass(frozen=True)
class Size:
    """One catalog size: `sources` source courses, `organizations` organizations and
    `contracts` code contracts of `courses_per_contract` courses each."""

    sources: int
    organizations: int
    contracts: int
    courses_per_contract: int

    @property
    def label(self) -> str:
        return f"{self.sources}s/{self.organizations}o/{self.contracts}cx{self.courses_per_contract}"

    @property
    def resources(self) -> int:
        """Custom (dynamic) resources the catalog declares; components are not counted."""
        return (
            RESOURCES_PER_SOURCE * self.sources
            + RESOURCES_PER_ORGANIZATION * self.organizations
            + RESOURCES_PER_CONTRACT * self.contracts
        )

    @property
    def runbook_commands(self) -> int:
        return RUNBOOK_PER_SOURCE * self.sources + RUNBOOK_PER_CODE_CONTRACT * self.contracts

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "label": self.label,
            "resources": self.resources,
            "runbook_commands": self.runbook_commands,
        }


# From a handful of resources to a little over 1,000 (4*50 + 50 + 3*250 = 1,000).
SMOKE = Size(sources=1, organizations=1, contracts=1, courses_per_contract=1)
FULL: tuple[Size, ...] = (
    SMOKE,
    Size(sources=4, organizations=4, contracts=8, courses_per_contract=2),
    Size(sources=10, organizations=10, contracts=30, courses_per_contract=2),
    Size(sources=25, organizations=25, contracts=100, courses_per_contract=2),
    Size(sources=50, organizations=50, contracts=250, courses_per_contract=2),
)


def course_key(index: int) -> str:
    return f"course-v1:B2B_SOURCE+BENCH{index:04d}x+SOURCE"


def course_id(index: int) -> str:
    return f"course-v1:B2B_SOURCE+BENCH{index:04d}x"


def org_key(index: int) -> str:
    return f"BENCH{index:04d}"


def catalog(size: Size) -> dict[str, Any]:
    """The `courseware:catalog` of one size (valid for `provider/catalog.py`)."""
    sources = [
        {
            "course_key": course_key(i),
            "title": f"Bench course {i}",
            "start": "2026-01-05T00:00:00Z",
            "end": "2030-12-31T00:00:00Z",
            "enrollment_start": "2026-01-01T00:00:00Z",
            "pacing": "self_paced",
            "mitxonline": {"page": {"live": True, "include_in_learn_catalog": True}},
        }
        for i in range(size.sources)
    ]
    organizations = [{"org_key": org_key(i), "name": f"Bench organization {i}"} for i in range(size.organizations)]
    contracts = [
        {
            "organization": org_key(i % size.organizations),
            "name": f"Bench contract {i}",
            "membership_type": "code",
            "max_learners": SEATS,
            "start": "2026-01-01",
            "end": "2030-12-31",
            "courses": sorted({course_id((i + k) % size.sources) for k in range(size.courses_per_contract)}),
        }
        for i in range(size.contracts)
    ]
    return {"source_courses": sources, "organizations": organizations, "contracts": contracts}
