"""Plan summaries and drift reports from the CLI's JSON digests."""

from __future__ import annotations

from typing import Any

from provider import reports

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "x"}


def urn(rtype: str, name: str) -> str:
    return f"urn:pulumi:dev::courseware::{rtype}::{name}"


def step(op: str, rtype: str, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "op": op,
        "urn": urn(rtype, name),
        "oldState": None if old is None else {"custom": True, "type": rtype, "inputs": old, "outputs": old},
        "newState": None if new is None else {"custom": True, "type": rtype, "inputs": new},
    }


RUN = "pulumi-python:dynamic/edx:CourseRun"
CONTRACT = "pulumi-python:dynamic/mitxonline:Contract"


def test_plan_lists_changed_fields_with_old_and_new_values() -> None:
    digest = {
        "steps": [
            step("same", RUN, "other", {"title": "A"}, {"title": "A"}),
            step("update", RUN, "intro", {"title": "Old", "__provider": "p1"}, {"title": "New", "__provider": "p2"}),
            step("update", CONTRACT, "ucode", {"max_learners": 15, "name": "C"}, {"max_learners": 20, "name": "C"}),
        ]
    }
    changes = reports.plan_changes(digest)
    assert [(c.name, [(f.name, f.old, f.new) for f in c.fields]) for c in changes] == [
        ("intro", [("title", "Old", "New")]),
        ("ucode", [("max_learners", 15, 20)]),
    ]
    text = reports.plan_markdown(changes)
    assert "| title | `Old` | `New` |" in text
    assert "| max_learners | `15` | `20` |" in text
    assert "__provider" not in text
    assert "2 to update" in text


def test_replacements_and_deletions_are_called_out_first() -> None:
    digest = {
        "steps": [
            step("create", RUN, "new", None, {"title": "N"}),
            step("replace", RUN, "moved", {"course_key": "a"}, {"course_key": "b"}),
            step("delete", CONTRACT, "gone", {"name": "G"}, None),
        ]
    }
    changes = reports.plan_changes(digest)
    assert [c.op for c in changes] == ["replace", "delete", "create"]
    text = reports.plan_markdown(changes)
    warning = text.index("**Warning**")
    assert warning < text.index("#### create")
    assert "**replace** `pulumi-python:dynamic/edx:CourseRun` `moved`" in text


def test_secrets_are_masked() -> None:
    digest = {"steps": [step("update", RUN, "x", {"codes": SECRET, "n": 1}, {"codes": SECRET, "n": 2})]}
    [change] = reports.plan_changes(digest)
    assert [f.name for f in change.fields] == ["n"]
    digest = {"steps": [step("create", RUN, "y", None, {"token": SECRET})]}
    assert "ciphertext" not in reports.plan_markdown(reports.plan_changes(digest))


def test_empty_plan_says_so() -> None:
    assert "No changes" in reports.plan_markdown([])


def grouping_step(op: str, rtype: str, name: str) -> dict[str, Any]:
    return {"op": op, "urn": urn(rtype, name), "oldState": None, "newState": {"custom": False, "type": rtype}}


def test_plan_counts_say_what_the_cli_counts_and_the_summary_leaves_out() -> None:
    # A first preview: the CLI counts the stack and the components among its creates.
    digest = {
        "steps": [
            grouping_step("create", "pulumi:pulumi:Stack", "courseware-dev"),
            grouping_step("create", "courseware:catalog:SourceCourse", "intro"),
            step("create", RUN, "intro", None, {"title": "N"}),
            step("create", CONTRACT, "ucode", None, {"name": "C"}),
            step("update", CONTRACT, "idp", {"max_learners": 1}, {"max_learners": 2}),
        ],
        "changeSummary": {"create": 4, "update": 1},
    }
    assert reports.grouping_counts(digest) == {"create": 2}
    text = reports.plan_markdown(reports.plan_changes(digest), grouping=reports.grouping_counts(digest))
    assert "1 to update, 2 to create" in text
    assert (
        "Not listed: 2 grouping resource(s) (the stack and its components), which call no platform; "
        "`pulumi preview` counts them too and says 1 to update, 4 to create." in text
    )
    # Nothing but platform resources: no note.
    only_custom = {"steps": digest["steps"][2:]}
    assert "Not listed" not in reports.plan_markdown(
        reports.plan_changes(only_custom), grouping=reports.grouping_counts(only_custom)
    )


