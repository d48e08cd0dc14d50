"""Stack-file entry → resource properties: one pure function per resource.

`provider/program.py` registers each resource with these properties, and
`provider/catalog.py` runs the same resources' `check` on them, so a rule between fields
is reported with the stack file's other problems and never mapped twice.

Each function takes entries in their JSON form: a mapping as written in the stack file
(the catalog checks entries that failed to parse, too) or a parsed entry's
`model_dump(mode="json")`. Values pass through as written; the resource's `check`
normalises them. Where a stack-file field and a resource field share a name they are the
same field, so those are taken by name from the resource's declared model; only renames
and derived values are spelt out here. Absent and null fields are left out, and the
resource's model supplies its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pydantic import BaseModel

from provider import rules
from provider.edx.keys import CourseKey
from provider.edx.models import CourseRunArgs
from provider.mitxonline.models import (
    ContractArgs,
    ContractCoursewareArgs,
    CoursePageArgs,
    EnrollmentCodesArgs,
    OrganizationArgs,
    ProgramArgs,
)

Entry = Mapping[str, Any]
Properties = dict[str, Any]


def _shared(model: type[BaseModel], entry: Entry) -> Properties:
    """The entry's fields that the resource declares under the same name."""
    return {name: entry[name] for name in model.model_fields if entry.get(name) is not None}


def _present(props: Properties) -> Properties:
    return {name: value for name, value in props.items() if value is not None}


def _mitxonline(source: Entry) -> Entry:
    """The MITx Online side of a source course; the program builds it only when declared."""
    side = source.get("mitxonline")
    return side if isinstance(side, Mapping) else {}


def _course_id(source: Entry) -> str:
    return CourseKey.parse(str(source["course_key"])).course_id


def edx_course_run(source: Entry) -> Properties:
    """edx:CourseRun of a source course: title, dates and pacing are declared here once."""
    return _shared(CourseRunArgs, source)


def mitxonline_course(source: Entry) -> Properties:
    """mitxonline:Course of a source course, made by one `import_courserun` of this run
    when missing (docs/decisions.md §12)."""
    mitx = _mitxonline(source)
    return _present(
        {
            "readable_id": _course_id(source),
            "title": source.get("title"),
            "live": mitx.get("live"),
            "adopt": mitx.get("adopt"),
            "import_run": {
                "courseware_id": source["course_key"],
                "run_tag": CourseKey.parse(str(source["course_key"])).run,
                "is_source_run": mitx.get("is_source_run"),
                "page": mitx.get("page"),
            },
        }
    )


def mitxonline_course_run(source: Entry) -> Properties:
    """mitxonline:CourseRun of a source course: MITx Online's copy of the edX run, whose
    title, dates and pacing come from the same entry (docs/platforms/mitxonline.md §10)."""
    mitx = _mitxonline(source)
    return _present(
        {
            "courseware_id": source["course_key"],
            "course": _course_id(source),
            "run_tag": CourseKey.parse(str(source["course_key"])).run,
            "is_source_run": mitx.get("is_source_run"),
            "live": mitx.get("live"),
            "title": source.get("title"),
            "start_date": source.get("start"),
            "end_date": source.get("end"),
            "enrollment_start": source.get("enrollment_start"),
            "enrollment_end": source.get("enrollment_end"),
            "is_self_paced": source.get("pacing") == "self_paced",
            "adopt": mitx.get("adopt"),
        }
    )


def mitxonline_course_page(source: Entry) -> Properties:
    """mitxonline:CoursePage of a source course whose `mitxonline.page` is declared."""
    mitx = _mitxonline(source)
    page = mitx.get("page")
    flags = _shared(CoursePageArgs, page) if isinstance(page, Mapping) else {}
    return _present({**flags, "course": _course_id(source), "adopt": mitx.get("adopt")})


def program(entry: Entry) -> Properties:
    """mitxonline:Program: its fields, and its requirements as two ordered lists."""
    requirements = entry.get("requirements")
    declared = requirements if isinstance(requirements, Mapping) else {}
    return _present(
        {
            **_shared(ProgramArgs, entry),
            "required": declared.get("required"),
            "elective": declared.get("elective"),
        }
    )


def program_courses(entry: Entry) -> list[str]:
    """Every course of a program entry, required then elective, as written."""
    requirements = entry.get("requirements")
    declared = requirements if isinstance(requirements, Mapping) else {}
    return [*(declared.get("required") or []), *(declared.get("elective") or [])]


def organization(entry: Entry) -> Properties:
    """mitxonline:Organization: the stack-file entry's fields are the resource's."""
    return _shared(OrganizationArgs, entry)


# The organization's fields a contract carries for the import that may create the
# organization (docs/platforms/mitxonline.md §5): contract property -> organization entry field.
CONTRACT_ORGANIZATION_FIELDS = {
    "organization_name": "name",
    "org_key_prefix": "org_key_prefix",
    "sso_organization_id": "sso_organization_id",
}


def contract(entry: Entry, organization: Entry | None) -> Properties:
    """mitxonline:Contract: the entry's own fields and, when its organization is declared,
    that organization's fields the import needs. An undeclared organization is the
    catalog's to report; its fields are then left out, not made up."""
    props = {k: v for k, v in _shared(ContractArgs, entry).items() if k not in CONTRACT_ORGANIZATION_FIELDS}
    owner = organization or {}
    props.update(_present({prop: owner.get(field) for prop, field in CONTRACT_ORGANIZATION_FIELDS.items()}))
    return props


def contract_courseware(
    entry: Entry,
    contract_id: pulumi.Input[int],
    contract_active: pulumi.Input[bool],
    existing_source_courses: Sequence[str] = (),
    programs: Mapping[str, Entry] | None = None,
) -> Properties:
    """mitxonline:ContractCourseware: the entry's courses and programs (with the courses
    of each, from the program entries), the contract's id and state as its
    mitxonline:Contract has them, and which of the courses this stack does not make."""
    courses = entry.get("courses") or []
    declared_programs = programs or {}
    linked = entry.get("programs") or []
    through = [c for p in linked for c in program_courses(declared_programs.get(p) or {})]
    existing = sorted({course for course in [*courses, *through] if course in set(existing_source_courses)})
    return _present(
        {
            **_shared(ContractCoursewareArgs, entry),
            "program_courses": {p: program_courses(declared_programs.get(p) or {}) for p in linked} or None,
            "contract_id": contract_id,
            "contract_active": contract_active,
            "contract_start": entry.get("start"),
            "contract_end": entry.get("end"),
            "existing_courses": existing or None,
        }
    )


def gets_enrollment_codes(entry: Entry) -> bool:
    """Whether the program registers mitxonline:EnrollmentCodes for a contract entry: it
    has courses or programs (so contract runs) and a membership or price that gets codes."""
    return bool(entry.get("courses") or entry.get("programs")) and rules.gets_codes(
        str(entry.get("membership_type")), entry.get("price")
    )


def enrollment_codes(entry: Entry, contract_id: pulumi.Input[int], run_keys: pulumi.Input[list[str]]) -> Properties:
    """mitxonline:EnrollmentCodes of a contract: its seats and price, for the runs its
    courseware made."""
    return {**_shared(EnrollmentCodesArgs, entry), "contract_id": contract_id, "run_keys": run_keys}
