"""Brings one program's title, flags and course requirements to what a stack declares.

No management command changes a program once made: `create_courseware program` makes
one, and `--program --required/--elective` adds only a course it creates itself
(docs/platforms/mitxonline.md §14). MITx Online's own editor of a program is its
admin form (`courses/forms.py: ProgramAdminForm`), which saves the program through the
model's `save()` (validated by `ValidateOnSaveMixin`) and its requirement tree through
`ProgramRequirementTreeSerializer`: a tree of operator nodes ("Required Courses",
"Elective Courses") whose course children keep the order given, existing nodes moved
and nodes left out deleted. This program does what the form does, with the same two
functions, inside one transaction; it never writes a table itself.

It prints one JSON object: `{"changed": [...]}`, the fields it changed.

`print_program` is the read of a program REST does not show: `/api/v2/programs/` hides
b2b-only programs from every caller it can authenticate (docs/platforms/mitxonline.md
§14). It prints the program in the shape of that API's `requirements`, or `null`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

REQUIRED_TITLE = "Required Courses"
ELECTIVE_TITLE = "Elective Courses"


def _operator(existing: Any, *, elective: bool, course_ids: Sequence[int], nodes: dict[int, int]) -> dict[str, Any]:
    """One operator node of the tree the serializer takes, keeping existing node ids."""
    data: dict[str, Any] = {
        "node_type": "operator",
        "operator": "min_number_of" if elective else "all_of",
        "title": ELECTIVE_TITLE if elective else REQUIRED_TITLE,
        "elective_flag": elective,
    }
    if elective:
        # Keep a declared minimum that still fits; at least one elective counts.
        kept = int(existing.operator_value) if existing is not None and existing.operator_value else 1
        data["operator_value"] = str(min(max(kept, 1), len(course_ids)))
    children = [
        {"id": nodes.get(course_id), "data": {"node_type": "course", "course": course_id}} for course_id in course_ids
    ]
    return {"id": None if existing is None else existing.id, "data": data, "children": children}


def tree(root_children: Sequence[Any], required: Sequence[int], elective: Sequence[int]) -> list[dict[str, Any]]:
    """The requirement tree as `ProgramRequirementTreeSerializer` takes it: the required
    operator then the elective one (each only when it has courses), courses in order."""
    operators = {bool(node.elective_flag): node for node in root_children if node.node_type == "operator"}
    nodes: dict[bool, dict[int, int]] = {
        flag: {child.course_id: child.id for child in node.get_children() if child.course_id is not None}
        for flag, node in operators.items()
    }
    return [
        _operator(operators.get(flag), elective=flag, course_ids=course_ids, nodes=nodes.get(flag, {}))
        for flag, course_ids in ((False, required), (True, elective))
        if course_ids
    ]


def write_program(
    readable_id: str, title: str, live: bool, b2b_only: bool, required: Sequence[str], elective: Sequence[str]
) -> None:
    """Set the program's title, live and b2b_only, and its requirements in order."""
    from courses.models import Course, Program, ProgramRequirement
    from courses.serializers.v1.programs import ProgramRequirementTreeSerializer
    from django.db import transaction

    changed: list[str] = []
    with transaction.atomic():
        program = Program.objects.select_for_update().get(readable_id=readable_id)
        for name, value in (("title", title), ("live", live), ("b2b_only", b2b_only)):
            if getattr(program, name) != value:
                setattr(program, name, value)
                changed.append(name)
        if changed:
            program.save()
        courses = {c.readable_id: c.id for c in Course.objects.filter(readable_id__in=[*required, *elective])}
        missing = sorted((set(required) | set(elective)) - set(courses))
        if missing:
            raise ValueError(f"no course {', '.join(missing)} in MITx Online")
        root = program.get_requirements_root(for_update=True)
        if root is None:
            root = ProgramRequirement.add_root(program=program, node_type="program_root")
        wanted = tree(list(root.get_children()), [courses[c] for c in required], [courses[c] for c in elective])
        serializer = ProgramRequirementTreeSerializer(root, context={"program": program}, data=wanted)
        serializer.is_valid(raise_exception=True)
        serializer.save()
    json.dump({"changed": changed}, sys.stdout)


def print_program(readable_id: str) -> None:
    """The program's id, title, flags and courses (required, then electives, in tree
    order, as the model's own properties list them), or `null` when there is none."""
    from courses.models import Program

    program = Program.objects.filter(readable_id=readable_id).first()
    if program is None:
        json.dump(None, sys.stdout)
        return

    def listed(courses: Sequence[Any]) -> list[dict[str, Any]]:
        return [{"id": course.id, "readable_id": course.readable_id} for course in courses]

    shown = {
        "id": program.id,
        "readable_id": program.readable_id,
        "title": program.title,
        "live": program.live,
        "b2b_only": program.b2b_only,
        "requirements": {
            "courses": {"required": listed(program.required_courses), "electives": listed(program.elective_courses)}
        },
    }
    json.dump(shown, sys.stdout)
