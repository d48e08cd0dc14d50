"""Many resources applied in parallel (issue 8, item 5).

The provider process serves up to four calls at once (docs/platforms/pulumi.md §2), all
on one cached provider: one edX client and its token cache, one MITx Online client and
its shared reads. A catalog of 12 source courses and 3 contracts is applied with
`--parallel 16`; the sandbox log then shows that every request carried a valid token
(no 401, one token for the whole run) and that no write command ran twice for the same
object. The LMS token endpoint is also called by MITx Online's own clone worker (a JWT
per clone step, as the real one); the log tells its calls apart (`caller`), so the
provider's own token requests are counted: one for the process. The token cache under
contention is also shown by an in-process test of the client.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx

from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.settings import EdxSettings
from tests.e2e.harness import STACKS, PulumiProject
from tests.faults.conftest import contract, source_course
from tests.sandbox.helpers import Sandbox

COURSES = [f"course-v1:UAI_SOURCE+P.{n:04d}x" for n in range(12)]
WRITES = {
    "create_courseware",
    "import_courserun",
    "create_courseware_page",
    "sync_courserun",
    "b2b_contract",
    "b2b_courseware",
    "b2b_codes",
}


def test_parallel_apply_uses_valid_tokens_and_runs_no_command_twice(tmp_path: Path, fresh_sandbox: Sandbox) -> None:
    project = PulumiProject(tmp_path, STACKS, stack="parallel")
    project.use_sandbox(fresh_sandbox.info)
    project.set_config(
        "catalog",
        {
            "source_courses": [source_course(f"{course}+SOURCE", f"Parallel {n}") for n, course in enumerate(COURSES)],
            "organizations": [{"org_key": f"PAR{n}", "name": f"Parallel {n}"} for n in range(3)],
            "contracts": [contract(f"PAR{n}", f"Parallel {n} Contract", COURSES[n * 4 : n * 4 + 4]) for n in range(3)],
        },
    )
    before = len(fresh_sandbox.log())
    project.up("--parallel", "16")
    log = fresh_sandbox.log()[before:]

    http = [e for e in log if e["kind"] == "http"]
    assert [e for e in http if e["status"] in (401, 403)] == []
    assert len([e for e in http if e["app"] == "studio"]) >= 2 * len(COURSES)
    # One provider process for the whole `up --skip-preview`, one token (issue 27).
    mine = [e for e in http if e["caller"] == "client" and e["path"] == "/oauth2/access_token"]
    assert len(mine) == 1, mine
    assert [e for e in http if e["caller"] == "mitxonline" and e["path"] == "/oauth2/access_token"] != []

    writes = [tuple(e["argv"]) for e in log if e["kind"] == "command" and e["argv"][0] in WRITES]
    twice = {argv: n for argv, n in Counter(writes).items() if n > 1}
    assert twice == {}
    assert [e for e in log if e["kind"] == "command" and e["exit_code"] != 0] == []
    # Everything is there once: 12 imported source runs, 3 contracts, 12 contract runs.
    assert len([a for a in writes if a[0] == "import_courserun"]) == len(COURSES)
    assert len([a for a in writes if a[:2] == ("b2b_contract", "import")]) == 3
    outputs = project.outputs()
    runs = [key for n in range(3) for key in outputs[f"contract:PAR{n}/Parallel {n} Contract"]["run_keys"]]
    assert len(runs) == len(set(runs)) == len(COURSES)
    project.preview("--expect-no-changes")


def test_sixteen_threads_share_one_token() -> None:
    """The token cache under contention: 16 threads start at once on a cold client and
    every request carries the one token fetched (docs/platforms/edx.md §4)."""
    calls: Counter[str] = Counter()
    seen: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            calls[request.url.path] += 1
        if request.url.path == "/oauth2/access_token":
            return httpx.Response(200, json={"access_token": f"jwt-{calls[request.url.path]}", "expires_in": 3600})
        with lock:
            seen.append(request.headers["Authorization"])
        key = request.url.path.split("/")[-2]
        return httpx.Response(
            200,
            json={
                "id": key,
                "title": "T",
                "schedule": {"start": "2026-01-01T00:00:00Z", "end": None},
                "pacing_type": "instructor_paced",
            },
        )

    settings = EdxSettings.model_validate(
        {"lmsUrl": "http://lms", "studioUrl": "http://studio", "clientId": "c", "clientSecret": "s"}
    )
    client = EdxClient(settings, transport=httpx.MockTransport(handler))
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            client.get_course_run(CourseKey("MITx", f"N{n}", "1T2026"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert calls["/oauth2/access_token"] == 1
    assert seen == ["JWT jwt-1"] * 16
