"""The enrollment codes are a secret output: the resource asks the engine so on every
registration, and the program exports them only as a secret. Run under the SDK's mocks
(tests/unit/engine_mocks.py), so what is checked is the request `pulumi up` would send;
tests/faults/test_secrets.py proves the same end to end, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import yaml

from provider import program
from provider.mitxonline.enrollment_codes import EnrollmentCodes
from tests.unit.engine_mocks import mocked_engine

REPO = Path(__file__).resolve().parents[3]
CODES_TYPE = "pulumi-python:dynamic/mitxonline:EnrollmentCodes"
RUN_KEY = "course-v1:UAI_BIGCO+A.0001x+1T21C2026"


def _run(body: Any) -> None:
    pulumi.runtime.test(body)()


def test_the_codes_resource_asks_the_engine_to_keep_its_codes_secret() -> None:
    def declare() -> pulumi.Output[Any]:
        codes = EnrollmentCodes("codes", contract_id=21, membership_type="code", max_learners=3, run_keys=[RUN_KEY])
        return codes.urn

    with mocked_engine() as monitor:
        _run(declare)
    [request] = monitor.of_type(CODES_TYPE)
    assert "codes" in request.additionalSecretOutputs
    # The count is what reports and the summary show: it stays readable.
    assert "count" not in request.additionalSecretOutputs


def test_the_program_exports_codes_only_as_secrets() -> None:
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.sandbox.yaml").read_text())
    catalog = stack["config"]["courseware:catalog"]
    code_contracts = [c for c in catalog["contracts"] if c["membership_type"] == "code"]
    exported: dict[str, Any] = {}

    def declare() -> pulumi.Output[Any]:
        original = pulumi.export
        pulumi.export = lambda name, value: exported.__setitem__(name, value)  # type: ignore[assignment]
        try:
            program.build(pulumi.Config())
        finally:
            pulumi.export = original
        codes = [value for name, value in exported.items() if name.startswith("codes:")]
        return pulumi.Output.all(*(value.is_secret() for value in codes))

    with mocked_engine({"courseware:catalog": json.dumps(catalog)}) as monitor:
        secret: list[bool] = []
        _run(lambda: declare().apply(secret.extend))
    assert len(code_contracts) == 2
    assert secret == [True, True], exported
    assert len(monitor.of_type(CODES_TYPE)) == 2
    assert all("codes" in request.additionalSecretOutputs for request in monitor.of_type(CODES_TYPE))
    # The contract summaries leave the codes out.
    assert not any("codes" in value for name, value in exported.items() if name.startswith("contract:")), exported
