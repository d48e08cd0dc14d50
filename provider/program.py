"""The resources of a validated catalog: one component per source course and per contract.

`stacks/__main__.py` calls `build()`, a thin loop over the catalog. The components only
wire resources together; every rule lives in the catalog (`provider/catalog.py`) or in
the resources' own `check`.

    SourceCourse      edx:CourseRun
                      └─ mitxonline:Course, mitxonline:CourseRun (source run), mitxonline:CoursePage
    Organization      mitxonline:Organization
    B2BContract       mitxonline:Contract
                      └─ mitxonline:ContractCourseware (needs the source runs of its courses)
                         └─ mitxonline:EnrollmentCodes (code or priced contracts only)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pulumi

from provider import catalog as schema
from provider.edx.course_run import CourseRun as EdxCourseRun
from provider.edx.keys import CourseKey
from provider.errors import DeclarationError
from provider.mitxonline.contract import Contract
from provider.mitxonline.contract_courseware import ContractCourseware
from provider.mitxonline.course import Course
from provider.mitxonline.course_page import CoursePage
from provider.mitxonline.course_run import CourseRun as MitxCourseRun
from provider.mitxonline.enrollment_codes import EnrollmentCodes
from provider.mitxonline.organization import Organization
from provider.sdk_tuning import tune_sdk

COMPONENT = "courseware:catalog"


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _iso_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else _iso(value)


class SourceCourse(pulumi.ComponentResource):
    """An edX source run and, when declared, its MITx Online course, source run and page."""

    edx_run: EdxCourseRun
    mitxonline_run: MitxCourseRun | None

    def __init__(self, entry: schema.SourceCourse, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{COMPONENT}:SourceCourse", entry.course_key, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.edx_run = EdxCourseRun(
            entry.course_key,
            course_key=entry.course_key,
            title=entry.title,
            start=_iso(entry.start),
            end=_iso(entry.end),
            enrollment_start=_iso_or_none(entry.enrollment_start),
            enrollment_end=_iso_or_none(entry.enrollment_end),
            pacing=entry.pacing,
            source_key=entry.source_key,
            on_delete=entry.on_delete,
            adopt=entry.adopt,
            opts=child,
        )
        self.mitxonline_run = None
        outputs: dict[str, Any] = {"edx_run": self.edx_run.course_key}
        mitx = entry.mitxonline
        if mitx is not None:
            # The course takes the run's title when it is created; MITx Online has no command
            # that changes it later (spec/mitxonline.md §2), so a later title change is the
            # edX run's alone and must not make the course refuse the plan.
            page_flags = None if mitx.page is None else mitx.page.model_dump(mode="json")
            course = Course(
                entry.course_id,
                readable_id=entry.course_id,
                title=entry.title,
                live=mitx.live,
                adopt=mitx.adopt,
                # A missing course is made as the runbook makes it: one import_courserun
                # of this run creates course, run and page (docs/decisions.md §12).
                import_run={
                    "courseware_id": entry.course_key,
                    "run_tag": CourseKey.parse(entry.course_key).run,
                    "is_source_run": mitx.is_source_run,
                    "page": page_flags,
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.edx_run], ignore_changes=["title"]),
            )
            # MITx Online copies title, dates and pacing from edX (spec/mitxonline.md §8):
            # they are declared once, in this catalog entry, for both runs. Plain values,
            # not the edX run's outputs: a preview then shows the MITx Online copy's change
            # too, and a large catalog does not pay for an Output chain per field (the
            # edX run's PATCH makes its outputs equal to these values anyway).
            self.mitxonline_run = MitxCourseRun(
                entry.course_key,
                courseware_id=entry.course_key,
                course=entry.course_id,
                run_tag=CourseKey.parse(entry.course_key).run,
                is_source_run=mitx.is_source_run,
                live=mitx.live,
                title=entry.title,
                start_date=_iso(entry.start),
                end_date=_iso(entry.end),
                enrollment_start=_iso_or_none(entry.enrollment_start),
                enrollment_end=_iso_or_none(entry.enrollment_end),
                is_self_paced=entry.pacing == "self_paced",
                adopt=mitx.adopt,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.edx_run, course]),
            )
            outputs["mitxonline_course"] = course.readable_id
            if mitx.page is not None:
                page = CoursePage(
                    entry.course_id,
                    course=entry.course_id,
                    live=mitx.page.live,
                    include_in_learn_catalog=mitx.page.include_in_learn_catalog,
                    ingest_content_files_for_ai=mitx.page.ingest_content_files_for_ai,
                    adopt=mitx.adopt,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[course, self.mitxonline_run]),
                )
                outputs["page_live"] = page.live
        self.register_outputs(outputs)


class B2BContract(pulumi.ComponentResource):
    """A contract, its courseware (the contract runs cloned in edX) and its enrollment codes."""

    def __init__(
        self,
        entry: schema.Contract,
        organization: schema.Organization,
        organization_resource: Organization,
        source_runs: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{entry.organization}/{entry.name}"
        super().__init__(f"{COMPONENT}:B2BContract", name, None, opts)
        price = None if entry.price is None else f"{entry.price:.2f}"
        contract = Contract(
            name,
            organization=entry.organization,
            organization_name=organization.name,
            contract_name=entry.name,
            membership_type=entry.membership_type,
            org_key_prefix=organization.org_key_prefix,
            sso_organization_id=organization.sso_organization_id,
            slug=entry.slug,
            description=entry.description,
            start=None if entry.start is None else entry.start.isoformat(),
            end=None if entry.end is None else entry.end.isoformat(),
            max_learners=entry.max_learners,
            price=price,
            active=entry.active,
            adopt=entry.adopt,
            # MITx Online can only make a contract inactive, forever (policies: contract-never-replaced).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[organization_resource], protect=entry.protect),
        )
        # What learners hold (the contract runs and their enrollment codes) is protected
        # with its contract: the engine deletes children first, so protecting the contract
        # alone let `destroy` or a bad `up --skip-preview` run `b2b_courseware remove`
        # (retiring the runs and deleting every unused code) before it stopped at the
        # contract. Dropping a course stays an update, which protection does not block.
        held = entry.protect
        outputs: dict[str, Any] = {"contract_id": contract.contract_id, "slug": contract.slug}
        if entry.courses:
            courseware = ContractCourseware(
                name,
                contract_id=contract.contract_id,
                courses=list(entry.courses),
                contract_active=contract.active,
                contract_start=None if entry.start is None else entry.start.isoformat(),
                contract_end=None if entry.end is None else entry.end.isoformat(),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[contract, *source_runs], protect=held),
            )
            outputs["run_keys"] = courseware.run_keys
            if entry.membership_type == "code" or (entry.price or Decimal(0)) > 0:
                codes = EnrollmentCodes(
                    name,
                    contract_id=contract.contract_id,
                    membership_type=entry.membership_type,
                    run_keys=courseware.run_keys,
                    max_learners=entry.max_learners,
                    price=price,
                    adopt=entry.adopt,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[courseware], protect=held),
                )
                outputs["code_count"] = codes.count
                outputs["codes"] = codes.codes
        self.outputs = outputs
        self.register_outputs(outputs)


def build(config: pulumi.Config) -> None:
    """Validate the stack's catalog, then register its resources and export a summary."""
    # Two SDK costs that dominate a large no-op preview (provider/sdk_tuning.py).
    tune_sdk()
    try:
        catalog = schema.load_catalog(config.get_object("catalog"))
    except DeclarationError as error:
        # A RunError is shown as a plain message, without a Python traceback, and ends
        # the program before any resource is registered.
        raise pulumi.RunError(f"the stack file is invalid.\n{error}") from None

    source_runs: dict[str, list[pulumi.Resource]] = {}
    for source in catalog.source_courses:
        component = SourceCourse(source)
        if component.mitxonline_run is not None:
            source_runs.setdefault(source.course_id, []).append(component.mitxonline_run)
        pulumi.export(f"source_course:{source.course_key}", component.edx_run.course_key)

    organizations: dict[str, tuple[schema.Organization, Organization]] = {}
    for org in catalog.organizations:
        organizations[org.org_key] = (
            org,
            Organization(
                org.org_key,
                org_key=org.org_key,
                organization_name=org.name,
                sso_organization_id=org.sso_organization_id,
                org_key_prefix=org.org_key_prefix,
                adopt=org.adopt,
            ),
        )

    for declared in catalog.contracts:
        org, org_resource = organizations[declared.organization]
        runs = [run for course_id in declared.courses for run in source_runs.get(course_id, [])]
        contract = B2BContract(declared, org, org_resource, runs)
        label = f"{declared.organization}/{declared.name}"
        pulumi.export(f"contract:{label}", {k: v for k, v in contract.outputs.items() if k != "codes"})
        if "codes" in contract.outputs:
            pulumi.export(f"codes:{label}", pulumi.Output.secret(contract.outputs["codes"]))
