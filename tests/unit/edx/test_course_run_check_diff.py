"""edx:CourseRun check and diff: no platform call, Unknowns tolerated (docs/platforms/pulumi.md §3)."""

from __future__ import annotations

from typing import Any

from pulumi.output import Unknown

from provider.edx.course_run import CourseRunProvider

PROVIDER = CourseRunProvider()

DECLARED = {
    "course_key": "course-v1:MITx+6.00x+1T2026",
    "title": "Intro",
    "start": "2026-09-01T00:00:00Z",
    "end": "2026-12-15T00:00:00Z",
    "enrollment_start": "2026-08-01T00:00:00Z",
    "enrollment_end": "2026-09-15T00:00:00Z",
    "pacing": "self_paced",
    "__provider": "serialised",
}

# What create returns: every declared field as Studio has it.
STATE = {
    "course_key": "course-v1:MITx+6.00x+1T2026",
    "org": "MITx",
    "number": "6.00x",
    "run": "1T2026",
    "title": "Intro",
    "start": "2026-09-01T00:00:00Z",
    "end": "2026-12-15T00:00:00Z",
    "enrollment_start": "2026-08-01T00:00:00Z",
    "enrollment_end": "2026-09-15T00:00:00Z",
    "pacing": "self_paced",
    "source_key": None,
    "on_delete": "retain",
    "adopt": False,
    "__provider": "old-serialised",
}


def checked(news: dict[str, Any]) -> dict[str, Any]:
    """What the engine passes to diff: the inputs as check returned them."""
    return PROVIDER.check({}, news).inputs


def failures(news: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for failure in PROVIDER.check({}, news).failures:
        found[failure.property] = f"{found.get(failure.property, '')}{failure.reason}\n"
    return found


def test_a_valid_declaration_is_completed_and_normalised() -> None:
    result = PROVIDER.check({}, {**DECLARED, "pacing": "self", "start": "2026-09-01T02:00:00+02:00"})
    assert result.failures == []
    assert result.inputs == {**{k: v for k, v in STATE.items() if v is not None}, "__provider": "serialised"}


def test_org_number_run_complete_the_key() -> None:
    news = {k: v for k, v in DECLARED.items() if k != "course_key"}
    result = PROVIDER.check({}, {**news, "org": "MITx", "number": "6.00x", "run": "1T2026"})
    assert result.failures == []
    assert result.inputs["course_key"] == "course-v1:MITx+6.00x+1T2026"


def test_every_problem_is_reported_at_once() -> None:
    found = failures(
        {
            "course_key": "MITx/6.00x/1T2026",
            "title": " ",
            "start": "2026-13-01",
            "end": "2026-12-15T00:00:00Z",
            "pacing": "fast",
            "on_delete": "delete",
            "adopt": "perhaps",
            "source_key": "course-v1:MITx+6.00x",
            "colour": "red",
        }
    )
    assert set(found) == {"course_key", "title", "start", "pacing", "on_delete", "adopt", "source_key", "colour"}
    assert "course-v1:" in found["course_key"]
    assert "'self_paced' or 'instructor_paced'" in found["pacing"]


def test_key_is_required_in_one_form_or_the_other() -> None:
    news = {k: v for k, v in DECLARED.items() if k != "course_key"}
    assert "declare the run's key" in failures(news)["course_key"]
    partial = failures({**news, "org": "MITx"})
    assert set(partial) == {"number", "run"}
    disagreeing = failures({**DECLARED, "org": "HarvardX"})
    assert "'MITx'" in disagreeing["org"]


def test_date_order_is_checked() -> None:
    found = failures(
        {
            **DECLARED,
            "start": "2026-12-15T00:00:00Z",
            "end": "2026-12-15T00:00:00Z",
            "enrollment_start": "2026-12-20T00:00:00Z",
            "enrollment_end": "2026-12-31T00:00:00Z",
        }
    )
    assert set(found) == {"end", "start"}
    assert "must be later than start" in found["end"]
    assert "cannot be before enrollment_start" in found["start"]
    enrollment = failures({**DECLARED, "enrollment_start": "2026-09-20T00:00:00Z"})
    assert set(enrollment) == {"enrollment_end", "start"}


def test_a_run_cannot_copy_itself() -> None:
    assert "is the run itself" in failures({**DECLARED, "source_key": "course-v1:mitx+6.00x+1t2026"})["source_key"]


def test_unknowns_are_tolerated_in_check() -> None:
    news = {**DECLARED, "course_key": Unknown(), "start": Unknown(), "title": Unknown()}
    result = PROVIDER.check({}, news)
    assert result.failures == []
    assert isinstance(result.inputs["course_key"], Unknown)


def test_unchanged_declaration_has_no_diff_whatever_the_spelling() -> None:
    news = {**DECLARED, "pacing": "self", "end": "2026-12-14T19:00:00-05:00", "__provider": "new"}
    result = PROVIDER.diff("course-v1:MITx+6.00x+1T2026", STATE, checked(news))
    assert result.changes is False
    assert result.replaces == []


def test_a_title_change_is_an_update() -> None:
    result = PROVIDER.diff("id", STATE, checked({**DECLARED, "title": "Intro, again"}))
    assert (result.changes, result.replaces) == (True, [])


def test_clearing_an_enrollment_date_is_an_update() -> None:
    news = {k: v for k, v in DECLARED.items() if k != "enrollment_end"}
    assert PROVIDER.diff("id", STATE, checked(news)).changes is True


def test_key_and_source_changes_replace() -> None:
    result = PROVIDER.diff("id", STATE, checked({**DECLARED, "course_key": "course-v1:MITx+6.00x+2T2026"}))
    assert result.changes is True
    assert result.replaces == ["course_key", "run"]
    source = PROVIDER.diff("id", STATE, checked({**DECLARED, "source_key": "course-v1:MITx+6.00x+SOURCE"}))
    assert source.replaces == ["source_key"]


def test_unknowns_in_news_change_and_an_unknown_key_replaces() -> None:
    result = PROVIDER.diff("id", STATE, checked({**DECLARED, "title": Unknown(), "course_key": Unknown()}))
    assert result.changes is True
    # The parts cannot be derived from an unknown key either.
    assert result.replaces == ["course_key", "org", "number", "run"]
