"""Field types shared by the stack-file schema and the resources' declared models.

Each type normalises and validates one value on its own, so it can be used both by the
catalog (whole stack file) and by a resource's per-field check (docs/platforms/pulumi.md
§3: during preview some fields are unknown).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from provider import rules
from provider.edx.keys import CourseKey
from provider.errors import InvalidCourseKey


def _course_run_key(value: str) -> str:
    try:
        key = CourseKey.parse(value)
    except InvalidCourseKey as exc:
        raise ValueError(str(exc)) from None
    # opaque-keys accepts Unicode letters (docs/platforms/edx.md §3), but edX ships with
    # FEATURES['ALLOW_UNICODE_COURSE_ID'] off and the Studio UI refuses them (docs/platforms/edx.md §3), and
    # MITx Online builds contract run keys from these parts: a declared key stays ASCII.
    if not value.isascii():
        bad = "".join(sorted({c for c in value if not c.isascii()}))
        raise ValueError(f"{value!r} contains {bad!r}; course keys use ASCII letters, digits and _ - ~ . : only")
    return str(key)


def _course_id(value: str) -> str:
    """A MITx Online course readable id: `course-v1:{org}+{number}`, no run part."""
    try:
        key = CourseKey.parse(f"{value}+RUN")
        if not value.isascii():
            raise InvalidCourseKey(value)
    except InvalidCourseKey:
        raise ValueError(
            f"{value!r} is not a MITx Online course id; write course-v1:ORG+NUMBER, "
            "for example course-v1:UAI_SOURCE+A.0001x"
        ) from None
    return f"course-v1:{key.org}+{key.number}"


_PRINTABLE_NAME = re.compile(r"[^\x00-\x1f\x7f]+\Z")


def _single_line(value: str) -> str:
    # Names become command arguments; a newline or control character there would be
    # read differently by the command than by the operator (docs/platforms/mitxonline.md §5).
    if not value.strip():
        raise ValueError("cannot be blank")
    if not _PRINTABLE_NAME.match(value):
        raise ValueError("must be one line of printable text (no newlines, tabs or control characters)")
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
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
