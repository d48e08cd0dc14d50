"""Field types shared by the stack-file schema and the resources' declared models.

Each type normalises and validates one value on its own, so it can be used both by the
catalog (whole stack file) and by a resource's per-field check (docs/platforms/pulumi.md
§3: during preview some fields are unknown).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from provider import rules


def _course_run_key(value: str) -> str:
    problem = rules.run_key_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _course_id(value: str) -> str:
    """A MITx Online course readable id: `course-v1:{org}+{number}`, no run part."""
    problem = rules.course_id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _single_line(value: str) -> str:
    # Names become command arguments (docs/platforms/mitxonline.md §5): the command
    # builders ask the same rule, so what passes here passes there.
    problem = rules.name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _org_key(value: str) -> str:
    problem = rules.org_key_problem(value)
    if problem is not None:
        raise ValueError(f"{value!r} is not an org key: {problem}")
    return value


CourseRunKey = Annotated[str, AfterValidator(_course_run_key)]
CourseId = Annotated[str, AfterValidator(_course_id)]
SingleLine = Annotated[str, AfterValidator(_single_line)]
OrgKey = Annotated[str, AfterValidator(_org_key)]
