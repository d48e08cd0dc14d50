"""Programs, their requirement trees and a contract's programs (docs/platforms/mitxonline.md §13).

The requirement tree is a treebeard materialized-path tree, as ``courses.ProgramRequirement``
keeps it: one root per program (``program_root``), operator nodes under the root
("Required Courses", ``all_of``; "Elective Courses", ``min_number_of`` with the elective
flag) and course nodes under the operators. Paths are 4-character steps in treebeard's
alphabet, so ordering by path is the tree order every reader uses (``b2b_contract
export``, the v2 programs API).

``link_program`` is ``ContractProgramItem.save()``: a new link saved without
``skip_run_creation`` queues ``create_program_contract_runs``, which the worker runs
(``run_due_tasks``). ``add_program_courses`` is ``ContractPage.add_program_courses``, the
path of ``b2b_courseware add <program>`` and ``b2b_contract import``.
"""

from __future__ import annotations

import io
import sqlite3
import time as clock
from dataclasses import dataclass

from sandbox.context import AppContext, CommandContext
from sandbox.mitxonline import api, repo
from sandbox.mitxonline.console import EmulatedException, Output
from sandbox.mitxonline.models import (
    DEFAULT_ORG_KEY_PREFIX,
    Contract,
    ContractProgramItem,
    Course,
    CourseRun,
    Program,
    ProgramPage,
    ProgramRequirement,
    ProgramTask,
    now,
)

# treebeard's MP_Node settings as ProgramRequirement overrides them.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
STEPLEN = 4

PROGRAM_ROOT = "program_root"
OPERATOR = "operator"
COURSE = "course"
ALL_OF = "all_of"
MIN_NUMBER_OF = "min_number_of"
REQUIRED_TITLE = "Required Courses"
ELECTIVE_TITLE = "Elective Courses"

PROGRAM_INDEX_PAGE_ID = 4  # the fixed Wagtail tree (repo._BASE_PAGES)
TASK_LOGGER = "b2b.tasks"


# Programs ----------------------------------------------------------------------


def program_by_readable_id(db: sqlite3.Connection, readable_id: str) -> Program | None:
    return repo.first(Program, db, "r.readable_id = ?", [readable_id])


def program_by_id(db: sqlite3.Connection, program_id: int) -> Program | None:
    return repo.first(Program, db, "r.id = ?", [program_id])


def create_program(
    db: sqlite3.Connection,
    readable_id: str,
    title: str,
    *,
    live: bool,
    b2b_only: bool = False,
    display_mode: str | None = None,
) -> Program:
    """``Program.objects.create``; ``Program.save()`` adds the tree's root node."""
    stamp = repo.now_iso()
    program_id = repo.insert(
        db,
        "mitx_program",
        {
            "readable_id": readable_id,
            "title": title,
            "live": live,
            "b2b_only": b2b_only,
            "display_mode": display_mode,
            "created_on": stamp,
            "updated_on": stamp,
        },
    )
    add_node(db, None, {"program_id": program_id, "node_type": PROGRAM_ROOT})
    found = program_by_id(db, program_id)
    assert found is not None
    return found


def add_program_department(db: sqlite3.Connection, program_id: int, department_id: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO mitx_program_department (program_id, department_id) VALUES (?, ?)",
        (program_id, department_id),
    )


def program_department_names(db: sqlite3.Connection, program_id: int) -> list[str]:
    found = repo.rows(
        db,
        "SELECT d.name FROM mitx_department d JOIN mitx_program_department pd ON pd.department_id = d.id "
        "WHERE pd.program_id = ? ORDER BY d.name",
        [program_id],
    )
    return [row["name"] for row in found]


def attach_program_mode(db: sqlite3.Connection, program_id: int, mode_slug: str) -> None:
    db.execute(
        "INSERT OR IGNORE INTO mitx_enrollment_mode (mode_slug, mode_display_name, requires_payment) VALUES (?, ?, ?)",
        (mode_slug, mode_slug, mode_slug == "verified"),
    )
    mode_id = repo.scalar(db, "SELECT id FROM mitx_enrollment_mode WHERE mode_slug = ?", [mode_slug])
    db.execute("INSERT OR IGNORE INTO mitx_program_mode (program_id, mode_id) VALUES (?, ?)", (program_id, mode_id))


def related_program_ids(db: sqlite3.Connection, program_id: int) -> list[int]:
    """``Program.related_programs``: the other side of each relation, in either position."""
    found = repo.rows(
        db,
        "SELECT CASE WHEN first_program_id = ? THEN second_program_id ELSE first_program_id END AS other "
        "FROM mitx_related_program WHERE first_program_id = ? OR second_program_id = ? ORDER BY id",
        [program_id, program_id, program_id],
    )
    return [row["other"] for row in found]


