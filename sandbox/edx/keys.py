"""Course key grammar (docs/platforms/edx.md §3, §6)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# docs/platforms/edx.md §6: the Studio router's lookup pattern (COURSE_KEY_PATTERN without the named group).
# A path segment that does not match it never reaches the view (Django 404).
URL_KEY_PATTERN = r"[^/+]+(?:/|\+)[^/+]+(?:/|\+)[^/?]+"

# docs/platforms/edx.md §3: ALLOWED_ID_CHARS = [\w\-~.:], matched with re.UNICODE; deprecated keys add `%`.
_PART = re.compile(r"^[\w\-~.:]+\Z", re.UNICODE)
_DEPRECATED_PART = re.compile(r"^[\w\-~.:%]+\Z", re.UNICODE)

# docs/platforms/edx.md §3: CourseKeyField(max_length=255) on CourseOverview, CourseAccessRole, CourseRerunState.
MAX_KEY_LENGTH = 255


class InvalidKeyError(ValueError):
    """opaque_keys.InvalidKeyError."""


@dataclass(frozen=True)
class CourseKey:
    org: str
    course: str
    run: str
    deprecated: bool = False

    def __str__(self) -> str:
        if self.deprecated:
            return f"{self.org}/{self.course}/{self.run}"
        return f"course-v1:{self.org}+{self.course}+{self.run}"

    def asset_url_path(self, name: str) -> str:
        """The path of a course asset, as `course_image_url` builds it (docs/platforms/edx.md §7)."""
        if self.deprecated:
            return f"/c4x/{self.org}/{self.course}/asset/{name}"
        return f"/asset-v1:{self.org}+{self.course}+{self.run}+type@asset+block@{name}"


def make_course_key(org: str, course: str, run: str) -> CourseKey:
    """split `make_course_key`: a new-style key, every part checked against docs/platforms/edx.md §3."""
    for name, value in (("org", org), ("course", course), ("run", run)):
        if not _PART.match(value):
            raise InvalidKeyError(f"Special characters not allowed in field {name}: '{value}'")
    return CourseKey(org, course, run)


def parse_course_key(text: str) -> CourseKey:
    """CourseKey.from_string: `course-v1:O+C+R` or the deprecated `O/C/R`."""
    if text.startswith("course-v1:"):
        parts = text[len("course-v1:") :].split("+")
        if len(parts) != 3:
            raise InvalidKeyError(text)
        return make_course_key(*parts)
    parts = text.split("/")
    if len(parts) == 3 and all(_DEPRECATED_PART.match(part) for part in parts):
        return CourseKey(parts[0], parts[1], parts[2], deprecated=True)
    raise InvalidKeyError(text)
