"""`courseware adopt` reads through the resources' own reads, against a scripted MITx
Online: one listing, one export per contract, ONE codes read for every code contract,
the course listing once, and no write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from provider.adopt import AdoptError, Selection, build_catalog, read_live
from provider.edx.keys import CourseKey
from tests.unit.mitxonline.fake import FakeMitx, ok

COURSE = "course-v1:UAI_SOURCE+A1"
SOURCE = f"{COURSE}+SOURCE"
SSO = "2f0c6a52-6b1e-4a8e-9d57-3d5c0b9a1e01"


class NoStudio:
    """edX Studio without any run (only source runs are looked up there)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_course_run(self, key: CourseKey) -> None:
        self.asked.append(str(key))


def contract(contract_id: int, name: str, membership: str, seats: int | None) -> dict[str, Any]:
    return {
        "id": contract_id,
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "org_name": "BigCo",
        "membership_type": membership,
        "start": "2026-01-01",
        "max_learners": seats,
    }


def run_key(contract_id: int) -> str:
    return f"course-v1:UAI_BIGCO+A1+1T{contract_id}C2026"


@pytest.fixture
def fake() -> FakeMitx:
    fake = FakeMitx(
        contracts=[
            contract(21, "Codes A", "code", 5),
            contract(22, "Codes B", "code", 2),
            contract(23, "Managed", "managed", None),
        ],
        organizations=[{"id": 1, "name": "BigCo", "slug": "org-bigco", "key": "BIGCO", "sso": SSO}],
    )
    fake.add_course(COURSE, live=True)
    fake.add_run(COURSE, SOURCE)
    for contract_id in (21, 22, 23):
        fake.add_run(COURSE, run_key(contract_id), b2b_contract=contract_id)

    def export(args: list[str], _stdin: str | None) -> Any:
        organization = {"org_key": "BIGCO", "org_key_prefix": "UAI_", "sso_organization_id": SSO}
        return ok(json.dumps({"organization": organization, "contract": {"description": f"#{args[2]}"}}))

    # Five codes of contract 21 and one of 22 (which declares two seats).
    codes = [{"Contract": "21 - Codes A", "Course Run": run_key(21), "Enrollment Code": f"a{n}"} for n in range(5)]
    codes.append({"Contract": "22 - Codes B", "Course Run": run_key(22), "Enrollment Code": "b0"})
    fake.on("b2b_contract export", export)
    fake.on("shell", lambda _args, _stdin: ok(json.dumps(codes)))
    return fake


def test_an_organization_is_read_with_the_shared_reads_and_nothing_is_written(fake: FakeMitx) -> None:
    studio = NoStudio()
    live = read_live(fake.client(), studio, Selection(organizations=("BIGCO",)))  # type: ignore[arg-type]

    assert sorted(fake.commands()) == ["b2b_contract export"] * 3 + ["listings", "shell"]
    assert [c.row.id for c in live.contracts] == [21, 22, 23]
    # Each contract's runs as mitxonline:ContractCourseware reads them.
    assert [c.runs for c in live.contracts] == [{COURSE: [run_key(n)]} for n in (21, 22, 23)]
    # Codes are read for the contracts that get them, from the one shared read.
    assert [None if c.codes is None else len(c.codes) for c in live.contracts] == [5, 1, None]
    assert [o.row.key for o in live.organizations] == ["BIGCO"]
    assert live.organizations[0].rest is not None and live.organizations[0].rest.sso_organization_id == SSO
    assert studio.asked == []

    result = build_catalog(live)
    assert [c["description"] for c in result.catalog["contracts"]] == ["#21", "#22", "#23"]
    assert [n.subject for n in result.inexact] == ["contract 22 (codes-b)"]
    assert "it has 1 enrollment codes where 2 seats x 1 runs make 2" in result.inexact[0].reason


def test_everything_looks_up_each_source_run_in_studio(fake: FakeMitx) -> None:
    studio = NoStudio()
    live = read_live(fake.client(), studio, Selection(everything=True))  # type: ignore[arg-type]
    assert studio.asked == [SOURCE]
    assert [s.course_key for s in live.source_runs] == [SOURCE] and live.source_runs[0].edx is None


@pytest.mark.parametrize(
    ("selection", "words"),
    [
        (Selection(), "select something"),
        (Selection(source_courses=("course-v1:no spaces+A+B",)), "--source-course"),
    ],
)
def test_a_bad_selection_is_refused_before_any_read(fake: FakeMitx, selection: Selection, words: str) -> None:
    with pytest.raises(AdoptError, match=words):
        read_live(fake.client(), NoStudio(), selection)  # type: ignore[arg-type]
    assert fake.calls == [] and fake.http == []


def test_a_contract_nobody_has_is_named(fake: FakeMitx) -> None:
    with pytest.raises(AdoptError, match="no contract has the id or slug 'nope'"):
        read_live(fake.client(), NoStudio(), Selection(contracts=("nope",)))  # type: ignore[arg-type]
    assert fake.commands() == ["listings"]
