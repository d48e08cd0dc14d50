"""Studio `api/v1/course_runs` (docs/platforms/edx.md §2, §6, §7, §8, §9)."""

from __future__ import annotations

import httpx

from tests.sandbox.helpers import Sandbox, create_run, unique

RUNS = "/api/v1/course_runs/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32


def test_create_defaults(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio, run="3T2017")
    assert run["schedule"] == {
        "start": "2030-01-01T00:00:00Z",
        "end": None,
        "enrollment_start": None,
        "enrollment_end": None,
    }
    assert run["pacing_type"] == "instructor_paced"
    assert run["team"] == []  # the creator's roles are replaced by the (empty) team
    assert (run["org"], run["run"]) == ("SandboxX", "3T2017")
    assert run["id"] == f"course-v1:SandboxX+{run['number']}+3T2017"
    assert run["images"]["card_image"] == (
        f"{sandbox.info['edx_studio_url']}/asset-v1:SandboxX+{run['number']}+3T2017+type@asset+block@images_course_image.jpg"
    )


def test_create_requires_org_number_run_title(studio: httpx.Client) -> None:
    response = studio.post(RUNS, json={})
    assert response.status_code == 400
    required = ["This field is required."]
    assert response.json() == {"title": required, "org": required, "number": required, "run": required}


def test_blank_title_rejected(studio: httpx.Client) -> None:
    response = studio.post(RUNS, json={"org": "SandboxX", "number": unique(), "run": "1T", "title": " "})
    assert response.json() == {"title": ["This field may not be blank."]}


def test_schedule_needs_start_and_end(studio: httpx.Client) -> None:
    body = {
        "org": "SandboxX",
        "number": unique(),
        "run": "1T",
        "title": "T",
        "schedule": {"start": "2026-01-01T00:00:00Z"},
    }
    response = studio.post(RUNS, json=body)
    assert response.status_code == 400
    assert response.json() == {"schedule": {"end": ["This field is required."]}}


def test_malformed_datetime_message(studio: httpx.Client) -> None:
    schedule = {"start": "tomorrow", "end": "2026-01-01T00:00:00Z"}
    response = studio.post(
        RUNS, json={"org": "SandboxX", "number": unique(), "run": "1T", "title": "T", "schedule": schedule}
    )
    assert response.status_code == 400
    assert response.json()["schedule"]["start"][0].startswith(
        "Datetime has wrong format. Use one of these formats instead:"
    )


def test_dates_accept_z_offsets_and_naive_as_utc(studio: httpx.Client) -> None:
    schedule = {
        "start": "2026-01-01T00:00:00.000000Z",
        "end": "2026-06-01T02:00:00+02:00",
        "enrollment_start": "2025-12-01T00:00:00",
    }
    run = create_run(studio, schedule=schedule)
    assert run["schedule"] == {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-06-01T00:00:00Z",
        "enrollment_start": "2025-12-01T00:00:00Z",
        "enrollment_end": None,
    }


def test_create_with_team_and_pacing(studio: httpx.Client) -> None:
    run = create_run(studio, pacing_type="self_paced", team=[{"user": "edx", "role": "instructor"}])
    assert run["pacing_type"] == "self_paced"
    assert run["team"] == [{"user": "edx", "role": "instructor"}]


def test_pacing_type_typo_means_instructor_paced(studio: httpx.Client) -> None:
    assert create_run(studio, pacing_type="self-paced")["pacing_type"] == "instructor_paced"


def test_unknown_team_user_is_400(studio: httpx.Client) -> None:
    body = {
        "org": "SandboxX",
        "number": unique(),
        "run": "1T",
        "title": "T",
        "team": [{"user": "ghost", "role": "staff"}],
    }
    response = studio.post(RUNS, json=body)
    assert response.status_code == 400
    assert response.json() == {"team": ["Course team user does not exist"]}


def test_duplicate_create_is_500_even_in_another_case(studio: httpx.Client) -> None:
    run = create_run(studio)
    for number in (run["number"], run["number"].upper()):
        body = {"org": "SandboxX", "number": number, "run": "1T2026", "title": "again"}
        assert studio.post(RUNS, json=body).status_code == 500


