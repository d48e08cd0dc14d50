"""Rules between fields and about key shapes, each written once.

The resources' `check`, the stack-file catalog, `courseware adopt`, the program and the
policy pack all import these; none keeps a copy (issue 19). Each rule is a plain
function of plain values, so it runs on checked inputs, on stack-file entries and on
policy properties alike. Only the standard library is imported: the policy pack loads
this module in its own process.

    DEFAULT_KEY_PREFIX        the org key prefix MITx Online uses when none is given
    SOURCE_RUN_TAG            the run part of a source run's key, by the runbook's convention
    org_key_problem(key)      why an org key is not the platform's form, or None
    same_key_other_case(...)  the existing org key that differs only in case, or None
    KEY_PREFIX_PATTERN        what an org key prefix may be
    SLUG_PATTERN              what a contract slug may be
    RUN_DATE_ORDER            the order of an edX run's four dates
    CONTRACT_DATE_ORDER       the order of a contract's dates
    dates_out_of_order(...)   the pairs of dates a declaration has in the wrong order
    gets_codes(...)           whether a contract gets enrollment codes
    expected_code_count(...)  how many codes `b2b_codes validate` leaves
    sso_problem(...)          why a contract needs its organization's Keycloak id, or None
    NAME_LIMIT, name_problem  what a name or title may be (one line, no leading '-', ≤255)
    has_control_character(v)  a newline, tab or other control character anywhere in v
    slug_problem(slug)        why a contract slug is not one MITx Online can take, or None
    course_id_problem(id)     why a text is not a MITx Online course id, or None
    run_key_problem(key)      why a text is not a declarable course run key, or None
    run_tag_problem(tag)      why a text is not a run tag, or None
    program_id_problem(id)    why a text is not a MITx Online program readable id, or None
    program_without_required_source(...)  why a program cannot be sold to a contract, or None
    retired_with_program(...) the courses `remove --remove-program-runs` would retire that stay declared
    contract_locked(...)      why MITx Online cannot save a contract today, or None
    codes_per_run(...)        how many codes `b2b_codes validate` keeps per contract run
    seats_lose_codes(...)     whether a seats or price change makes `validate` delete codes
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

# `UAI_COURSEWARE_ID_PREFIX`: the prefix of an organization made without one, and what a
# blank prefix falls back to when contract run keys are built (docs/platforms/mitxonline.md §13).
DEFAULT_KEY_PREFIX = "UAI_"

# The runbook names a source run `SOURCE` (docs/platforms/mitxonline.md §11); no MITx Online read shows
# the source-run flag itself (docs/platforms/mitxonline.md §6), so `courseware adopt` finds source
# runs by this tag, and the policy pack advises it.
SOURCE_RUN_TAG = "SOURCE"

# An org key is part of every contract run's edX key (`{prefix}{org_key}+{number}+...`,
# docs/platforms/mitxonline.md §7) and at most 30 characters (`ORG_KEY_MAX_LENGTH`, docs/platforms/mitxonline.md §13).
# The platform's keys are upper case (`UAI_MIT`, `NWP`); MITx Online's lookups compare
# them exactly, so `nwp` beside `NWP` would be a second organization (issue 14, item 7).
ORG_KEY_MAX_LENGTH = 30
_ORG_KEY = re.compile(r"[A-Z0-9_]+\Z")

# Whole-value patterns, for pydantic's `Field(pattern=...)` (whose `$` is the end of the
# text) and Python's `re.fullmatch`.
KEY_PREFIX_PATTERN = r"^[A-Za-z0-9_]{0,20}$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,255}$"


def matches(pattern: str, value: str) -> bool:
    """`value` is wholly of `pattern`'s form (a trailing newline does not pass for `$`)."""
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None


