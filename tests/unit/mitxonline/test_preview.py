"""Preview costs nothing: check and diff of every MITx Online resource run no command and,
except for the REST look a create's check takes for an object to adopt (issue 14 item 5),
no request, even with unknown values; and every provider pickles without a secret."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from provider import platforms
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.contract_courseware import ContractCoursewareProvider
from provider.mitxonline.course import CourseProvider
from provider.mitxonline.course_page import CoursePageProvider
from provider.mitxonline.course_run import CourseRunProvider
from provider.mitxonline.enrollment_codes import EnrollmentCodesProvider
from provider.mitxonline.organization import OrganizationProvider

COURSE = "course-v1:UAI_SOURCE+A.0001x"
CASES: list[tuple[type[ResourceProvider], dict[str, Any]]] = [
    (CourseProvider, {"readable_id": COURSE, "title": "Intro"}),
    (CourseRunProvider, {"courseware_id": f"{COURSE}+SOURCE", "course": COURSE, "is_source_run": True}),
    (CoursePageProvider, {"course": COURSE}),
    (OrganizationProvider, {"org_key": "BIGCO", "name": "BigCo"}),
    (ContractProvider, {"organization": "BIGCO", "organization_name": "BigCo", "name": "C", "membership_type": "code"}),
    (ContractCoursewareProvider, {"contract_id": 21, "courses": [COURSE]}),
    (EnrollmentCodesProvider, {"contract_id": 21, "membership_type": "code", "run_keys": []}),
]
SECRET = "preview-test-api-key"


class RestLooksOnly:
    """A client that answers the REST looks of a create's check (nothing exists) and
    fails any other use: a command, or a read that preview does not need."""

    def rest_organizations(self) -> list[Any]:
        return []

    def course(self, _readable_id: str) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a preview method reached MITx Online ({name})")


@pytest.fixture(autouse=True)
def no_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platforms, "mitxonline", RestLooksOnly)


@pytest.mark.parametrize(("provider_class", "news"), CASES)
def test_check_and_diff_call_nothing_even_with_unknowns(
    provider_class: type[ResourceProvider], news: dict[str, Any]
) -> None:
    provider = provider_class()
    inputs = provider.check({}, news).inputs
    assert provider.check(inputs, inputs).failures == []
    assert provider.diff("id", {**inputs, "__provider": "old"}, {**inputs, "__provider": "new"}).changes is False
    with_unknowns = {name: Unknown() for name in news}
    assert provider.check(inputs, with_unknowns).failures == []
    assert provider.diff("id", inputs, with_unknowns).changes is True


@pytest.mark.parametrize(("provider_class", "news"), CASES)
def test_the_pickled_provider_holds_no_secret_and_loads_elsewhere(
    provider_class: type[ResourceProvider], news: dict[str, Any]
) -> None:
    provider = provider_class()
    config = {
        "courseware:mitxonline": json.dumps({"url": "http://mitxonline.test", "manageCommand": ["manage.py"]}),
        "courseware:mitxonlineApiKey": SECRET,
    }
    provider.configure(ConfigureRequest(Config(config, "courseware")))
    serialised = serialize_provider(provider)
    assert SECRET.encode() not in base64.b64decode(serialised)
    loader = "import base64, sys, dill\np = dill.loads(base64.b64decode(sys.stdin.read()))\nprint(sorted(vars(p)))\n"
    done = subprocess.run(
        [sys.executable, "-c", loader], input=serialised, capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
