"""mitxonline:ContractCourseware: one batched add, the maybe-applied path, the edX wait."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from provider import platforms
from provider.errors import DeclarationError, PlatformError
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.contract_courseware import ContractCoursewareProvider
from provider.mitxonline.transport import Completed
from provider.settings import PlatformSettings
from tests.unit.mitxonline.fake import FakeMitx, ok

A = "course-v1:UAI_SOURCE+A.0001x"
B = "course-v1:UAI_SOURCE+B.0002x"
LOCKED = "b2b.models.ContractPage.DoesNotExist: ContractPage matching query does not exist."


def run_key(course: str, n: int = 1) -> str:
    return f"course-v1:UAI_BIGCO+{course.split('+')[1]}+{n}T21C2026_en"


def declared(*courses: str, **changes: Any) -> dict[str, Any]:
    news = {"contract_id": 21, "courses": list(courses), "clone_timeout": 60, **changes}
    # None: not declared (the engine drops inputs that are None).
    result = ContractCoursewareProvider().check({}, {k: v for k, v in news.items() if v is not None})
    assert result.failures == []
    return result.inputs


@pytest.fixture
def sources(fake: FakeMitx) -> FakeMitx:
    for course in (A, B):
        fake.add_course(course)
        fake.add_run(course, f"{course}+SOURCE")
    return fake


def clone(fake: FakeMitx, *courses: str, edx: bool = True) -> None:
    for course in courses:
        key = run_key(course)
        fake.add_run(course, key, b2b_contract=21)
        if edx:
            fake.edx_runs.add(key)


def adding(fake: FakeMitx, exit_code: int = 0, stderr: str = "") -> None:
    def add(args: list[str], stdin: str | None) -> Completed:
        positionals = [a for a in args[2:] if not a.startswith("--")]
        clone(fake, *positionals[1:])
        return Completed(exit_code, "Managed n courseware items", stderr)

    fake.on("b2b_courseware add", add)


def test_every_missing_course_goes_into_one_add(sources: FakeMitx, client: MitxOnline) -> None:
    adding(sources)
    result = ContractCoursewareProvider().create(declared(B, A, make_codes=True))
    assert sources.calls == [["b2b_courseware", "add", "--make-codes", "21", A, "--also", B]]
    assert result.outs["run_keys"] == [run_key(A), run_key(B)]
    assert result.outs["contract_runs"] == {A: [run_key(A)], B: [run_key(B)]}
    assert result.outs["courses"] == [A, B]


def test_courses_already_in_the_contract_are_adopted_without_a_command(sources: FakeMitx, client: MitxOnline) -> None:
    clone(sources, A)
    ContractCoursewareProvider().create(declared(A))
    assert sources.calls == []


def test_an_inactive_contract_is_refused_before_adding(sources: FakeMitx, client: MitxOnline) -> None:
    with pytest.raises(DeclarationError, match="inactive"):
        ContractCoursewareProvider().create(declared(A, contract_active=False))
    assert sources.calls == []


def test_an_add_that_fails_after_its_work_counts_as_done(sources: FakeMitx, client: MitxOnline, caplog: Any) -> None:
    # docs/platforms/mitxonline.md §4: outside the contract's dates the add makes the runs and then exits 1.
    adding(sources, exit_code=1, stderr=LOCKED)
    result = ContractCoursewareProvider().create(declared(A, contract_start="2026-11-01", make_codes=True))
    assert result.outs["run_keys"] == [run_key(A)]
    assert "starts on 2026-11-01" in caplog.text and "`--make-codes` did not run" in caplog.text


def test_an_add_without_codes_that_fails_after_its_work_says_nothing_of_codes(
    sources: FakeMitx, client: MitxOnline, caplog: Any
) -> None:
    """An `auto` or `managed` contract gets no codes: the warning must not promise any (issue 24)."""
    adding(sources, exit_code=1, stderr=LOCKED)
    ContractCoursewareProvider().create(declared(A, contract_start="2026-11-01"))
    assert "starts on 2026-11-01" in caplog.text and "The runs are there" in caplog.text
    assert "codes" not in caplog.text


def test_a_failed_add_that_made_nothing_is_raised(sources: FakeMitx, client: MitxOnline) -> None:
    sources.on("b2b_courseware add", lambda args, stdin: Completed(1, "", LOCKED))
    with pytest.raises(PlatformError, match="could not save the contract"):
        ContractCoursewareProvider().create(declared(A))


def test_an_add_that_exits_0_without_a_run_is_an_error(sources: FakeMitx, client: MitxOnline) -> None:
    sources.on("b2b_courseware add", lambda args, stdin: ok("Failed to create run for course A for contract 21."))
    with pytest.raises(PlatformError, match="made no contract run for course-v1:UAI_SOURCE"):
        ContractCoursewareProvider().create(declared(A))


def test_create_waits_for_the_edx_clone_and_says_when_it_gave_up(sources: FakeMitx, client: MitxOnline) -> None:
    sources.on("b2b_courseware add", lambda args, stdin: (clone(sources, A, edx=False), ok())[1])
    with pytest.raises(PlatformError) as raised:
        ContractCoursewareProvider().create(declared(A))
    assert sources.now == 60
    message = str(raised.value)
    assert message.startswith(f"contract 21: edX still has no contract run {run_key(A)} (course {A}) after 60 s")
    assert "(the resource's clone_timeout)" in message and "queued their clone in edX" in message
    assert "run `pulumi up` again later" in message and "openedx.tasks.clone_courserun" in message


@pytest.fixture
def stack_clone_timeout(sources: FakeMitx, client: MitxOnline) -> float:
    """The stack's `cloneTimeout` (`courseware:mitxonline`), which the client is given
    when it is made: a client made with it replaces the `client` fixture's."""
    platforms.install(platforms.Platforms(PlatformSettings(), mitxonline=sources.client(cloneTimeout=7)))
    return 7.0


