"""The pickled provider holds no credential and unpickles in a fresh interpreter
(docs/platforms/pulumi.md §1)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from provider import platforms
from provider.edx.course_run import CourseRunProvider

SECRET = "pickle-test-client-secret"

STACK_CONFIG = {
    "courseware:edx": json.dumps({"lmsUrl": "http://lms.test", "studioUrl": "http://studio.test", "clientId": "cid"}),
    "courseware:edxClientSecret": SECRET,
}


def test_the_pickled_provider_holds_no_secret_and_loads_in_a_fresh_interpreter() -> None:
    provider = CourseRunProvider()
    provider.configure(ConfigureRequest(Config(STACK_CONFIG, "courseware")))
    # The process-wide client exists now, as it would after the first call.
    platforms.edx()

    serialised = serialize_provider(provider)
    raw = base64.b64decode(serialised)
    assert SECRET.encode() not in raw
    assert b"studio.test" not in raw

    loader = (
        "import base64, sys, dill\n"
        "p = dill.loads(base64.b64decode(sys.stdin.read()))\n"
        "print(type(p).__module__, type(p).__qualname__, sorted(vars(p)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", loader], input=serialised, capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["provider.edx.course_run", "CourseRunProvider", "[]"]
