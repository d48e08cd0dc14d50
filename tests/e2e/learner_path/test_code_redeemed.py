"""A learner's path (issue 29), the end all of this exists for, on the sandbox as
`make acceptance`'s `learner` scenario walks it on a real MITx Online: after the codes
workflow is applied, a new learner redeems one of its codes (the attach behind the codes
CSV's attach link, docs/platforms/mitxonline.md §6), is then a member of the contract and
so of its organization, and enrolls in the contract run; the same code is refused for a
second learner, who cannot enroll either."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

from sandbox.mitxonline.learners import LEARNER_HEADER
from tests.e2e.harness import STACKS, PulumiProject
from tests.e2e.learner_data import courseware
from tests.sandbox.helpers import Sandbox

CONTRACT = "UCODE/University of Enrollment Codes Contract"


def shipped(tmp_path: Path, stack: str, sandbox: Sandbox) -> PulumiProject:
    project = PulumiProject(tmp_path / stack, STACKS, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
    project.use_sandbox(sandbox.info)
    project.up()
    project.preview("--expect-no-changes")
    return project


def test_a_new_learner_redeems_a_code_joins_the_contract_and_enrolls(tmp_path: Path, module_sandbox: Sandbox) -> None:
    shipped(tmp_path, "uai-source", module_sandbox)
    codes = shipped(tmp_path, "codes-contract", module_sandbox)
    contract = codes.outputs()[f"contract:{CONTRACT}"]
    sheet = courseware(codes, "codes", CONTRACT)
    assert sheet.exit_code == 0, sheet
    rows = list(csv.DictReader(io.StringIO(sheet.stdout)))
    code, run = rows[0]["code"], rows[0]["course_run"]
    assert run in contract["run_keys"]

    with httpx.Client(base_url=module_sandbox.info["mitxonline_url"], timeout=30) as client:
        first = {LEARNER_HEADER: "first@example.com"}
        assert client.post(f"/api/v0/b2b/attach/{code}/").status_code == 403  # no learner, no attach
        attached = client.post(f"/api/v0/b2b/attach/{code}/", headers=first)
        assert attached.status_code == 201, attached.text
        [joined] = attached.json()
        assert joined["id"] == contract["contract_id"]
        organization = client.get(
            "/api/v0/b2b/organizations/",
            headers={"Authorization": f"Api-Key {module_sandbox.info['mitxonline_api_key']}"},
        ).json()
        assert joined["organization"] in [
            o["id"] for o in organization if o["name"] == "University of Enrollment Codes"
        ]
        again = client.post(f"/api/v0/b2b/attach/{code}/", headers=first)
        assert again.status_code == 404  # a one-time code, now used (its learner is in already)

        enrolled = client.post(f"/api/v0/b2b/enroll/{run}/", headers=first)
        assert (enrolled.status_code, enrolled.json()["result"]) == (201, "b2b-enroll-success")

        second = {LEARNER_HEADER: "second@example.com"}
        refused = client.post(f"/api/v0/b2b/attach/{code}/", headers=second)
        assert (refused.status_code, refused.json()) == (404, {"detail": "Invalid or expired enrollment code."})
        outsider = client.post(f"/api/v0/b2b/enroll/{run}/", headers=second)
        assert (outsider.status_code, outsider.json()) == (400, {"result": "b2b-error-no-contract"})

    # MITx Online's own count (docs/platforms/mitxonline.md §8): seat limit, assignments,
    # attachments, run count, enrollments, codes, redeemed for attachment, for enrollment.
    stats = module_sandbox.manage("b2b_codes", "output", "--contract", str(contract["contract_id"]), "--stats")
    [row] = [line for line in stats.stdout.splitlines() if line.startswith("\u2502")]
    assert row.replace("\u2502", " ").split() == ["15", "0", "1", "1", "1", "15", "1", "0"], stats.stdout
    codes.preview("--expect-no-changes")  # a redeemed code is not drift
