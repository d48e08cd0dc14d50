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

A size with P programs of Q courses (issue 26) declares program i over courses i*Q ...
i*Q+Q-1 (two required, the rest electives), and contract i sells program i modulo P
instead of courses:

    program             1 resource:  mitxonline:Program
    per program         2 commands:  create_courseware program, and one `manage.py shell`
                                     for its requirements (no command adds an existing
                                     course to a program, docs/platforms/mitxonline.md §14;
                                     the runbook's alternative is the Django admin)
    per program contract the 5 commands of a code contract, with `add <program>`
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

RESOURCES_PER_SOURCE = 4
RESOURCES_PER_ORGANIZATION = 1
RESOURCES_PER_CONTRACT = 3
RUNBOOK_PER_SOURCE = 1
RUNBOOK_PER_CODE_CONTRACT = 5
RESOURCES_PER_PROGRAM = 1
RUNBOOK_PER_PROGRAM = 2
REQUIRED_PER_PROGRAM = 2
SEATS = 2  # codes per contract run: small, so the codes dump stays small


@dataclass(frozen=True)
class Size:
    """One catalog size: `sources` source courses, `organizations` organizations and
    `contracts` code contracts of `courses_per_contract` courses each."""

    sources: int
    organizations: int
    contracts: int
    courses_per_contract: int
    # Programs of `courses_per_program` courses; with programs, contracts sell one each.
    programs: int = 0
    courses_per_program: int = 0

    @property
    def label(self) -> str:
        programs = f"/{self.programs}px{self.courses_per_program}" if self.programs else ""
        return f"{self.sources}s/{self.organizations}o/{self.contracts}cx{self.courses_per_contract}{programs}"

    @property
    def resources(self) -> int:
        """Custom (dynamic) resources the catalog declares; components are not counted."""
        return (
            RESOURCES_PER_SOURCE * self.sources
            + RESOURCES_PER_ORGANIZATION * self.organizations
            + RESOURCES_PER_CONTRACT * self.contracts
            + RESOURCES_PER_PROGRAM * self.programs
        )

    @property
    def runbook_commands(self) -> int:
        return (
            RUNBOOK_PER_SOURCE * self.sources
            + RUNBOOK_PER_CODE_CONTRACT * self.contracts
            + RUNBOOK_PER_PROGRAM * self.programs
        )

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
# Issue 26: 10 programs of 5 courses, sold to 50 contracts (`python -m bench --programs`).
PROGRAMS = Size(sources=50, organizations=50, contracts=50, courses_per_contract=0, programs=10, courses_per_program=5)


def course_key(index: int) -> str:
    return f"course-v1:B2B_SOURCE+BENCH{index:04d}x+SOURCE"


def course_id(index: int) -> str:
    return f"course-v1:B2B_SOURCE+BENCH{index:04d}x"


def org_key(index: int) -> str:
    return f"BENCH{index:04d}"


def program_id(index: int) -> str:
    return f"program-v1:B2B+BENCH{index:04d}"


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
    programs = []
    for i in range(size.programs):
        courses = [
            course_id((i * size.courses_per_program + k) % size.sources) for k in range(size.courses_per_program)
        ]
        programs.append(
            {
                "readable_id": program_id(i),
                "title": f"Bench program {i}",
                "requirements": {
                    "required": courses[:REQUIRED_PER_PROGRAM],
                    "elective": courses[REQUIRED_PER_PROGRAM:],
                },
            }
        )
    contracts = []
    for i in range(size.contracts):
        sold: dict[str, Any] = (
            {"programs": [program_id(i % size.programs)]}
            if size.programs
            else {"courses": sorted({course_id((i + k) % size.sources) for k in range(size.courses_per_contract)})}
        )
        contracts.append(
            {
                "organization": org_key(i % size.organizations),
                "name": f"Bench contract {i}",
                "membership_type": "code",
                "max_learners": SEATS,
                "start": "2026-01-01",
                "end": "2030-12-31",
                **sold,
            }
        )
    return {
        "source_courses": sources,
        **({"programs": programs} if programs else {}),
        "organizations": organizations,
        "contracts": contracts,
    }
