"""The resources of a validated catalog: one component per source course and per contract.

`stacks/__main__.py` calls `build()`, a thin loop over the catalog. The components only
wire resources together: each resource's properties come from its entry through
`provider/properties.py` (the mapping the catalog checks too), and every rule lives in
the catalog (`provider/catalog.py`) or in the resources' own `check`.

    SourceCourse      edx:CourseRun
                      └─ mitxonline:Course, mitxonline:CourseRun (source run), mitxonline:CoursePage
    Program           mitxonline:Program (needs the courses it requires)
    Organization      mitxonline:Organization
    B2BContract       mitxonline:Contract
                      └─ mitxonline:ContractCourseware (needs the source runs of its courses,
                         and its programs)
                         └─ mitxonline:EnrollmentCodes (code or priced contracts only)
"""

from __future__ import annotations

from typing import Any

import pulumi

from provider import catalog as schema
from provider import properties
from provider.destroy_guard import DestroyGuard
from provider.edx.course_run import CourseRun as EdxCourseRun
from provider.errors import ProviderError
from provider.mitxonline.contract import Contract
from provider.mitxonline.contract_courseware import ContractCourseware
from provider.mitxonline.course import Course
from provider.mitxonline.course_page import CoursePage
from provider.mitxonline.course_run import CourseRun as MitxCourseRun
from provider.mitxonline.enrollment_codes import EnrollmentCodes
from provider.mitxonline.organization import Organization
from provider.mitxonline.program import Program
from provider.reports import IS_SOURCE_RUN
from provider.sdk_tuning import tune_sdk
from provider.stack_config import checked_catalog

COMPONENT = "courseware:catalog"
DESTROY_GUARD = "destroy-guard"


class SourceCourse(pulumi.ComponentResource):
    """An edX source run and, when declared, its MITx Online course, source run and page."""

    edx_run: EdxCourseRun
    mitxonline_run: MitxCourseRun | None

    def __init__(self, entry: schema.SourceCourse, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{COMPONENT}:SourceCourse", entry.course_key, None, opts)
        declared = entry.model_dump(mode="json")
        self.edx_run = EdxCourseRun(
            entry.course_key, opts=pulumi.ResourceOptions(parent=self), **properties.edx_course_run(declared)
        )
        self.mitxonline_run = None
        mitx = entry.mitxonline
        if mitx is not None:
            # The course takes the run's title when it is created; MITx Online has no command
            # that changes it later (docs/platforms/mitxonline.md §1), so a later title change is the
            # edX run's alone and must not make the course refuse the plan.
            course = Course(
                entry.course_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.edx_run], ignore_changes=["title"]),
                **properties.mitxonline_course(declared),
            )
            # MITx Online copies title, dates and pacing from edX (docs/platforms/mitxonline.md §10):
            # they are declared once, in this catalog entry, for both runs. Plain values,
            # not the edX run's outputs: a preview then shows the MITx Online copy's change
            # too, and a large catalog does not pay for an Output chain per field (the
            # edX run's PATCH makes its outputs equal to these values anyway).
            self.mitxonline_run = MitxCourseRun(
                entry.course_key,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.edx_run, course]),
                **properties.mitxonline_course_run(declared),
            )
            if mitx.page is not None:
                CoursePage(
                    entry.course_id,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[course, self.mitxonline_run]),
                    **properties.mitxonline_course_page(declared),
                )
        # No `register_outputs`: see `B2BContract`.


class B2BContract(pulumi.ComponentResource):
    """A contract, its courseware (the contract runs cloned in edX) and its enrollment codes."""

    def __init__(
        self,
        entry: schema.Contract,
        organization: schema.Organization,
        organization_resource: Organization,
        source_runs: list[pulumi.Resource],
        existing_source_courses: list[str],
        programs: dict[str, tuple[schema.Program, Program]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{entry.organization}/{entry.name}"
        super().__init__(f"{COMPONENT}:B2BContract", name, None, opts)
        declared = entry.model_dump(mode="json")
        contract = Contract(
            name,
            # MITx Online can only make a contract inactive, forever (policies: contract-never-replaced).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[organization_resource], protect=entry.protect),
            **properties.contract(declared, organization.model_dump(mode="json")),
        )
        # What learners hold (the contract runs and their enrollment codes) is protected
        # with its contract: the engine deletes children first, so protecting the contract
        # alone let `destroy` or a bad `up --skip-preview` run `b2b_courseware remove`
        # (retiring the runs and deleting every unused code) before it stopped at the
        # contract. Dropping a course stays an update, which protection does not block.
        held = entry.protect
        # The membership type says why a contract has no codes (`courseware codes`).
        outputs: dict[str, Any] = {
            "contract_id": contract.contract_id,
            "slug": contract.slug,
            "membership_type": entry.membership_type,
        }
        if entry.courses or entry.programs:
            linked = [programs[p] for p in entry.programs]
            courseware = ContractCourseware(
                name,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[contract, *source_runs, *(resource for _, resource in linked)],
                    protect=held,
                ),
                **properties.contract_courseware(
                    declared,
                    contract.contract_id,
                    contract.active,
                    existing_source_courses,
                    {p.readable_id: p.model_dump(mode="json") for p, _ in linked},
                ),
            )
            outputs["run_keys"] = courseware.run_keys
            if properties.gets_enrollment_codes(declared):
                codes = EnrollmentCodes(
                    name,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[courseware], protect=held),
                    **properties.enrollment_codes(declared, contract.contract_id, courseware.run_keys),
                )
                outputs["code_count"] = codes.count
                outputs["codes"] = codes.codes
        # What the program exports. Not registered as the component's outputs: nothing
        # reads a component's outputs (the stack's outputs are what operators and
        # `courseware codes` read), and each registration is one more write of the whole
        # state, late in a first `up` when the state is largest (docs/benchmarks.md,
        # issue 27), with one more copy of the codes' ciphertext in it.
        self.outputs = outputs