def add_related_program(db: sqlite3.Connection, program_id: int, other_id: int) -> None:
    """``Program.add_related_program``: an existing relation, in either position, is kept."""
    if other_id not in related_program_ids(db, program_id):
        repo.insert(db, "mitx_related_program", {"first_program_id": program_id, "second_program_id": other_id})


# The requirement tree ------------------------------------------------------------


def step(number: int) -> str:
    text = ""
    while number:
        number, digit = divmod(number, len(ALPHABET))
        text = ALPHABET[digit] + text
    return text.rjust(STEPLEN, ALPHABET[0])


def _step_number(step: str) -> int:
    number = 0
    for char in step:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    return number


def add_node(
    db: sqlite3.Connection, parent: ProgramRequirement | None, values: dict[str, object]
) -> ProgramRequirement:
    """treebeard's ``add_root`` / ``add_child``: the path after the last sibling's."""
    if parent is None:
        last = repo.scalar(db, "SELECT MAX(path) FROM mitx_program_requirement WHERE depth = 1")
        prefix, depth = "", 1
    else:
        last = repo.scalar(
            db,
            "SELECT MAX(path) FROM mitx_program_requirement WHERE depth = ? AND path LIKE ?",
            [parent.depth + 1, parent.path + "%"],
        )
        prefix, depth = parent.path, parent.depth + 1
    number = _step_number(last[-STEPLEN:]) + 1 if last else 1
    node_id = repo.insert(
        db,
        "mitx_program_requirement",
        {"path": prefix + step(number), "depth": depth, "numchild": 0, "title": "", "elective_flag": False, **values},
    )
    if parent is not None:
        db.execute("UPDATE mitx_program_requirement SET numchild = numchild + 1 WHERE id = ?", (parent.id,))
    node = repo.first(ProgramRequirement, db, "r.id = ?", [node_id])
    assert node is not None
    return node


def requirements_root(db: sqlite3.Connection, program_id: int) -> ProgramRequirement:
    root = repo.first(ProgramRequirement, db, "r.program_id = ? AND r.depth = 1", [program_id])
    assert root is not None, f"program {program_id} has no requirements root"
    return root


def tree(db: sqlite3.Connection, program_id: int) -> list[ProgramRequirement]:
    """Every node of the program's tree, in path order (tree order)."""
    return repo.fetch(ProgramRequirement, db, "r.program_id = ?", [program_id], order="r.path")


def _operator_node(db: sqlite3.Connection, program_id: int, operator: str) -> ProgramRequirement:
    """``Program._add_course_node``: the root's operator node of that kind, made when missing."""
    root = requirements_root(db, program_id)
    found = repo.first(
        ProgramRequirement,
        db,
        "r.program_id = ? AND r.depth = 2 AND r.operator = ? AND r.path LIKE ?",
        [program_id, operator, root.path + "%"],
        order="r.path",
    )
    if found is not None:
        return found
    if operator == MIN_NUMBER_OF:
        values: dict[str, object] = {
            "title": ELECTIVE_TITLE,
            "operator_value": "1",
            "elective_flag": True,
        }
    else:
        values = {"title": REQUIRED_TITLE}
    return add_node(db, root, {"program_id": program_id, "node_type": OPERATOR, "operator": operator, **values})


def add_course_requirement(db: sqlite3.Connection, program_id: int, course_id: int, *, elective: bool) -> str:
    """``Program.add_requirement`` / ``add_elective``: a course node under the operator.

    The real methods first delete the root's *direct* children that point at the course;
    course nodes sit one level lower, so nothing is deleted and adding a course twice
    makes two nodes. Returns the operator's title, which ``create_courseware`` prints.
    """
    operator = _operator_node(db, program_id, MIN_NUMBER_OF if elective else ALL_OF)
    add_node(db, operator, {"program_id": program_id, "node_type": COURSE, "course_id": course_id})
    return operator.title or ""


@dataclass(frozen=True)
class Requirement:
    course: Course
    elective: bool


def course_requirements(db: sqlite3.Connection, program_id: int) -> list[Requirement]:
    """The course nodes in path order, each with whether an elective operator holds it."""
    nodes = tree(db, program_id)
    elective_paths = [n.path for n in nodes if n.node_type == OPERATOR and n.elective_flag]
    found: list[Requirement] = []
    for node in nodes:
        if node.node_type != COURSE or node.course_id is None:
            continue
        elective = bool(node.elective_flag) or any(node.path.startswith(p) for p in elective_paths)
        found.append(Requirement(repo.course_by_id(db, node.course_id), elective))
    return found


def program_courses(db: sqlite3.Connection, program_id: int) -> list[Course]:
    """``Program.courses_qset``: the distinct courses of the tree (in tree order here)."""
    seen: dict[int, Course] = {}
    for requirement in course_requirements(db, program_id):
        seen.setdefault(requirement.course.id, requirement.course)
    return list(seen.values())


