"""LMS course detail, course list and course modes (docs/platforms/edx.md §5, §9)."""

from __future__ import annotations

import json

import httpx

from tests.sandbox.helpers import Sandbox, create_run

DETAIL = "/api/courses/v1/courses/"
MODES = "/api/course_modes/v1/courses/"


def service_token(sandbox: Sandbox) -> str:
    """The service-worker Bearer token MITx Online reads the LMS with (`status` shows it)."""
    return str(json.loads(sandbox.cli("status"))["edx_service_token"])


def test_detail_pacing_vocabulary_and_escaped_name(studio: httpx.Client, sandbox: Sandbox) -> None:
    self_paced = create_run(studio, pacing_type="self_paced", title="Data & <Models>")
    instructor = create_run(studio)
    with sandbox.lms() as lms:
        detail = lms.get(f"{DETAIL}{self_paced['id']}/").json()
        assert detail["pacing"] == "self"
        assert detail["name"] == "Data &amp; &lt;Models&gt;"
        assert (detail["id"], detail["course_id"], detail["org"]) == (self_paced["id"], self_paced["id"], "SandboxX")
        assert lms.get(f"{DETAIL}{instructor['id']}/").json()["pacing"] == "instructor"


def test_detail_without_trailing_slash(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    with sandbox.lms() as lms:
        assert lms.get(f"{DETAIL}{run['id']}").json()["start"] == "2030-01-01T00:00:00Z"


def test_detail_404_and_400(sandbox: Sandbox) -> None:
    with sandbox.lms() as lms:
        missing = lms.get(f"{DETAIL}course-v1:SandboxX+Nope+1T/")
        assert missing.status_code == 404
        assert missing.json() == {"developer_message": "Course not found."}
        bad = lms.get(f"{DETAIL}not-a-key/")
        assert bad.status_code == 400
        assert "'not-a-key' is not a valid course key." in str(bad.json()["field_errors"])


def test_cms_writes_are_visible_in_the_lms(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    studio.patch(f"/api/v1/course_runs/{run['id']}/", json={"title": "Renamed", "pacing_type": "self_paced"})
    with sandbox.lms() as lms:
        detail = lms.get(f"{DETAIL}{run['id']}/").json()
        assert (detail["name"], detail["pacing"]) == ("Renamed", "self")


def test_username_parameter(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    sandbox.cli("edx", "set-course", run["id"], "--visibility", "none")
    service = "sandbox_service_worker"
    with sandbox.lms() as anonymous:
        # hidden course: 404 without a staff username, even for staff callers
        assert anonymous.get(f"{DETAIL}{run['id']}/").status_code == 404
        # anonymous caller asking as someone else: 403
        assert anonymous.get(f"{DETAIL}{run['id']}/", params={"username": service}).status_code == 403
    with sandbox.lms(service_token(sandbox)) as lms:
        assert lms.get(f"{DETAIL}{run['id']}/").status_code == 404
        visible = lms.get(f"{DETAIL}{run['id']}/", params={"username": service})
        assert visible.status_code == 200
        assert visible.json()["hidden"] is True


def test_non_staff_asking_for_another_username_is_403(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    client = sandbox.add_client("curious_learner", "--no-staff")
    token = sandbox.token(client["client_id"], client["client_secret"])
    headers = {"Authorization": f"JWT {token}"}
    url = sandbox.info["edx_lms_url"] + f"{DETAIL}{run['id']}/"
    assert httpx.get(url, params={"username": "edx"}, headers=headers).status_code == 403
    assert httpx.get(url, params={"username": "curious_learner"}, headers=headers).status_code == 200


def test_course_list_keys_and_pagination(studio: httpx.Client, sandbox: Sandbox) -> None:
    runs = [create_run(studio) for _ in range(3)]
    keys = [run["id"] for run in runs]
    with sandbox.lms(service_token(sandbox)) as lms:
        repeated = lms.get(DETAIL, params=[("course_keys", key) for key in keys] + [("page_size", "2")]).json()
        assert repeated["pagination"]["count"] == 3
        assert repeated["pagination"]["num_pages"] == 2
        assert repeated["pagination"]["next"] is not None
        assert len(repeated["results"]) == 2
        comma = lms.get(DETAIL, params={"course_keys": ",".join(keys), "page_size": 100}).json()
        assert sorted(r["id"] for r in comma["results"]) == sorted(keys)
        assert comma["pagination"]["next"] is None


def test_modes_lifecycle(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    with sandbox.lms(service_token(sandbox)) as lms:
        assert lms.get(f"{MODES}{run['id']}").json() == []
        body = {
            "course_id": run["id"],
            "mode_slug": "verified",
            "mode_display_name": "verified",
            "currency": "USD",
            "min_price": 1,
        }
        created = lms.post(f"{MODES}{run['id']}/", json=body)
        assert created.status_code == 201
        assert created.json()["min_price"] == 1
        assert lms.post(f"{MODES}{run['id']}/", json=body).status_code == 400
        listed = lms.get(f"{MODES}{run['id']}/").json()
        assert [mode["mode_slug"] for mode in listed] == ["verified"]
        assert lms.get(f"{MODES}{run['id']}/verified").json()["currency"] == "USD"
        assert lms.patch(f"{MODES}{run['id']}/verified", json={"min_price": "5"}).status_code == 415
        patched = lms.patch(
            f"{MODES}{run['id']}/verified",
            content=b'{"min_price": "5", "mode_slug": "ignored"}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 204
        assert patched.content == b""
        assert lms.get(f"{MODES}{run['id']}/verified").json()["min_price"] == 5
        assert lms.delete(f"{MODES}{run['id']}/verified").status_code == 204
        assert lms.get(f"{MODES}{run['id']}/verified").status_code == 404


def test_modes_need_staff_credentials(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    with sandbox.lms() as anonymous:
        assert anonymous.get(f"{MODES}{run['id']}/").status_code == 401
    client = sandbox.add_client("modes_learner", "--no-staff")
    token = sandbox.token(client["client_id"], client["client_secret"])
    response = httpx.get(
        sandbox.info["edx_lms_url"] + f"{MODES}{run['id']}/", headers={"Authorization": f"JWT {token}"}
    )
    assert response.status_code == 403
