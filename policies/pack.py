"""The courseware policies as pulumi-policy objects (the pack is `__main__.py`).

Kept apart from `__main__.py`, whose `PolicyPack(...)` starts a server and blocks, so
tests can import the policies and call each one's `validate` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

Validator = Callable[[ResourceValidationArgs, ReportViolation], None]


def _on(resource_type: str, rule: Callable[[Any], list[str]]) -> Validator:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type == resource_type:
            for message in rule(args.props):
                report(message)

    return validate


def _protected_contract(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == rules.CONTRACT:
        for message in rules.contract_is_protected(bool(args.opts.protect), args.props):
            report(message)


def _programs_sold(args: StackValidationArgs, report: ReportViolation) -> None:
    for message in rules.programs_in_contracts_have_required_source((r.resource_type, r.props) for r in args.resources):
        report(message)


def _live_pages(args: StackValidationArgs, report: ReportViolation) -> None:
    for message in rules.live_courses_have_published_pages((r.resource_type, r.props) for r in args.resources):
        report(message)


POLICIES = [
    ResourceValidationPolicy(
        name="source-run-conventions",
        description="A source run uses an organization ending in _SOURCE and the run SOURCE.",
        enforcement_level=EnforcementLevel.ADVISORY,
        validate=_on(rules.MITX_RUN, rules.source_run_conventions),
    ),
    ResourceValidationPolicy(
        name="code-contract-seat-limit",
        description="A code contract sets max_learners; otherwise its codes are effectively unlimited.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_on(rules.CONTRACT, rules.code_contract_has_seat_limit),
    ),
    ResourceValidationPolicy(
        name="run-dates-ordered",
        description="An edX run's dates are in order: start before end, enrollment inside the run.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_on(rules.EDX_RUN, rules.run_dates_ordered),
    ),
    ResourceValidationPolicy(
        name="contract-dates-ordered",
        description="A contract starts before it ends.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_on(rules.CONTRACT, rules.contract_dates_ordered),
    ),
    ResourceValidationPolicy(
        name="contract-never-replaced",
        description="A contract is protected, so the engine never replaces or deletes it (MITx Online can only "
        "make it inactive, forever).",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_protected_contract,
    ),
    ResourceValidationPolicy(
        name="contract-course-removal",
        description="A course (or a program with remove_program_runs) removed from a contract retires its runs "
        "and deletes their unused enrollment codes.",
        enforcement_level=EnforcementLevel.ADVISORY,
        validate=_on(rules.COURSEWARE, rules.course_removal_is_deliberate),
    ),
    StackValidationPolicy(
        name="program-in-contract-has-required-source",
        description="A program sold to a contract has at least one required course with a source run.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_programs_sold,
    ),
    StackValidationPolicy(
        name="live-course-has-published-page",
        description="A live MITx Online course has a live CMS page.",
        enforcement_level=EnforcementLevel.ADVISORY,
        validate=_live_pages,
    ),
]
