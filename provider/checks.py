"""The checks of a declaration that need no platform: per-field validation
(provider/declared.py) and the rules between fields (provider/rules.py), for the
resources whose entries the stack file declares.

The resources' `check` runs these first, then what needs their state or the platform
(refused changes, the contract's window today, adoption notes); the stack-file check
(provider/catalog.py) runs these alone, on the properties the program registers, so a
rule between fields is reported with the stack file's other problems and kept once.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from provider import rules
from provider.declared import Checked, check_declared
from provider.edx.keys import CourseKey
from provider.edx.models import CourseRunArgs
from provider.mitxonline.models import ContractArgs, OrganizationArgs, slugify

# The input in which check names the existing object a create will adopt. No read
# observes it (provider/reports.py: PLAN_NOTES).
ADOPTS = "adopts"

KEY_PARTS = ("org", "number", "run")


def _check_key(values: dict[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
    """Complete the key: `course_key` from org/number/run, or the parts from the key."""
    declared_key = values["course_key"]
    parts = {name: values[name] for name in KEY_PARTS}
    if declared_key is None:
        missing = [name for name, value in parts.items() if value is None]
        if len(missing) == len(KEY_PARTS):
            return [CheckFailure("course_key", "declare the run's key, e.g. course_key: course-v1:MITx+6.00x+1T2026")]
        if missing:
            return [
                CheckFailure(name, "declare org, number and run together, or course_key instead") for name in missing
            ]
        key = CourseKey(**parts)
        inputs["course_key"] = str(key)
        return []
    key = CourseKey.parse(declared_key)
    failures = []
    for name, value in parts.items():
        expected = getattr(key, name)
        if value is not None and value != expected:
            failures.append(
                CheckFailure(name, f"{value!r} disagrees with course_key {key}; write {expected!r} or remove it")
            )
        inputs[name] = expected
    return failures


def _check_dates(values: dict[str, Any]) -> list[CheckFailure]:
    """Date order (provider/rules.py). Studio checks it only in its UI, never in the API (docs/platforms/edx.md §7)."""
    failures = []
    for rule in rules.dates_out_of_order(values, rules.RUN_DATE_ORDER):
        first, second = values[rule.earlier], values[rule.later]
        reason = f"must be later than {rule.earlier}" if rule.strict else f"cannot be before {rule.earlier}"
        failures.append(
            CheckFailure(
                rule.later,
                f"{reason} ({rule.later} {second:%Y-%m-%dT%H:%M:%SZ}, {rule.earlier} {first:%Y-%m-%dT%H:%M:%SZ}); "
                "move one of the two dates",
            )
        )
    return failures


def edx_course_run(news: dict[str, Any]) -> Checked:
    """An edx:CourseRun declaration: its fields, its key and source, its dates."""
    checked = check_declared(CourseRunArgs, news)
    values, failures = checked.values, checked.failures
    # The key is completed only when all its fields are known and valid (`values`
    # holds no others); during preview an unknown part just leaves it for the next
    # check (docs/platforms/pulumi.md §3).
    if all(name in values for name in ("course_key", *KEY_PARTS)):
        failures.extend(_check_key(values, checked.inputs))
        source, key = values.get("source_key"), checked.inputs.get("course_key")
        if source is not None and isinstance(key, str) and CourseKey.parse(source).same_as(CourseKey.parse(key)):
            failures.append(CheckFailure("source_key", "is the run itself; name the run to copy from"))
    failures.extend(_check_dates(values))
    return checked


def organization(news: dict[str, Any]) -> Checked:
    """A mitxonline:Organization declaration: its fields."""
    return check_declared(OrganizationArgs, {k: v for k, v in news.items() if k != ADOPTS})


def contract(olds: dict[str, Any], news: dict[str, Any]) -> Checked:
    """A mitxonline:Contract declaration: its fields, its slug (the old one, or one made
    from the name), its date order and its membership against its organization's
    Keycloak id. `olds` are empty for a new contract."""
    checked = check_declared(ContractArgs, {k: v for k, v in news.items() if k != ADOPTS})
    values, inputs, failures = checked.values, checked.inputs, checked.failures
    if news.get("slug") is None and olds.get("slug") is not None:
        # An undeclared slug is the one the contract got when it was made.
        inputs["slug"] = olds["slug"]
    elif news.get("slug") is None and isinstance(values.get("name"), str):
        slug = slugify(values["name"])
        if slug:
            inputs["slug"] = slug
        else:
            failures.append(CheckFailure("slug", "the name makes an empty slug; declare `slug`"))
    for rule in rules.dates_out_of_order(values, rules.CONTRACT_DATE_ORDER):
        failures.append(
            CheckFailure(
                rule.later,
                f"{values[rule.later]} is before {rule.earlier} {values[rule.earlier]}; contracts end after they start",
            )
        )
    if "membership_type" in values and "sso_organization_id" in values:
        sso = rules.sso_problem(values["membership_type"], values["sso_organization_id"])
        if sso is not None:
            failures.append(CheckFailure("membership_type", sso))
    return checked