def org_key_problem(key: str) -> str | None:
    """Why `key` is not an org key in the platform's form (what to write instead), or None."""
    if not key or len(key) > ORG_KEY_MAX_LENGTH or not re.fullmatch(r"[A-Za-z0-9_]+", key):
        return f"use 1 to {ORG_KEY_MAX_LENGTH} upper-case letters, digits or underscores, for example IDPU"
    if not _ORG_KEY.match(key):
        return f"org keys are upper case in MITx Online: write {key.upper()!r}"
    return None


def same_key_other_case(key: str, existing: Iterable[str]) -> str | None:
    """The existing org key that is `key` in another case (never `key` itself), or None."""
    return next((other for other in existing if other != key and other.casefold() == key.casefold()), None)


@dataclass(frozen=True)
class DateOrder:
    """`earlier` must not come after `later` (nor equal it, when `strict`)."""

    earlier: str
    later: str
    strict: bool = False

    def broken(self, values: Mapping[str, object]) -> bool:
        first, second = values.get(self.earlier), values.get(self.later)
        if not isinstance(first, dt.date) or not isinstance(second, dt.date):
            return False
        if isinstance(first, dt.datetime) != isinstance(second, dt.datetime):
            return False  # a date and a date-time are not compared
        return second < first or (self.strict and second == first)


# Studio's UI validators (docs/platforms/edx.md §7); the API checks none of them.
RUN_DATE_ORDER = (
    DateOrder("start", "end", strict=True),
    DateOrder("enrollment_start", "enrollment_end"),
    DateOrder("enrollment_start", "start"),
    DateOrder("enrollment_end", "end"),
)
CONTRACT_DATE_ORDER = (DateOrder("start", "end"),)


def parse_instant(value: object) -> object:
    """A date or date-time from its ISO text (policies see JSON); other values as they are."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def dates_out_of_order(values: Mapping[str, object], order: Iterable[DateOrder]) -> Iterator[DateOrder]:
    """The rules of `order` that `values` (dates, date-times or their ISO text) break."""
    parsed = {name: parse_instant(value) for name, value in values.items()}
    return (rule for rule in order if rule.broken(parsed))


def gets_codes(membership_type: str, price: Decimal | str | None) -> bool:
    """A code contract, or any contract with a price, gets enrollment codes; a free
    managed or auto contract gets none (docs/platforms/mitxonline.md §8)."""
    return membership_type == "code" or bool(Decimal(str(price)) if price is not None else 0)


def expected_code_count(membership_type: str, max_learners: int | None, price: Decimal | None, runs: int) -> int:
    """Codes `b2b_codes validate` leaves: seats x runs, one per run uncapped, none for a
    contract that gets no codes (docs/platforms/mitxonline.md §8)."""
    return runs * codes_per_run(membership_type, max_learners, price)


def sso_problem(membership_type: str, sso_organization_id: str | None) -> str | None:
    """Why a contract cannot be made for an organization without a Keycloak id, or None.

    A `managed` contract takes its learners from the organization's Keycloak members
    (docs/platforms/mitxonline.md §13); without `sso_organization_id` it has none, and no command
    can set the id later: `b2b_contract import` sets it only on an organization it creates
    and the Keycloak sync never links an existing one (docs/platforms/mitxonline.md §5, §13).
    """
    if membership_type != "managed" or sso_organization_id:
        return None
    return (
        "a managed contract takes its learners from the organization's Keycloak members, but the "
        "organization declares no sso_organization_id, and no command can add it later: declare the "
        "organization's sso_organization_id, or use membership_type code"
    )


# ---- names, slugs and keys ---------------------------------------------------------
#
# Names become arguments of management commands; each of these rules is asked by the
# stack-file schema and the resources' `check` (through provider/fields.py) and again by
# the command builders (provider/mitxonline/commands.py), so preview refuses exactly
# what the builder would refuse during `up` (issue 28).

# Wagtail page titles and MITx Online's course, contract and organization names are
# CharField(max_length=255) (docs/platforms/mitxonline.md §1).
NAME_LIMIT = 255
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def has_control_character(value: str) -> bool:
    """A newline, tab or other control character: read differently by a command than by
    the person who wrote it (docs/platforms/mitxonline.md §5)."""
    return _CONTROL_CHARACTER.search(value) is not None


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name or title (what to write instead), or None."""
    if not value.strip():
        return "cannot be blank"
    if has_control_character(value):
        return "must be one line of printable text (no newlines, tabs or control characters)"
    if value != value.strip():
        return "must not start or end with spaces"
    if value.startswith("-"):
        # argparse would read a positional that starts with '-' as an option.
        return "must not start with '-' (a command would read it as an option); start with a letter or digit"
    if len(value) > NAME_LIMIT:
        return f"is {len(value)} characters long; MITx Online keeps at most {NAME_LIMIT}: shorten it"
    return None