def build(config: pulumi.Config) -> None:
    """Validate the stack's catalog, then register its resources and export a summary."""
    # Two SDK costs that dominate a large no-op preview (provider/sdk_tuning.py).
    tune_sdk()
    try:
        # Unknown `courseware:` keys and an empty catalog for a stack with resources are
        # refused first (provider/stack_config.py).
        catalog = schema.load_catalog(checked_catalog(config))
    except ProviderError as error:
        # A RunError is shown as a plain message, without a Python traceback, and ends
        # the program before any resource is registered. Its first line is the first
        # problem (errors.problems_first): the line a reader sees after `error:`.
        raise pulumi.RunError(error.render()) from None

    # Everything the destroy guard depends on: every resource of the stack.
    registered: list[pulumi.Resource] = []
    source_runs: dict[str, list[pulumi.Resource]] = {}
    for source in catalog.source_courses:
        component = SourceCourse(source)
        registered.append(component)
        if component.mitxonline_run is not None:
            source_runs.setdefault(source.course_id, []).append(component.mitxonline_run)
        pulumi.export(f"source_course:{source.course_key}", component.edx_run.course_key)
        if component.mitxonline_run is not None:
            # No MITx Online API shows the flag (docs/platforms/mitxonline.md §6): `courseware
            # summary` shows the value this stack set, from this output.
            pulumi.export(f"{IS_SOURCE_RUN}{source.course_key}", component.mitxonline_run.is_source_run)

    programs: dict[str, tuple[schema.Program, Program]] = {}
    for program in catalog.programs:
        # A program's courses exist before it names them (`write_program` looks them up).
        needs = [
            run
            for course in properties.program_courses(program.model_dump(mode="json"))
            for run in source_runs.get(course, [])
        ]
        resource = Program(
            program.readable_id,
            opts=pulumi.ResourceOptions(depends_on=needs),
            **properties.program(program.model_dump(mode="json")),
        )
        programs[program.readable_id] = (program, resource)
        registered.append(resource)
        pulumi.export(f"program:{program.readable_id}", resource.program_id)

    organizations: dict[str, tuple[schema.Organization, Organization]] = {}
    for org in catalog.organizations:
        organizations[org.org_key] = (
            org,
            Organization(org.org_key, **properties.organization(org.model_dump(mode="json"))),
        )
        registered.append(organizations[org.org_key][1])

    for declared in catalog.contracts:
        org, org_resource = organizations[declared.organization]
        runs = [run for course_id in declared.courses for run in source_runs.get(course_id, [])]
        contract = B2BContract(declared, org, org_resource, runs, catalog.existing_source_courses, programs)
        registered.append(contract)
        label = f"{declared.organization}/{declared.name}"
        pulumi.export(f"contract:{label}", {k: v for k, v in contract.outputs.items() if k != "codes"})
        if "codes" in contract.outputs:
            pulumi.export(f"codes:{label}", pulumi.Output.secret(contract.outputs["codes"]))

    # Deleted first by `pulumi destroy`, and refusing while an entry is protected, so a
    # refused destroy deletes nothing (provider/destroy_guard.py).
    labels = {f"{entry.organization}/{entry.name}": entry.protect for entry in catalog.contracts}
    if registered:
        DestroyGuard(
            DESTROY_GUARD,
            opts=pulumi.ResourceOptions(depends_on=registered),
            protected=sorted(label for label, protect in labels.items() if protect),
            declared=sorted(labels),
        )
