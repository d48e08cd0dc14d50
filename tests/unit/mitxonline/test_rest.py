"""The course reads `courseware adopt` shares with the resources (provider/mitxonline/rest.py)."""

from __future__ import annotations

from typing import Any

import httpx

from provider.mitxonline.models import RestCourse
from provider.mitxonline.rest import MitxOnlineRest

RUNS = [
    {"courseware_id": "course-v1:UAI_SOURCE+A.1+SOURCE", "live": True},
    {"courseware_id": "course-v1:UAI_BIGCO+A.1+1T7C_en", "live": True, "b2b_contract": 7},
    {"courseware_id": "course-v1:UAI_BIGCO+A.1+1T7C_fr", "live": False, "b2b_contract": 7},
    {"courseware_id": "course-v1:UAI_OTHER+A.1+1T8C_en", "live": True, "b2b_contract": 8},
]


def _course(readable_id: str, runs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": 1, "readable_id": readable_id, "title": readable_id, "courseruns": runs or []}


def test_every_course_is_listed_across_pages_with_live_from_the_filter() -> None:
    pages = {
        "1": {"results": [_course("course-v1:UAI_SOURCE+A.1", RUNS)], "next": "page 2"},
        "2": {"results": [_course("course-v1:UAI_SOURCE+B.2")], "next": None},
    }
    seen: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        if params.get("live") == "true":
            return httpx.Response(200, json={"results": [_course("course-v1:UAI_SOURCE+B.2")], "next": None})
        return httpx.Response(200, json=pages[params["page"]])

    rest = MitxOnlineRest("http://mitxonline.test", "key", transport=httpx.MockTransport(answer))
    courses = rest.courses()
    assert {k: v.live for k, v in courses.items()} == {
        "course-v1:UAI_SOURCE+A.1": False,
        "course-v1:UAI_SOURCE+B.2": True,
    }
    assert [(p["page"], p.get("live")) for p in seen] == [("1", None), ("2", None), ("1", "true")]


def test_the_contract_runs_of_a_course_are_its_live_runs_of_that_contract() -> None:
    course = RestCourse.model_validate({**_course("course-v1:UAI_SOURCE+A.1", RUNS), "live": True})
    assert course.contract_runs(7) == ["course-v1:UAI_BIGCO+A.1+1T7C_en"]
    assert course.contract_runs(9) == []