def test_create_with_special_characters_is_500(studio: httpx.Client) -> None:
    body = {"org": "Sandbox X", "number": unique(), "run": "1T", "title": "T"}
    assert studio.post(RUNS, json=body).status_code == 500


def test_key_longer_than_255_is_500(studio: httpx.Client) -> None:
    body = {"org": "SandboxX", "number": "N" * 250, "run": "1T", "title": "T"}
    assert studio.post(RUNS, json=body).status_code == 500


def test_retrieve_and_404(studio: httpx.Client) -> None:
    run = create_run(studio)
    response = studio.get(f"{RUNS}{run['id']}/")
    assert response.status_code == 200
    assert "org" not in response.json()
    assert response.json()["id"] == run["id"]
    missing = studio.get(f"{RUNS}course-v1:SandboxX+Nope+1T/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_lookup_is_case_insensitive_and_accepts_encoded_plus(studio: httpx.Client) -> None:
    run = create_run(studio)
    assert studio.get(f"{RUNS}{run['id'].lower()}/").json()["id"] == run["id"]
    assert studio.get(f"{RUNS}{run['id'].replace('+', '%2B')}/").status_code == 200


def test_two_part_key_does_not_route(studio: httpx.Client) -> None:
    response = studio.get(f"{RUNS}course-v1:SandboxX+Only/")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_key_matching_the_route_but_invalid_is_500(studio: httpx.Client) -> None:
    assert studio.get(f"{RUNS}Org+Num+Run/").status_code == 500


def test_trailing_slash_rules(studio: httpx.Client) -> None:
    run = create_run(studio)
    redirect = studio.get(f"{RUNS}{run['id']}")
    assert redirect.status_code == 301
    assert redirect.headers["location"] == f"{RUNS}{run['id']}/"
    assert studio.patch(f"{RUNS}{run['id']}", json={"title": "x"}).status_code == 500
    assert studio.get(f"{RUNS}{run['id']}/").json()["title"] == "A course"


def test_double_slash_is_collapsed(studio: httpx.Client) -> None:
    run = create_run(studio)
    response = studio.put(f"/api/v1/course_runs//{run['id']}/", json={"title": "Renamed"})
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"


def test_list_pagination_envelope(studio: httpx.Client, sandbox: Sandbox) -> None:
    for _ in range(3):
        create_run(studio)
    count = studio.get(RUNS).json()["count"]
    first = studio.get(RUNS, params={"page_size": 2}).json()
    assert first["count"] == count >= 3
    assert first["num_pages"] == (count + 1) // 2
    assert (first["current_page"], first["start"], first["previous"]) == (1, 0, None)
    assert len(first["results"]) == 2
    assert first["next"] == f"{sandbox.info['edx_studio_url']}{RUNS}?page_size=2&page=2"
    second = httpx.get(first["next"], headers=studio.headers).json()
    assert second["start"] == 2
    assert second["previous"] == f"{sandbox.info['edx_studio_url']}{RUNS}?page_size=2"
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert set(studio.get(RUNS).json()) == {
        "next",
        "previous",
        "count",
        "num_pages",
        "current_page",
        "start",
        "results",
    }


def test_list_page_size_default_10_max_100(studio: httpx.Client) -> None:
    for _ in range(11 - studio.get(RUNS).json()["count"]):
        create_run(studio)
    assert len(studio.get(RUNS).json()["results"]) == 10
    big = studio.get(RUNS, params={"page_size": 1000}).json()
    assert len(big["results"]) == min(big["count"], 100)


def test_list_page_out_of_range_is_404(studio: httpx.Client) -> None:
    response = studio.get(RUNS, params={"page": 9999})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_put_without_team_empties_the_team(studio: httpx.Client) -> None:
    run = create_run(studio, team=[{"user": "edx", "role": "instructor"}])
    response = studio.put(f"{RUNS}{run['id']}/", json={"title": "New title", "pacing_type": "self_paced"})
    assert response.status_code == 200
    assert response.json()["team"] == []
    assert response.json()["pacing_type"] == "self_paced"


def test_put_with_team_replaces_it(studio: httpx.Client) -> None:
    run = create_run(studio, team=[{"user": "edx", "role": "instructor"}])
    team = [{"user": "sandbox_worker", "role": "staff"}]
    assert studio.put(f"{RUNS}{run['id']}/", json={"title": "T", "team": team}).json()["team"] == team


def test_put_requires_title(studio: httpx.Client) -> None:
    run = create_run(studio)
    response = studio.put(f"{RUNS}{run['id']}/", json={"pacing_type": "self_paced"})
    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}