def outputs_event(op: str, rtype: str, name: str, old: dict[str, Any], new: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "resOutputsEvent": {
            "metadata": {
                "op": op,
                "urn": urn(rtype, name),
                "old": {"custom": True, "inputs": old},
                "new": None if new is None else {"custom": True, "inputs": new},
            }
        }
    }


def test_drift_reports_declared_and_live_values() -> None:
    digest = [
        {"resourcePreEvent": {"metadata": {"op": "refresh", "urn": urn(RUN, "intro")}}},
        outputs_event("update", RUN, "intro", {"title": "Declared"}, {"title": "Edited in Studio"}),
        outputs_event("same", RUN, "same", {"title": "T"}, {"title": "T"}),
        outputs_event("delete", CONTRACT, "c", {}, None),
        {"summaryEvent": {}},
    ]
    drift = reports.drift_json(reports.drift_changes(digest))
    assert drift == [
        {
            "urn": urn(RUN, "intro"),
            "type": RUN,
            "name": "intro",
            "status": "drifted",
            "fields": [{"field": "title", "declared": "Declared", "live": "Edited in Studio"}],
        },
        {"urn": urn(CONTRACT, "c"), "type": CONTRACT, "name": "c", "status": "deleted", "fields": []},
    ]
    text = reports.drift_markdown(reports.drift_changes(digest))
    assert "title: declared `Declared`, live `Edited in Studio`" in text