def slug_problem(value: str) -> str | None:
    """Why `value` cannot be a contract slug (a Wagtail slug, docs/platforms/mitxonline.md §13), or None."""
    if matches(SLUG_PATTERN, value):
        return None
    return f"{value!r} is not a contract slug; write 1 to 255 letters, digits, - and _, e.g. slug: bigco-codes-2026"


# The characters of each part of a course key: opaque-keys' ALLOWED_ID_CHARS (docs/platforms/edx.md
# §3), kept to ASCII: edX ships with ALLOW_UNICODE_COURSE_ID off and MITx Online builds
# contract run keys from these parts.
_KEY_PART = re.compile(r"[A-Za-z0-9_\-~.:]+")
_KEY_NAMESPACE = "course-v1:"
_RUN_TAG_LIMIT = 100


def _key_problem(value: str, parts: tuple[str, ...], what: str, example: str) -> str | None:
    written = "+".join(parts)
    if not value.startswith(_KEY_NAMESPACE):
        return f"{value!r} is not {what}; write course-v1:{written}, for example {example}"
    found = value.removeprefix(_KEY_NAMESPACE).split("+")
    if len(found) != len(parts):
        return (
            f"{value!r} is not {what}: it has {len(found)} part(s) after 'course-v1:', not {len(parts)}; write "
            f"course-v1:{written}, for example {example}"
        )
    for name, part in zip(parts, found, strict=True):
        if not part:
            return f"the {name.lower()} part of {value!r} cannot be empty; write for example {example}"
        if not _KEY_PART.fullmatch(part):
            bad = "".join(sorted({c for c in part if not _KEY_PART.fullmatch(c)}))
            return (
                f"the {name.lower()} part of {value!r} contains {bad!r}; use only ASCII letters, digits and "
                f"_ - ~ . : in a course key (no spaces, +, / or @), for example {example}"
            )
    return None


def course_id_problem(value: str) -> str | None:
    """Why `value` is not a MITx Online course id (`course-v1:ORG+NUMBER`), or None."""
    return _key_problem(value, ("ORG", "NUMBER"), "a MITx Online course id", "course-v1:UAI_SOURCE+A.0001x")


def run_key_problem(value: str) -> str | None:
    """Why `value` is not a course run key this project declares or passes on, or None."""
    return _key_problem(value, ("ORG", "NUMBER", "RUN"), "a course key", "course-v1:UAI_SOURCE+A.0001x+SOURCE")


_PROGRAM_NAMESPACE = "program-v1:"
_PROGRAM_EXAMPLE = "program-v1:UAI+AI"