def test_patch_adds_team_members(studio: httpx.Client) -> None:
    run = create_run(studio, team=[{"user": "edx", "role": "instructor"}, {"user": "sandbox_worker", "role": "staff"}])
    response = studio.patch(f"{RUNS}{run['id']}/", json={"team": [{"user": "sandbox_worker", "role": "instructor"}]})
    assert response.status_code == 200
    assert len(response.json()["team"]) == 3  # as upstream's test: existing staff also becomes instructor
    assert response.json()["title"] == "A course"


def test_patch_schedule_is_partial_and_end_cannot_be_null(studio: httpx.Client) -> None:
    run = create_run(studio, schedule={"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"})
    url = f"{RUNS}{run['id']}/"
    patched = studio.patch(url, json={"schedule": {"enrollment_end": "2026-02-01T00:00:00Z"}}).json()
    assert patched["schedule"]["start"] == "2026-01-01T00:00:00Z"
    assert patched["schedule"]["enrollment_end"] == "2026-02-01T00:00:00Z"
    response = studio.patch(url, json={"schedule": {"end": None}})
    assert response.status_code == 400
    assert response.json() == {"schedule": {"end": ["This field may not be null."]}}
    cleared = studio.patch(url, json={"schedule": {"enrollment_end": None}}).json()
    assert cleared["schedule"]["enrollment_end"] is None