def test_output_only_fields_are_not_changes_and_unknowns_read_as_after_apply() -> None:
    old = {"max_learners": 15, "contract_id": 7}
    new = {"max_learners": 20}
    [change] = reports.plan_changes({"steps": [step("update", CONTRACT, "c", old, new)]})
    assert [(f.name, f.old, f.new) for f in change.fields] == [("max_learners", 15, 20)]
    unknown = {"run_keys": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    [change] = reports.plan_changes({"steps": [step("update", CONTRACT, "d", {"run_keys": ["a"]}, unknown)]})
    assert change.fields[0].new == "(known after apply)"


COURSEWARE = "pulumi-python:dynamic/mitxonline:ContractCourseware"
CODES = "pulumi-python:dynamic/mitxonline:EnrollmentCodes"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_a_seat_change_does_not_show_the_contract_id_as_changing() -> None:
    """A contract updated in place keeps its id; the preview marks it unknown for the
    codes, which read it as the old one (issue 24)."""
    old = {"contract_id": 19, "max_learners": 5, "run_keys": ["r"]}
    new = {"contract_id": UNKNOWN, "max_learners": 6, "run_keys": ["r"]}
    [change] = reports.plan_changes({"steps": [step("update", CODES, "c", old, new)]})
    assert [(f.name, f.old, f.new) for f in change.fields] == [("max_learners", 5, 6)]
    assert "known after apply" not in reports.plan_markdown([change])


def test_the_contract_state_the_courseware_carries_is_never_shown_stale() -> None:
    """The courseware's diff ignores the contract's dates it carries, so its state may hold
    an old `contract_end`; a later course change shows the courses only (issue 24)."""
    old = {"contract_id": 19, "courses": ["a"], "contract_end": "2030-12-31", "contract_active": True}
    new = {"contract_id": 19, "courses": ["a", "b"], "contract_end": "2031-06-30", "contract_active": True}
    [change] = reports.plan_changes({"steps": [step("update", COURSEWARE, "c", old, new)]})
    assert [f.name for f in change.fields] == ["courses"]


def test_a_course_removal_says_which_run_and_how_many_codes() -> None:
    runs = {"course-v1:U+A": ["course-v1:UAI_X+A+1T21"], "course-v1:U+B": ["course-v1:UAI_X+B+1T21"]}
    run_codes = {
        "course-v1:UAI_X+A+1T21": {"codes": 5, "unused": 5},
        "course-v1:UAI_X+B+1T21": {"codes": 5, "unused": 3},
    }
    digest = {
        "steps": [
            step(
                "update",
                COURSEWARE,
                "X/C",
                {"courses": list(runs), "contract_runs": runs},
                {"courses": ["course-v1:U+A"]},
            ),
            step("update", CODES, "X/C", {"run_codes": run_codes, "count": 10}, {"count": "unknown"}),
        ]
    }
    [loss] = reports.learner_losses(digest)
    assert loss.startswith("`X/C` drops `course-v1:U+B`: contract run `course-v1:UAI_X+B+1T21` is retired")
    assert "its 3 unused enrollment code(s) are deleted" in loss and "stop working" in loss
    text = reports.plan_markdown(reports.plan_changes(digest), reports.learner_losses(digest))
    assert text.index("**Learners lose access**") < text.index("#### update")


def _program_digest(new: dict[str, Any]) -> dict[str, Any]:
    runs = {"course-v1:U+A": ["course-v1:UAI_X+A+1T21"], "course-v1:U+B": ["course-v1:UAI_X+B+1T21"]}
    old = {
        "courses": ["course-v1:U+B"],
        "programs": ["program-v1:U+P"],
        "program_courses": {"program-v1:U+P": ["course-v1:U+A", "course-v1:U+B"]},
        "contract_runs": runs,
    }
    return {"steps": [step("update", COURSEWARE, "X/C", old, new)]}


def test_a_program_leaving_a_contract_keeps_its_runs_unless_declared_otherwise() -> None:
    kept = {"courses": ["course-v1:U+B"], "programs": [], "program_courses": {}}
    [line] = reports.learner_losses(_program_digest(kept))
    assert line == (
        "`X/C` unlinks program `program-v1:U+P`: its contract run(s) `course-v1:UAI_X+A+1T21` stay live and learners "
        "keep them and their codes (remove_program_runs: false)."
    )
    # Retired: only the course the contract no longer declares; B stays, declared alone.
    [line] = reports.learner_losses(_program_digest({**kept, "remove_program_runs": True}))
    assert line.startswith(
        "`X/C` drops `course-v1:U+A` (through program `program-v1:U+P`, remove_program_runs: true): contract run "
        "`course-v1:UAI_X+A+1T21` is retired"
    )


def test_a_course_still_in_a_program_is_not_lost_when_dropped_alone() -> None:
    stays = {
        "courses": [],
        "programs": ["program-v1:U+P"],
        "program_courses": {"program-v1:U+P": ["course-v1:U+A", "course-v1:U+B"]},
    }
    assert reports.learner_losses(_program_digest(stays)) == []


def test_adoptions_are_listed_and_plan_notes_are_never_drift() -> None:
    digest = {"steps": [step("create", CONTRACT, "X/C", None, {"name": "C", "adopts": "contract 21"})]}
    [line] = reports.adoptions(digest)
    assert "`X/C` adopts the existing contract 21" in line
    assert "**Adopts**" in reports.plan_markdown(reports.plan_changes(digest), adopted=[line])
    event = {
        "resOutputsEvent": {
            "metadata": {
                "op": "refresh",
                "urn": urn(COURSEWARE, "X/C"),
                "old": {"custom": True, "inputs": {"courses": ["a"], "courses_removed": ["b"]}},
                "new": {"custom": True, "inputs": {"courses": ["a"]}},
            }
        }
    }
    assert reports.drift_changes([event]) == []


def test_summary_shows_the_source_run_flag_no_mitxonline_api_shows() -> None:
    outputs = {
        "source_course:course-v1:UAI_SOURCE+A+SOURCE": "course-v1:UAI_SOURCE+A+SOURCE",
        "is_source_run:course-v1:UAI_SOURCE+A+SOURCE": True,
        "source_course:course-v1:UAI_SOURCE+B+1T2026": "course-v1:UAI_SOURCE+B+1T2026",
        "is_source_run:course-v1:UAI_SOURCE+B+1T2026": False,
        "source_course:course-v1:EDX_ONLY+C+1T2026": "course-v1:EDX_ONLY+C+1T2026",
    }
    lines = reports.summary_text(outputs).splitlines()
    assert lines[:4] == [
        "Source courses:",
        "  course-v1:EDX_ONLY+C+1T2026 (edX only: no MITx Online run)",
        "  course-v1:UAI_SOURCE+A+SOURCE (MITx Online run: is_source_run true)",
        "  course-v1:UAI_SOURCE+B+1T2026 (MITx Online run: is_source_run false)",
    ]


def test_summary_of_an_empty_stack_says_none() -> None:
    assert reports.summary_text({}).splitlines() == ["Source courses:", "  (none)", "Contracts:", "  (none)"]
