"""Field types shared by the stack-file schema and the resources' declared models.

Each type normalises and validates one value on its own, so it can be used both by the
catalog (whole stack file) and by a resource's per-field check (docs/platforms/pulumi.md
§3: during preview some fields are unknown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

from provider import rules


def obeying(rule: Callable[[str], str | None]) -> AfterValidator:
    """A validator that refuses a value with the problem `rule` finds (provider/rules.py).

    The command builders ask the same rules (provider/mitxonline/commands.py), so what a
    stack file or a resource's check accepts, the builder accepts too: names become
    command arguments (docs/platforms/mitxonline.md §5)."""

    def validate(value: str) -> str:
        problem = rule(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(validate)


def _org_key_problem(value: str) -> str | None:
    problem = rules.org_key_problem(value)
    return None if problem is None else f"{value!r} is not an org key: {problem}"


CourseRunKey = Annotated[str, obeying(rules.run_key_problem)]
# A MITx Online course readable id: `course-v1:{org}+{number}`, no run part.
CourseId = Annotated[str, obeying(rules.course_id_problem)]
# A MITx Online program readable id: `program-v1:…`.
ProgramId = Annotated[str, obeying(rules.program_id_problem)]
SingleLine = Annotated[str, obeying(rules.name_problem)]
OrgKey = Annotated[str, obeying(_org_key_problem)]
