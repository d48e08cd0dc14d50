"""Stack files that would lose or misplace what learners hold are refused before any
platform call, through the real CLI against the sandbox (issue 14, items 2, 6 and 7).

- A misspelt key (`courseware:catalogue`) no longer reads as an empty catalog that plans
  to delete every resource: it is named, with the key it was probably meant to be.
- A catalog with no entries, for a stack that has resources, is refused unless the stack
  file says `courseware:allowEmptyCatalog: true`.
- A managed contract for an organization without a Keycloak id, and an org key that is
  not upper case, are refused with the reason; an org key differing only in case from an
  existing organization is refused before any write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import STACKS, PulumiProject
from tests.sandbox.helpers import Sandbox

EDX_RUN = "pulumi-python:dynamic/edx:CourseRun"


def source_course(number: str) -> dict[str, Any]:
    """An edX source run only: the quickest entry that makes a resource."""
    return {
        "course_key": f"course-v1:UAI_SOURCE+{number}+SOURCE",
        "title": f"Guarded {number}",
        "start": "2026-01-05T00:00:00Z",
        "end": "2030-12-31T00:00:00Z",
        "mitxonline": None,
    }


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path, STACKS, stack="refused")
    project.use_sandbox(sandbox.info)
    return project


def rename_key(project: PulumiProject, old: str, new: str | None) -> None:
    """Rename (or, with None, drop) a `courseware:` key in the stack file, as a typo would."""
    path = project.root / f"Pulumi.{project.stack}.yaml"
    data = yaml.safe_load(path.read_text())
    value = data["config"].pop(f"courseware:{old}")
    if new is not None:
        data["config"][f"courseware:{new}"] = value
    path.write_text(yaml.safe_dump(data, sort_keys=True))


def platform_calls(sandbox: Sandbox, since: int) -> list[dict[str, Any]]:
    return sandbox.log()[since:]


def test_a_misspelt_or_lost_catalog_deletes_nothing(project: PulumiProject, sandbox: Sandbox) -> None:
    numbers = [Sandbox.unique("G"), Sandbox.unique("H")]
    project.set_config("catalog", {"source_courses": [source_course(n) for n in numbers]})
    project.up()
    assert len(project.resources(EDX_RUN)) == 2

    # `catalogue` for `catalog`: named, with the key meant, and nothing planned.
    rename_key(project, "catalog", "catalogue")
    before = len(sandbox.log())
    preview = project.preview(expect=None)
    assert preview.exit_code != 0, preview
    text = preview.stdout + preview.stderr
    assert "courseware:catalogue" in text and "did you mean `courseware:catalog`?" in text, text
    assert "Traceback" not in text and "delete" not in text, text
    # `up --skip-preview` stops the same way: both runs still exist, no call was made.
    up = project.up(expect=None)
    assert up.exit_code != 0 and "courseware:catalogue" in up.stdout + up.stderr, up
    assert len(project.resources(EDX_RUN)) == 2
    assert platform_calls(sandbox, before) == []

    # The catalog lost altogether: every resource would go, so it is refused too.
    rename_key(project, "catalogue", None)
    preview = project.preview(expect=None)
    assert preview.exit_code != 0, preview
    text = preview.stdout + preview.stderr
    assert "declares nothing, and this stack manages 2 resource(s)" in text, text
    assert "courseware:allowEmptyCatalog: true" in text, text
    up = project.up(expect=None)
    assert up.exit_code != 0, up
    assert len(project.resources(EDX_RUN)) == 2
    assert platform_calls(sandbox, before) == []

    # Said explicitly in the stack file, the same empty catalog plans the two deletions.
    project.set_config("allowEmptyCatalog", "true")
    digest = project.preview_json()
    deleted = [
        step["urn"] for step in digest["steps"] if step["op"] == "delete" and EDX_RUN.split("/")[1] in step["urn"]
    ]
    assert len(deleted) == 2, digest["steps"]


def test_a_managed_contract_without_keycloak_id_is_refused(project: PulumiProject, sandbox: Sandbox) -> None:
    org = Sandbox.unique("SSO").upper()
    number = Sandbox.unique("M")
    project.set_config(
        "catalog",
        {
            "source_courses": [{**source_course(number), "mitxonline": {}}],
            "organizations": [{"org_key": org, "name": f"{org} University"}],
            "contracts": [
                {
                    "organization": org,
                    "name": f"{org} Contract",
                    "membership_type": "managed",
                    "courses": [f"course-v1:UAI_SOURCE+{number}"],
                }
            ],
        },
    )
    before = len(sandbox.log())
    up = project.up(expect=None)
    assert up.exit_code != 0, up
    text = up.stdout + up.stderr
    assert "catalog.contracts[0].membership_type" in text, text
    assert "no sso_organization_id" in text and "no command can add it later" in text, text
    assert "Traceback" not in text, text
    assert platform_calls(sandbox, before) == []


def test_org_keys_are_upper_case_and_unique_whatever_the_case(project: PulumiProject, sandbox: Sandbox) -> None:
    org = Sandbox.unique("CASE").upper()
    number = Sandbox.unique("K")
    course = f"course-v1:UAI_SOURCE+{number}"

    def catalog(org_key: str) -> dict[str, Any]:
        return {
            "source_courses": [{**source_course(number), "mitxonline": {}}],
            "organizations": [{"org_key": org_key, "name": f"{org} Partner"}],
            "contracts": [
                {
                    "organization": org_key,
                    "name": f"{org} Contract",
                    "membership_type": "code",
                    "max_learners": 2,
                    "courses": [course],
                }
            ],
        }

    # `nwp` for `NWP`: refused in the stack file, with the platform's form.
    project.set_config("catalog", catalog(org.lower()))
    before = len(sandbox.log())
    preview = project.preview(expect=None)
    assert preview.exit_code != 0, preview
    text = preview.stdout + preview.stderr
    assert f"org keys are upper case in MITx Online: write '{org}'" in text, text
    assert platform_calls(sandbox, before) == []

    # An organization made by hand with the lower-case key: the upper-case declaration
    # would be a second organization beside it. Refused before any write.
    made = sandbox.manage(
        "b2b_contract", "create", f"{org} Partner", "Hand-made", "code", "--create", "--org-key", org.lower()
    )
    assert made.returncode == 0, made.stderr
    project.set_config("catalog", catalog(org))
    before = len(sandbox.log())
    up = project.up(expect=None)
    assert up.exit_code != 0, up
    text = up.stdout + up.stderr
    assert f"MITx Online already has organization '{org.lower()}'" in text, text
    assert "differs from it only in case" in text and "Traceback" not in text, text
    writes = [
        e["argv"][:2]
        for e in platform_calls(sandbox, before)
        if e["kind"] == "command" and e["argv"][:2] in (["b2b_contract", "import"], ["b2b_courseware", "add"])
    ]
    assert writes == [], writes