def test_without_its_own_clone_timeout_the_wait_is_the_stacks(
    sources: FakeMitx, client: MitxOnline, stack_clone_timeout: float
) -> None:
    inputs = declared(A, clone_timeout=None)
    assert "clone_timeout" not in inputs  # a setting of the stack, not an input of the resource
    sources.on("b2b_courseware add", lambda args, stdin: (clone(sources, A, edx=False), ok())[1])
    with pytest.raises(PlatformError, match=r"after 7 s \(cloneTimeout in the stack's courseware:mitxonline\)"):
        ContractCoursewareProvider().create(inputs)
    assert sources.now == stack_clone_timeout
    sources.edx_runs.add(run_key(A))
    outs = ContractCoursewareProvider().create(inputs).outs
    assert outs is not None and "clone_timeout" not in outs
    assert ContractCoursewareProvider().diff("21", outs, inputs).changes is False
    # State written before the setting existed holds the old default: still no change.
    assert ContractCoursewareProvider().diff("21", {**outs, "clone_timeout": 900}, inputs).changes is False


def test_an_add_that_failed_before_its_runs_were_found_says_the_clone_may_not_be_queued(
    sources: FakeMitx, client: MitxOnline
) -> None:
    def add(args: list[str], stdin: str | None) -> Completed:
        clone(sources, A, edx=False)
        return Completed(1, "", "kombu.exceptions.OperationalError: [Errno 111] Connection refused")

    sources.on("b2b_courseware add", add)
    with pytest.raises(PlatformError, match="may have stopped before it queued their clone"):
        ContractCoursewareProvider().create(declared(A))


def test_runs_made_by_an_earlier_add_are_waited_for_again(sources: FakeMitx, client: MitxOnline) -> None:
    clone(sources, A, edx=False)
    with pytest.raises(PlatformError, match="An earlier `b2b_courseware add` made these runs"):
        ContractCoursewareProvider().create(declared(A))
    assert sources.calls == [] and sources.now == 60


def test_update_adds_and_removes_in_one_command_each(sources: FakeMitx, client: MitxOnline) -> None:
    clone(sources, A)
    adding(sources)

    def remove(args: list[str], stdin: str | None) -> Completed:
        for run in sources.courses[A]["courseruns"]:
            if run["b2b_contract"] == 21:
                run["b2b_contract"] = None
        return ok()

    sources.on("b2b_courseware remove", remove)
    olds = {**declared(A), "contract_runs": {A: [run_key(A)]}}
    result = ContractCoursewareProvider().update("21", olds, declared(B))
    assert sources.commands() == ["b2b_courseware remove", "b2b_courseware add"]
    assert sources.calls[0] == ["b2b_courseware", "remove", "21", A]
    assert result.outs["run_keys"] == [run_key(B)]


def test_diff_ignores_order_and_the_contract_guards() -> None:
    provider = ContractCoursewareProvider()
    outs = {**declared(A, B), "run_keys": ["x"]}
    assert provider.diff("21", outs, declared(B, A, contract_active=False)).changes is False
    assert provider.diff("21", outs, declared(A)).changes is True
    assert provider.diff("21", outs, declared(A, B, contract_id=22)).replaces == ["contract_id"]


def test_read_shows_the_courses_still_in_the_contract(sources: FakeMitx, client: MitxOnline) -> None:
    clone(sources, A)
    result = ContractCoursewareProvider().read("21", declared(A, B))
    assert result.inputs is not None and result.inputs["courses"] == [A]
    assert ContractCoursewareProvider().read("22", {**declared(A), "contract_id": 22}).id == ""


def test_delete_removes_every_attached_course_at_once(sources: FakeMitx, client: MitxOnline) -> None:
    sources.accept("b2b_courseware remove")
    clone(sources, A, B)
    ContractCoursewareProvider().delete("21", declared(A, B))
    assert sources.calls == [["b2b_courseware", "remove", "21", A, "--also", B]]


def test_an_unknown_contract_id_while_the_contract_updates_changes_nothing() -> None:
    outs = {**declared(A), "run_keys": ["x"]}
    result = ContractCoursewareProvider().diff("21", outs, {**declared(A), "contract_id": Unknown()})
    assert (result.changes, result.replaces) == (False, [])


def test_check_names_the_courses_an_update_drops_and_diff_ignores_them() -> None:
    provider = ContractCoursewareProvider()
    olds = declared(A, B)
    inputs = provider.check(olds, declared(A)).inputs
    assert inputs["courses_removed"] == [B]
    assert "courses_removed" not in provider.check(inputs, declared(A)).inputs
    assert "courses_removed" not in provider.check({}, declared(A)).inputs
    outs = {**declared(A), "run_keys": ["x"]}
    assert provider.diff("21", outs, {**declared(A), "courses_removed": [B]}).changes is False


def test_an_add_that_made_no_run_leaves_the_codes_in_its_log_records_out_of_the_error(
    sources: FakeMitx, client: MitxOnline
) -> None:
    # With --make-codes MITx Online logs one structlog record per code made (issue #18).
    record = '{"event": "Created discount 9 - SECRETCODE1", "level": "info", "logger": "b2b.api"}'
    sources.on(
        "b2b_courseware add",
        lambda args, stdin: Completed(0, "Failed to create run for course A for contract 21.", f"{record}\n"),
    )
    with pytest.raises(PlatformError, match="made no contract run") as failed:
        ContractCoursewareProvider().create(declared(A, make_codes=True))
    assert "SECRETCODE1" not in str(failed.value)