def programs_of_course(db: sqlite3.Connection, course_id: int) -> list[Program]:
    """``Course.programs``: programs whose tree holds the course, by program id."""
    return repo.fetch(
        Program,
        db,
        "r.id IN (SELECT program_id FROM mitx_program_requirement WHERE node_type = ? AND course_id = ?)",
        [COURSE, course_id],
    )


def has_source_run(db: sqlite3.Connection, course_id: int) -> bool:
    return any(r.counts_as_source for r in repo.runs_of_course(db, course_id, usable_only=False))


# CMS page ------------------------------------------------------------------------


def page_of_program(db: sqlite3.Connection, program_id: int) -> ProgramPage | None:
    return repo.first(ProgramPage, db, "r.program_id = ?", [program_id])


def create_default_program_page(
    db: sqlite3.Connection, program: Program, *, live: bool, include_in_learn_catalog: bool = False
) -> ProgramPage:
    """``create_default_courseware_page`` for a program: a ProgramPage under the program index."""
    slug = repo.slugify(program.readable_id)
    problems: dict[str, list[str]] = {}
    if repo.scalar(
        db, "SELECT COUNT(*) FROM mitx_page WHERE parent_id = ? AND slug = ?", [PROGRAM_INDEX_PAGE_ID, slug]
    ):
        problems["slug"] = [f"The slug '{slug}' is already in use within the parent page at '/programs/'."]
    if page_of_program(db, program.id) is not None:
        problems["program"] = ["Program page with this Program already exists."]
    if problems:
        raise api.PageValidationError(problems)
    page_id = repo.new_page(db, "cms.programpage", PROGRAM_INDEX_PAGE_ID, program.title, slug, live)
    published = now() if live else None
    repo.insert(
        db,
        "mitx_program_page",
        {
            "id": page_id,
            "program_id": program.id,
            "title": program.title,
            "slug": slug,
            "live": live,
            "description": program.title,
            "length": "No Data",
            "min_weekly_hours": "Empty",
            "max_weekly_hours": "Empty",
            "include_in_learn_catalog": include_in_learn_catalog,
            "first_published_at": published,
            "last_published_at": published,
        },
    )
    page = page_of_program(db, program.id)
    assert page is not None
    return page


def ensure_live_program_page(db: sqlite3.Connection, program: Program) -> None:
    """``b2b_contract import``'s ``_ensure_courseware_page``: a live page, publishing a draft."""
    page = page_of_program(db, program.id)
    if page is None:
        create_default_program_page(db, program, live=True)
    elif not page.live:
        repo.update(db, "mitx_program_page", page.id, {"live": True, "last_published_at": now()})
        repo.update(db, "mitx_page", page.id, {"live": True})


# A contract's programs -----------------------------------------------------------


def contract_programs(db: sqlite3.Connection, contract_id: int) -> list[ContractProgramItem]:
    """``contract.contract_programs.order_by("sort_order")``."""
    return repo.fetch(ContractProgramItem, db, "r.contract_id = ?", [contract_id], order="r.sort_order, r.id")


def contract_program_item(db: sqlite3.Connection, contract_id: int, program_id: int) -> ContractProgramItem | None:
    return repo.first(ContractProgramItem, db, "r.contract_id = ? AND r.program_id = ?", [contract_id, program_id])


def link_program(
    ctx: AppContext, contract: Contract, program: Program, sort_order: int | None, *, skip_run_creation: bool
) -> ContractProgramItem:
    """``ContractProgramItem(...).save(skip_run_creation=...)`` of a new link.

    Without ``skip_run_creation`` it queues ``create_program_contract_runs`` with the
    organization's ``org_key_prefix`` (docs/platforms/mitxonline.md §7, §13): the
    Wagtail InlinePanel and the Django-admin Program inline save this way.
    """
    item_id = repo.insert(
        ctx.db,
        "mitx_contract_program",
        {"contract_id": contract.id, "program_id": program.id, "sort_order": sort_order},
    )
    if not skip_run_creation:
        org = repo.organization_by_id(ctx.db, contract.organization_id)
        repo.insert(
            ctx.db,
            "mitx_program_task",
            {
                "contract_id": contract.id,
                "program_id": program.id,
                "org_prefix": org.org_key_prefix,
                "status": "pending",
                "eta": clock.time(),
                "created_at": repo.now_iso(),
            },
        )
    item = repo.first(ContractProgramItem, ctx.db, "r.id = ?", [item_id])
    assert item is not None
    return item


def next_sort_order(db: sqlite3.Connection, contract_id: int) -> int:
    """Last ``sort_order`` + 1, or 0 for the first program."""
    last = repo.scalar(db, "SELECT MAX(sort_order) FROM mitx_contract_program WHERE contract_id = ?", [contract_id])
    return 0 if last is None else int(last) + 1


