"""No secret in clear anywhere after applying every shipped stack (issue 8, item 4).

The `sandbox` stack covers all workflows; the workflow stacks are applied after it on
the same sandbox (they declare the same objects, so they adopt them). Then neither
`pulumi stack export`, nor any CLI output, nor the provider's logs (its stderr, which
the CLI passes through, docs/platforms/pulumi.md §2) may hold the edX client secret, the
MITx Online API key, a JWT or an enrollment code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.harness import STACKS, PulumiProject
from tests.sandbox.helpers import Sandbox

# uai-source first: the contract stacks need its source course (stack file comments);
# program-contract declares its own.
ORDER = ["sandbox", "uai-source", "idp-contract", "codes-contract", "single-course", "program-contract"]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")


def test_no_secret_in_state_outputs_or_logs(tmp_path: Path, fresh_sandbox: Sandbox) -> None:
    assert sorted(ORDER) == sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml"))
    texts: list[str] = []
    codes: set[str] = set()
    for stack in ORDER:
        project = PulumiProject(tmp_path / stack, STACKS, stack=stack, stack_file=STACKS / f"Pulumi.{stack}.yaml")
        project.use_sandbox(fresh_sandbox.info)
        runs = [project.up()]
        if stack == "sandbox":
            # A refresh reads every code back (the secret output's read path) and logs it.
            runs += [project.refresh(), project.preview("--diff")]
        for result in runs:
            texts += [result.stdout, result.stderr]
        texts.append(json.dumps(project.export()))
        texts.append(json.dumps(project.outputs()))
        for name, value in project.outputs(show_secrets=True).items():
            if name.startswith("codes:"):
                codes |= {row["code"] for row in value}
    # What the search looks for must exist, or the test could not fail.
    assert len(codes) >= 30, codes
    secrets = {
        "edX client secret": fresh_sandbox.info["edx_client_secret"],
        "MITx Online API key": fresh_sandbox.info["mitxonline_api_key"],
    }
    everything = "\n".join(texts)
    for what, value in secrets.items():
        assert value not in everything, f"the {what} leaked"
    assert JWT.search(everything) is None, "a JWT leaked"
    leaked = sorted(code for code in codes if code in everything)
    assert leaked == [], f"enrollment codes in clear: {leaked[:5]}"
