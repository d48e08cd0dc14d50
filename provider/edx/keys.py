"""Course keys: `course-v1:{org}+{number}+{run}` (docs/platforms/edx.md §3).

Each part is non-empty and made of Unicode letters and digits, `_`, `-`, `~`, `.` and
`:` (opaque-keys' ALLOWED_ID_CHARS, docs/platforms/edx.md §3). Declarations must use the new-style form;
deprecated `Org/Number/Run` keys are refused because the Studio API answers 500 for
some of their spellings (docs/platforms/edx.md §6) and MITx Online never uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Defined with every other error; imported here under its old home, where callers and
# pickled state may still look for it.
from provider.errors import InvalidCourseKey as InvalidCourseKey

NAMESPACE = "course-v1"
# `\w` with str patterns is Unicode-aware, as opaque-keys' re.UNICODE match is.
_PART = re.compile(r"[\w\-~.:]+\Z")
_EXAMPLE = "course-v1:MITx+6.00x+1T2026"


def check_part(name: str, value: str) -> str:
    """`value` if it is a valid org, number or run; raises InvalidCourseKey otherwise."""
    if not value:
        raise InvalidCourseKey(f"the {name} part of a course key cannot be empty")
    if not _PART.match(value):
        bad = sorted({c for c in value if not _PART.match(c)})
        raise InvalidCourseKey(
            f"the {name} {value!r} contains {''.join(bad)!r}; use only letters, digits and _ - ~ . : "
            "(no spaces, +, / or @)"
        )
    return value


@dataclass(frozen=True)
class CourseKey:
    org: str
    number: str
    run: str

    def __post_init__(self) -> None:
        check_part("org", self.org)
        check_part("number", self.number)
        check_part("run", self.run)

    @classmethod
    def parse(cls, text: str) -> CourseKey:
        namespace, sep, rest = text.partition(":")
        if not sep or namespace != NAMESPACE:
            raise InvalidCourseKey(f"{text!r} is not a course key; write it as {_EXAMPLE}")
        parts = rest.split("+")
        if len(parts) != 3:
            raise InvalidCourseKey(
                f"{text!r} has {len(parts)} part(s) after 'course-v1:'; write org+number+run, e.g. {_EXAMPLE}"
            )
        return cls(*parts)

    def __str__(self) -> str:
        return f"{NAMESPACE}:{self.org}+{self.number}+{self.run}"

    @property
    def course_id(self) -> str:
        """The course this run belongs to, as MITx Online names it (`course-v1:{org}+{number}`)."""
        return f"{NAMESPACE}:{self.org}+{self.number}"

    def same_as(self, other: CourseKey) -> bool:
        """Studio treats keys that differ only in case as the same run (docs/platforms/edx.md §3)."""
        return str(self).casefold() == str(other).casefold()