def program_id_problem(value: str) -> str | None:
    """Why `value` is not a program readable id (`program-v1:…`), or None.

    `b2b_courseware` resolves an id starting with `program-` as a program, and anything
    else as a run or a course (docs/platforms/mitxonline.md §14); `create_courseware program`
    refuses an id that starts with neither `course` nor `program` unless forced.
    The rest is a URL path part of the program's page, made of the course-key characters.
    """
    if not value.startswith(_PROGRAM_NAMESPACE):
        return f"{value!r} is not a program id; write program-v1:ORG+NAME, for example {_PROGRAM_EXAMPLE}"
    rest = value.removeprefix(_PROGRAM_NAMESPACE)
    parts = rest.split("+")
    if not rest or not all(parts):
        return f"{value!r} has an empty part after 'program-v1:'; write for example {_PROGRAM_EXAMPLE}"
    bad = "".join(sorted({c for c in rest if c != "+" and not _KEY_PART.fullmatch(c)}))
    if bad:
        return (
            f"{value!r} contains {bad!r}; use only ASCII letters, digits and _ - ~ . : and + in a program id "
            f"(no spaces or /), for example {_PROGRAM_EXAMPLE}"
        )
    if len(value) > NAME_LIMIT:
        return f"{value!r} is {len(value)} characters long; MITx Online keeps at most {NAME_LIMIT}: shorten it"
    return None


def program_without_required_source(
    program: str, required: Iterable[str], with_source_run: Iterable[str]
) -> str | None:
    """Why `program` cannot be sold to a contract, or None: `b2b_courseware add` makes a
    contract run only for a course with a source run (docs/platforms/mitxonline.md §14), so
    a program none of whose required courses has one gives learners nothing they must take."""
    sourced = set(with_source_run)
    if any(course in sourced for course in required):
        return None
    return (
        f"program {program} is in a contract but none of its required courses has a source run, so the contract "
        "would get no run of a course the program requires; list a source course (a catalog.source_courses "
        "entry with a source run, or one of existing_source_courses) under its requirements.required"
    )


def retired_with_program(program_courses: Iterable[str], kept_courses: Iterable[str]) -> list[str]:
    """The courses of a program leaving a contract whose runs `b2b_courseware remove
    --remove-program-runs` would retire although the contract still declares them, alone
    or through another program: the command retires every run of the program's courses in
    the contract (docs/platforms/mitxonline.md §14)."""
    kept = set(kept_courses)
    return sorted({course for course in program_courses if course in kept})


def run_tag_problem(value: str) -> str | None:
    """Why `value` is not a run tag (the RUN part of a key, docs/platforms/mitxonline.md §1), or None."""
    if _KEY_PART.fullmatch(value) and len(value) <= _RUN_TAG_LIMIT:
        return None
    return f"{value!r} is not a run tag: use 1 to {_RUN_TAG_LIMIT} ASCII letters, digits and _ - ~ . :"


# ---- what MITx Online can save -----------------------------------------------------


def contract_locked(active: bool | None, start: dt.date | None, end: dt.date | None, today: dt.date) -> str | None:
    """Why MITx Online cannot save this contract today, in words, or None.

    A contract that is inactive, or whose dates do not contain today, fails its own
    `save()` (docs/platforms/mitxonline.md §4): `b2b_contract modify` cannot change it. The
    resource's `check` refuses such a change at preview and its update refuses it again.
    """
    if active is False:
        return "it is inactive, and an inactive contract can never be modified again"
    if start is not None and today < start:
        return f"it starts on {start.isoformat()}, after today ({today.isoformat()})"
    if end is not None and end < today:
        return f"it ended on {end.isoformat()}, before today ({today.isoformat()})"
    return None


def codes_per_run(membership_type: str, max_learners: int | None, price: Decimal | str | None) -> int:
    """The codes `b2b_codes validate` keeps for each contract run: the seats, one for an
    uncapped contract, none for a contract that gets no codes (docs/platforms/mitxonline.md §8)."""
    if not gets_codes(membership_type, price):
        return 0
    return max_learners or 1


def seats_lose_codes(
    membership_type: str,
    old: tuple[int | None, Decimal | str | None],
    new: tuple[int | None, Decimal | str | None],
) -> bool:
    """Whether going from `old` to `new` (max_learners, price) makes `b2b_codes validate`
    keep fewer codes per run: it then deletes the newest unused ones, which may already
    be in learners' hands (docs/platforms/mitxonline.md §8)."""
    return codes_per_run(membership_type, *new) < codes_per_run(membership_type, *old)