def test_update_ignores_key_fields_and_accepts_end_before_start(studio: httpx.Client) -> None:
    run = create_run(studio)
    body = {
        "org": "Other",
        "number": "X",
        "run": "Y",
        "schedule": {"start": "2027-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
    }
    response = studio.patch(f"{RUNS}{run['id']}/", json=body)
    assert response.status_code == 200
    assert response.json()["id"] == run["id"]
    assert response.json()["schedule"]["end"] == "2026-01-01T00:00:00Z"


def test_update_unknown_is_404(studio: httpx.Client) -> None:
    response = studio.put(f"{RUNS}course-v1:SandboxX+Missing+1T/", json={"title": "T"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_rerun_is_synchronous_and_resets_enrollment_dates(studio: httpx.Client) -> None:
    source = create_run(
        studio,
        title="Source",
        pacing_type="self_paced",
        schedule={
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-06-01T00:00:00Z",
            "enrollment_start": "2025-12-01T00:00:00Z",
            "enrollment_end": "2026-01-15T00:00:00Z",
        },
        team=[{"user": "edx", "role": "instructor"}],
    )
    body = {
        "run": "2T2026",
        "schedule": {
            "start": "2026-07-01T00:00:00Z",
            "end": "2026-12-01T00:00:00Z",
            "enrollment_start": "2026-06-01T00:00:00Z",
        },
    }
    response = studio.post(f"{RUNS}{source['id']}/rerun/", json=body)
    assert response.status_code == 201
    new = response.json()
    assert new["id"] == source["id"].replace("+1T2026", "+2T2026")
    assert new["schedule"] == {
        "start": "2026-07-01T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
        "enrollment_start": None,
        "enrollment_end": None,
    }
    assert (new["title"], new["pacing_type"], new["team"]) == ("Source", "self_paced", [])
    assert "org" not in new
    assert studio.get(f"{RUNS}{new['id']}/").status_code == 200


def test_rerun_copies_dates_from_source_and_keeps_org(studio: httpx.Client) -> None:
    source = create_run(studio, schedule={"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"})
    new = studio.post(
        f"{RUNS}{source['id']}/rerun/", json={"run": "3T2026", "number": unique("M"), "title": "T2"}
    ).json()
    assert new["id"].startswith("course-v1:SandboxX+M")
    assert new["schedule"]["start"] == "2026-01-01T00:00:00Z"
    assert new["title"] == "T2"


def test_rerun_duplicate_is_400_case_insensitive(studio: httpx.Client) -> None:
    source = create_run(studio)
    assert studio.post(f"{RUNS}{source['id']}/rerun/", json={"run": "2T2026"}).status_code == 201
    response = studio.post(f"{RUNS}{source['id']}/rerun/", json={"run": "2t2026"})
    assert response.status_code == 400
    assert response.json() == {"run": [f"Course run course-v1:SandboxX+{source['number']}+2t2026 already exists"]}


def test_rerun_invalid_number_is_400(studio: httpx.Client) -> None:
    source = create_run(studio)
    response = studio.post(f"{RUNS}{source['id']}/rerun/", json={"run": "2T", "number": "!@#$%^&*()"})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid key supplied. Ensure there are no special characters in the Course Number."]
    }


def test_rerun_requires_run_and_source(studio: httpx.Client) -> None:
    source = create_run(studio)
    assert studio.post(f"{RUNS}{source['id']}/rerun/", json={}).json() == {"run": ["This field is required."]}
    assert studio.post(f"{RUNS}course-v1:SandboxX+Gone+1T/rerun/", json={"run": "x"}).status_code == 404


def test_clone_copies_everything_across_orgs(studio: httpx.Client) -> None:
    schedule = {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-06-01T00:00:00Z",
        "enrollment_start": "2025-12-01T00:00:00Z",
        "enrollment_end": None,
    }
    source = create_run(studio, title="Cloned", pacing_type="self_paced", schedule=schedule)
    target = f"course-v1:UAI_{unique('O')}+{source['number']}+1T7C2026_en"
    response = studio.post(f"{RUNS}clone/", json={"source_course_id": source["id"], "destination_course_id": target})
    assert response.status_code == 201
    assert response.json() == {"message": "Course cloned successfully."}
    copy = studio.get(f"{RUNS}{target}/").json()
    assert (copy["title"], copy["pacing_type"], copy["schedule"]) == ("Cloned", "self_paced", schedule)


def test_clone_errors_are_400(studio: httpx.Client) -> None:
    source = create_run(studio)
    exists = studio.post(
        f"{RUNS}clone/", json={"source_course_id": source["id"], "destination_course_id": source["id"]}
    )
    assert exists.status_code == 400
    assert list(exists.json()) == ["destination_course_id"]
    missing = studio.post(
        f"{RUNS}clone/", json={"source_course_id": "course-v1:A+B+C", "destination_course_id": "course-v1:A+B+D"}
    )
    assert missing.status_code == 400
    assert list(missing.json()) == ["source_course_id"]
    invalid = studio.post(f"{RUNS}clone/", json={"source_course_id": source["id"], "destination_course_id": "bad key"})
    assert invalid.status_code == 400
    assert list(invalid.json()) == ["destination_course_id"]


def test_images_upload_png_named_jpg(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    response = studio.post(f"{RUNS}{run['id']}/images/", files={"card_image": ("card.jpg", PNG, "image/png")})
    assert response.status_code == 200
    url = response.json()["card_image"]
    assert url.endswith("+type@asset+block@course_image.png")
    assert httpx.get(url).content == PNG
    assert studio.get(f"{RUNS}{run['id']}/").json()["images"]["card_image"] == url


def test_images_rejects_gif_and_json(studio: httpx.Client) -> None:
    run = create_run(studio)
    gif = studio.put(f"{RUNS}{run['id']}/images/", files={"card_image": ("a.gif", GIF, "image/gif")})
    assert gif.status_code == 400
    assert gif.json() == {"card_image": ["Only JPEG and PNG image types are supported. image/gif is not valid"]}
    assert studio.post(f"{RUNS}{run['id']}/images/", json={"card_image": "x"}).status_code == 415


def test_delete_is_405(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    response = studio.delete(f"{RUNS}{run['id']}/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert httpx.delete(sandbox.info["edx_studio_url"] + f"{RUNS}{run['id']}/").status_code == 401


def test_admin_delete_course(studio: httpx.Client, sandbox: Sandbox) -> None:
    run = create_run(studio)
    sandbox.cli("edx", "delete-course", run["id"])
    assert studio.get(f"{RUNS}{run['id']}/").status_code == 404


def test_api_root(studio: httpx.Client, sandbox: Sandbox) -> None:
    assert studio.get("/api/v1/").json() == {"course_runs": sandbox.info["edx_studio_url"] + RUNS}