def add_program_courses(
    ctx: AppContext,
    out: Output,
    contract: Contract,
    program: Program,
    *,
    order: int | None = None,
    skip_edx: bool,
    allow_reruns: bool,
    filters: api.RunFilters,
) -> tuple[int, int]:
    """``ContractPage.add_program_courses``: (runs created, courses without a source run).

    Contract runs are made with ``create_contract_run``'s own default prefix, ``UAI_``,
    whatever the organization's ``org_key_prefix`` (docs/platforms/mitxonline.md §7, §13).
    A course whose source runs match no variant raises ``SourceCourseIncompleteError``
    as on the course path.
    """
    db = ctx.db
    # courses_qset: Course's default ordering is readable_id.
    courses = sorted(program_courses(db, program.id), key=lambda c: c.readable_id)
    with_source = [c for c in courses if has_source_run(db, c.id)]
    managed = 0
    for course in with_source:
        created = api.create_contract_run(
            ctx,
            out,
            contract,
            course,
            prefix=DEFAULT_ORG_KEY_PREFIX,
            skip_edx=skip_edx,
            allow_reruns=allow_reruns,
            filters=filters,
        )
        managed += len(created)
    if order is None:
        order = next_sort_order(db, contract.id)
    if contract_program_item(db, contract.id, program.id) is None:
        link_program(ctx, contract, program, order, skip_run_creation=True)
    return managed, len(courses) - len(with_source)


def program_contract_runs(db: sqlite3.Connection, contract: Contract, program: Program) -> list[CourseRun]:
    """``CourseRun.objects.filter(b2b_contract=contract, course__in=program courses)``."""
    course_ids = [c.id for c in program_courses(db, program.id)]
    if not course_ids:
        return []
    marks = ", ".join("?" for _ in course_ids)
    return repo.fetch(
        CourseRun,
        db,
        f"r.b2b_contract_id = ? AND r.course_id IN ({marks}) AND {repo.USABLE_RUN}",
        [contract.id, *course_ids],
    )


# The Celery task -----------------------------------------------------------------


def next_due(db: sqlite3.Connection) -> float | None:
    """When the earliest pending ``create_program_contract_runs`` is due (``time.time()``
    scale); None when none is pending."""
    row = db.execute("SELECT min(eta) FROM mitx_program_task WHERE status = 'pending'").fetchone()
    return None if row[0] is None else float(row[0])


def run_due_tasks(ctx: AppContext) -> None:
    """Run each pending ``create_program_contract_runs``; called by the server's Celery
    worker at each look for due tasks, and by ``worker.tick``."""
    for task in repo.fetch(ProgramTask, ctx.db, "r.status = 'pending' AND r.eta <= ?", [clock.time()], order="r.id"):
        values: dict[str, object] = {"finished_at": repo.now_iso()}
        log = io.StringIO()
        try:
            _create_program_contract_runs(ctx, task, Output(_task_context(ctx, log), TASK_LOGGER))
            values.update(status="succeeded", last_error=None)
        except EmulatedException as exc:
            values.update(status="failed", last_error=f"{exc.qualified_name}: {exc.message}")
        except Exception as exc:  # an InvalidKeyError, say: the Celery task fails, what it made stays
            values.update(status="failed", last_error=f"{type(exc).__name__}: {exc}")
        repo.update(ctx.db, "mitx_program_task", task.id, values)
        ctx.db.commit()


def _task_context(ctx: AppContext, log: io.StringIO) -> CommandContext:
    return CommandContext(
        db=ctx.db, state_dir=ctx.state_dir, urls=ctx.urls, settings=ctx.settings, stdout=log, stderr=log, env={}
    )


def _create_program_contract_runs(ctx: AppContext, task: ProgramTask, out: Output) -> int:
    """The task: a contract run (and its edX clone) for each program course with a
    source run and no run in the contract yet, with the organization's prefix."""
    db = ctx.db
    contract = repo.contract_by_id(db, task.contract_id)
    program = program_by_id(db, task.program_id)
    if contract is None or program is None:
        raise EmulatedException("DoesNotExist", "ContractPage or Program matching query does not exist.")
    created = 0
    for course in sorted(program_courses(db, program.id), key=lambda c: c.readable_id):
        if not has_source_run(db, course.id):
            continue
        if repo.first(
            CourseRun, db, f"r.course_id = ? AND r.b2b_contract_id = ? AND {repo.USABLE_RUN}", [course.id, contract.id]
        ):
            continue
        api.create_contract_run(
            ctx,
            out,
            contract,
            course,
            prefix=task.org_prefix,
            skip_edx=False,
            allow_reruns=False,
            filters=api.RunFilters(),
        )
        created += 1
    return created
