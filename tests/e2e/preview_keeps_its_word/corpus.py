"""Edits of the demo stack for the preview-keeps-its-word tests (issue 28).

Each edit takes the catalog as it stands (the last accepted edit applied) and returns a
changed copy. `refused` says what the edit must get: True, preview refuses it; False,
`up` applies it; None, either, as long as the promise holds (tests/e2e/preview_keeps_its_word).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.harness import STACKS

Catalog = dict[str, Any]

UCODE = "University of Enrollment Codes Contract"
BIGCO = "BigCo Codes Contract"
IDPU = "IDP University Contract"
FUTURE = "BigCo Future Contract"
NEW_COURSE = "course-v1:UAI_SOURCE+B.0001x"
GHOST = "course-v1:UAI_SOURCE+GHOST.1x"


def demo_catalog() -> Catalog:
    """The catalog `make demo` applies (stacks/Pulumi.sandbox.yaml)."""
    data = yaml.safe_load((STACKS / "Pulumi.sandbox.yaml").read_text())
    catalog: Catalog = data["config"]["courseware:catalog"]
    return catalog


def contract(catalog: Catalog, name: str) -> dict[str, Any]:
    return next(c for c in catalog["contracts"] if c["name"] == name)


def source(catalog: Catalog, index: int = 0) -> dict[str, Any]:
    entry: dict[str, Any] = catalog["source_courses"][index]
    return entry


@dataclass(frozen=True)
class Edit:
    name: str
    change: Callable[[Catalog], None]
    refused: bool | None

    def apply(self, catalog: Catalog) -> Catalog:
        edited = copy.deepcopy(catalog)
        self.change(edited)
        return edited


def _set(which: str, /, **values: Any) -> Callable[[Catalog], None]:
    def change(catalog: Catalog) -> None:
        contract(catalog, which).update(values)

    return change


def _drop(name: str, field: str) -> Callable[[Catalog], None]:
    def change(catalog: Catalog) -> None:
        contract(catalog, name).pop(field, None)

    return change


def _title(value: str) -> Callable[[Catalog], None]:
    def change(catalog: Catalog) -> None:
        source(catalog)["title"] = value

    return change


def _run_dates(**values: str) -> Callable[[Catalog], None]:
    def change(catalog: Catalog) -> None:
        source(catalog).update(values)

    return change


def _add_new_course(catalog: Catalog) -> None:
    entry = copy.deepcopy(source(catalog))
    entry.update(course_key=f"{NEW_COURSE}+SOURCE", title="Second Course")
    catalog["source_courses"].append(entry)
    contract(catalog, UCODE)["courses"].append(NEW_COURSE)


def _remove_new_course(catalog: Catalog) -> None:
    courses = contract(catalog, UCODE)["courses"]
    assert NEW_COURSE in courses, "the edit that adds it was not applied"
    courses.remove(NEW_COURSE)


def _ghost_course(catalog: Catalog) -> None:
    catalog.setdefault("existing_source_courses", []).append(GHOST)
    contract(catalog, BIGCO)["courses"].append(GHOST)


def _undeclared_course(catalog: Catalog) -> None:
    contract(catalog, BIGCO)["courses"].append("course-v1:UAI_SOURCE+NOWHERE.1x")


def _future_contract(catalog: Catalog) -> None:
    catalog["contracts"].append(
        {
            "organization": "BIGCO",
            "name": FUTURE,
            "membership_type": "code",
            "max_learners": 10,
            "start": "2031-03-01",
            "end": "2032-12-31",
            "courses": ["course-v1:UAI_SOURCE+A.0001x"],
        }
    )


def _lower_case_organization(catalog: Catalog) -> None:
    catalog["organizations"].append({"org_key": "lowco", "name": "Low Co"})


def _rename_organization(catalog: Catalog) -> None:
    catalog["organizations"][1]["name"] = "Renamed University"


# Three chains, each applied to a stack of its own from the demo catalog, so that the
# test files of tests/e2e/preview_keeps_its_word run side by side under `make test`'s
# workers (docs/ci.md). Within a chain, each edit builds on the last accepted one: an edit
# that needs an earlier one ("seats lowered" after "seats raised", the course removed after
# it was added) stands in the same chain, after it.
CHAINS: dict[str, tuple[Edit, ...]] = {
    # The contracts' seats, prices and fixed fields, and the organizations.
    "contracts": (
        Edit("seats raised", _set(UCODE, max_learners=20), refused=False),
        Edit("seats lowered", _set(UCODE, max_learners=12), refused=True),
        Edit("seat cap dropped", _drop(UCODE, "max_learners"), refused=True),
        Edit("seats zero", _set(UCODE, max_learners=0), refused=True),
        Edit("price set", _set(BIGCO, price="100.00"), refused=False),
        Edit("price changed", _set(BIGCO, price="250.50"), refused=False),
        Edit("price of a code contract dropped", _drop(BIGCO, "price"), refused=False),
        Edit("price with three decimals", _set(BIGCO, price="12.345"), refused=True),
        Edit("price on a managed contract", _set(IDPU, price="50.00"), refused=False),
        Edit("price of a managed contract dropped", _drop(IDPU, "price"), refused=True),
        Edit("contract end moved later", _set(UCODE, end="2031-06-30"), refused=False),
        Edit("contract start after its end", _set(UCODE, start="2032-01-01"), refused=True),
        Edit("membership type changed", _set(UCODE, membership_type="managed"), refused=True),
        Edit("contract renamed", _set(UCODE, name="Renamed Contract"), refused=True),
        Edit("contract description changed", _set(UCODE, description="New words"), refused=True),
        Edit("contract slug not a slug", _set(UCODE, slug="bad slug!"), refused=True),
        Edit("organization renamed", _rename_organization, refused=True),
        Edit("organization key in lower case", _lower_case_organization, refused=True),
    ),
    # The source course's title and run dates, and the courses a contract sells.
    "courses": (
        Edit("course title changed", _title("Intro to Courses, Second Edition"), refused=False),
        Edit("title at its limit", _title("T" * 255), refused=False),
        Edit("title beyond its limit", _title("T" * 256), refused=True),
        Edit("title of 300 characters", _title("T" * 300), refused=True),
        Edit("title starting with a dash", _title("-Intro to Courses"), refused=True),
        Edit("title with a newline", _title("Intro\nto Courses"), refused=True),
        Edit("run end moved later", _run_dates(end="2031-12-31T00:00:00Z"), refused=False),
        Edit("run start after its end", _run_dates(start="2032-06-01T00:00:00Z"), refused=True),
        Edit("course added", _add_new_course, refused=False),
        Edit("course removed from a contract", _remove_new_course, refused=False),
        Edit("course missing from the platform", _ghost_course, refused=True),
        Edit("course declared nowhere", _undeclared_course, refused=True),
    ),
    # Contracts outside their date window, or inactive.
    "windows": (
        Edit("contract starting in the future", _future_contract, refused=False),
        Edit("seats of a future contract raised", _set(FUTURE, max_learners=20), refused=True),
        Edit("end of a future contract moved", _set(FUTURE, end="2033-06-30"), refused=True),
        Edit("contract end moved into the past", _set(BIGCO, end="2026-06-30"), refused=False),
        Edit("seats of an ended contract raised", _set(BIGCO, max_learners=30), refused=True),
        Edit("contract made inactive", _set(IDPU, active=False), refused=None),
        Edit("inactive contract made active again", _set(IDPU, active=True), refused=True),
    ),
}
EDITS = tuple(edit for chain in CHAINS.values() for edit in chain)


def write_catalog(root: Path, stack: str, catalog: Catalog) -> None:
    """The catalog into the project's stack file, as an operator's edit would."""
    path = root / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["courseware:catalog"] = catalog
    path.write_text(yaml.safe_dump(data, sort_keys=True))
