"""The ``courses`` modules (and ``django.db.transaction``) that code run by ``shell -c`` can import.

No management command changes a program once made (docs/platforms/mitxonline.md §13):
MITx Online's own editor is its admin form, which saves the program through the model's
``save()`` and its requirement tree through ``ProgramRequirementTreeSerializer``. The
provider's ``provider/mitxonline/remote/programs.py`` calls those two from a
``manage.py shell``. The sandbox is not Django, so this module gives the shell's code
the small part of MITx Online's API that such code uses, over the sandbox's store:

- ``courses.models.Program``: ``objects.get(...)`` / ``objects.select_for_update().get(...)``
  by field values (``Program.DoesNotExist`` when none), ``objects.filter(...)`` with
  ``first()``, ``exists()``, ``count()``, the
  fields ``id, title, readable_id, live, b2b_only, display_mode``, ``save()``,
  ``get_requirements_root(for_update=False)`` and ``courses``, ``required_courses``,
  ``elective_courses`` (tree order);
- ``courses.models.Course``: ``objects.get/filter`` (``readable_id__in`` too), ``id``,
  ``title``, ``readable_id``, ``live``;
- ``courses.models.ProgramRequirement``: ``add_root(program=..., node_type=...)`` and
  nodes with their fields, ``get_children()``, ``get_parent()``;
- ``courses.serializers.v1.programs.ProgramRequirementTreeSerializer(root, data=...)``
  with ``is_valid(raise_exception=...)`` and ``save()``: the tree under the root becomes
  the given one, nodes given with an ``id`` kept (and moved), the others made, nodes left
  out deleted (``BaseProgramRequirementTreeSerializer.update``);
- ``django.db.transaction.atomic()``: a savepoint, rolled back when the block raises.

Anything else MITx Online has is missing here, and importing it fails as an unknown
module would.
"""

from __future__ import annotations

import sqlite3
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from sandbox.mitxonline import programs, repo
from sandbox.mitxonline.models import Course, Program, ProgramRequirement


class ValidationError(Exception):
    """``rest_framework.exceptions.ValidationError``."""

    __module__ = "rest_framework.exceptions"

    def __init__(self, detail: object) -> None:
        super().__init__(detail)
        self.detail = detail


def _matches(row: object, lookups: dict[str, Any]) -> bool:
    for name, wanted in lookups.items():
        field, _, op = name.partition("__")
        value = getattr(row, "id" if field == "pk" else field)
        if op == "in":
            if value not in list(wanted):
                return False
        elif op:
            raise TypeError(f"Unsupported lookup '{op}' for field '{field}'.")
        elif value != wanted and str(value) != str(wanted):
            return False
    return True


class _QuerySet:
    """The part of a Django queryset the shell's code uses: exact and ``__in`` lookups,
    ``get``, ``first``, ``exists``, ``count``, iteration; rows read when asked for."""

    def __init__(self, model: type[_Model], lookups: dict[str, Any] | None = None) -> None:
        self.model = model
        self.lookups = lookups or {}

    def _items(self) -> list[Any]:
        rows = repo.fetch(self.model.row_type, self.model.db)
        return [self.model(row, self.model.db) for row in rows if _matches(row, self.lookups)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __getitem__(self, index: int) -> Any:
        return self._items()[index]

    def select_for_update(self, **kwargs: Any) -> _QuerySet:
        return self

    def all(self) -> _QuerySet:
        return self

    def filter(self, **lookups: Any) -> _QuerySet:
        return _QuerySet(self.model, {**self.lookups, **lookups})

    def first(self) -> Any:
        found = self._items()
        return found[0] if found else None

    def exists(self) -> bool:
        return bool(self._items())

    def count(self) -> int:
        return len(self._items())

    def get(self, **lookups: Any) -> Any:
        found = self.filter(**lookups)._items()
        if not found:
            raise self.model.DoesNotExist(f"{self.model.__name__} matching query does not exist.")
        if len(found) > 1:
            raise self.model.MultipleObjectsReturned(
                f"get() returned more than one {self.model.__name__} -- it returned {len(found)}!"
            )
        return found[0]


class _Manager(_QuerySet):
    """``Model.objects``."""


class _Model:
    row_type: ClassVar[type[Any]]
    db: ClassVar[sqlite3.Connection]
    objects: ClassVar[_Manager]
    DoesNotExist: ClassVar[type[Exception]]
    MultipleObjectsReturned: ClassVar[type[Exception]]

    def __init__(self, row: Any, db: sqlite3.Connection) -> None:
        self.__dict__["row"] = row
        self.__dict__["db"] = db

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["row"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["row"], name, value)


class _ProgramModel(_Model):
    row_type = Program

    def save(self, *args: Any, **kwargs: Any) -> None:
        """``Program.save()`` of the admin form's fields (the tree's root exists already)."""
        row: Program = self.row
        if not row.title or len(row.title) > 255:
            raise ValueError("title: Ensure this field has no more than 255 characters and is not blank.")
        repo.update(
            self.db,
            "mitx_program",
            row.id,
            {"title": row.title, "live": bool(row.live), "b2b_only": bool(row.b2b_only), "updated_on": repo.now_iso()},
        )

    def _requirements(self, elective: bool) -> list[_CourseModel]:
        return [
            _CourseModel(r.course, self.db)
            for r in programs.course_requirements(self.db, self.row.id)
            if r.elective == elective
        ]

    @property
    def required_courses(self) -> list[_CourseModel]:
        """The courses under the required operator, in tree order."""
        return self._requirements(elective=False)

    @property
    def elective_courses(self) -> list[_CourseModel]:
        return self._requirements(elective=True)

    @property
    def courses(self) -> list[tuple[_CourseModel, str]]:
        """``(course, "Required Courses" | "Elective Courses")`` in tree order."""
        return [
            (_CourseModel(r.course, self.db), ELECTIVE_TYPE if r.elective else REQUIRED_TYPE)
            for r in programs.course_requirements(self.db, self.row.id)
        ]

    def get_requirements_root(self, for_update: bool = False) -> _Node | None:
        found = repo.first(ProgramRequirement, self.db, "r.program_id = ? AND r.depth = 1", [self.row.id])
        return None if found is None else _Node(found, self.db)


class _CourseModel(_Model):
    row_type = Course


class _Node(_Model):
    """A ``ProgramRequirement`` node."""

    row_type = ProgramRequirement

    def get_children(self) -> list[_Node]:
        row: ProgramRequirement = self.row
        return [
            _Node(n, self.db)
            for n in repo.fetch(
                ProgramRequirement,
                self.db,
                "r.depth = ? AND r.path LIKE ? AND r.program_id = ?",
                [row.depth + 1, row.path + "%", row.program_id],
                order="r.path",
            )
        ]

    def get_parent(self) -> _Node | None:
        row: ProgramRequirement = self.row
        if row.depth == 1:
            return None
        found = repo.first(ProgramRequirement, self.db, "r.path = ?", [row.path[: -programs.STEPLEN]])
        return None if found is None else _Node(found, self.db)

    @classmethod
    def add_root(cls, program: _ProgramModel, node_type: str = programs.PROGRAM_ROOT, **fields: Any) -> _Node:
        existing = program.get_requirements_root()
        if existing is not None:
            return existing
        root = programs.add_node(cls.db, None, {"program_id": program.id, "node_type": node_type, **fields})
        return _Node(root, cls.db)


_NODE_TYPES = ("operator", "course", "program")
REQUIRED_TYPE = "Required Courses"
ELECTIVE_TYPE = "Elective Courses"
_DATA_DEFAULTS = {
    "course_id": None,
    "required_program_id": None,
    "title": None,
    "operator": None,
    "operator_value": None,
    "elective_flag": False,
}


class ProgramRequirementTreeSerializer:
    """``ProgramRequirementTreeSerializer`` (v1) used to write: validate, then update the tree."""

    __module__ = "courses.serializers.v1.programs"
    db: ClassVar[sqlite3.Connection]

    def __init__(self, instance: _Node, data: Sequence[dict[str, Any]] = (), **kwargs: Any) -> None:
        self.instance = instance
        self.initial_data = list(data)
        self.validated_data: list[dict[str, Any]] | None = None
        self.errors: list[dict[str, Any]] = []

    def _validate(self, items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The data serializer's fields by their sources (``course`` → ``course_id``, as
        strings), defaults filled; one error dict per item, empty when it is valid."""
        valid, errors = [], []
        for item in items:
            data = dict(item.get("data") or {})
            problems: dict[str, Any] = {}
            if data.get("node_type") not in _NODE_TYPES:
                problems["data"] = {"node_type": [f'"{data.get("node_type")}" is not a valid choice.']}
            fields: dict[str, Any] = {**_DATA_DEFAULTS, "node_type": data.get("node_type")}
            for name, source in (("course", "course_id"), ("required_program", "required_program_id")):
                if data.get(name) is not None:
                    fields[source] = str(data[name])
            for name in ("title", "operator", "operator_value"):
                if data.get(name) is not None:
                    fields[name] = str(data[name])
            fields["elective_flag"] = bool(data.get("elective_flag", False))
            children, child_errors = self._validate(item.get("children") or [])
            if any(child_errors):
                problems["children"] = child_errors
            errors.append(problems)
            valid.append({"id": item.get("id"), "data": fields, "children": children})
        return valid, errors

    def is_valid(self, *, raise_exception: bool = False) -> bool:
        valid, errors = self._validate(self.initial_data)
        if any(errors):
            self.errors = errors
            if raise_exception:
                raise ValidationError(errors)
            return False
        self.validated_data = valid
        return True

    def save(self) -> _Node:
        """``BaseProgramRequirementTreeSerializer.update``: the given nodes in the given order
        under the root (an ``id`` keeps that node), every other descendant deleted. Paths
        are laid out afresh (1, 2, … per level); only their order is ever read."""
        assert self.validated_data is not None, "call is_valid() first"
        db = self.db
        root: ProgramRequirement = self.instance.row
        keep: set[int] = set()

        def collect(items: list[dict[str, Any]]) -> None:
            for item in items:
                if item["id"] is not None:
                    keep.add(int(item["id"]))
                collect(item["children"])

        collect(self.validated_data)
        descendants = repo.fetch(
            ProgramRequirement,
            db,
            "r.depth > 1 AND r.path LIKE ? AND r.program_id = ?",
            [root.path + "%", root.program_id],
        )
        for node in descendants:
            if node.id in keep:
                # Out of the way of the new layout's paths (unique), until laid out again.
                db.execute("UPDATE mitx_program_requirement SET path = ? WHERE id = ?", (f"~{node.id}", node.id))
            else:
                db.execute("DELETE FROM mitx_program_requirement WHERE id = ?", (node.id,))
        db.execute("UPDATE mitx_program_requirement SET numchild = 0 WHERE id = ?", (root.id,))
        self._lay_out(root, self.validated_data, {n.id for n in descendants})
        updated = repo.first(ProgramRequirement, db, "r.id = ?", [root.id])
        assert updated is not None
        return _Node(updated, db)

    def _lay_out(self, parent: ProgramRequirement, items: list[dict[str, Any]], existing: set[int]) -> None:
        db = self.db
        for number, item in enumerate(items, start=1):
            values = {**item["data"], "program_id": parent.program_id}
            path = parent.path + programs.step(number)
            if item["id"] is not None and int(item["id"]) in existing:
                repo.update(
                    db,
                    "mitx_program_requirement",
                    int(item["id"]),
                    {**values, "path": path, "depth": parent.depth + 1, "numchild": 0},
                )
                node_id = int(item["id"])
            else:
                node_id = repo.insert(
                    db,
                    "mitx_program_requirement",
                    {**values, "path": path, "depth": parent.depth + 1, "numchild": 0},
                )
            db.execute("UPDATE mitx_program_requirement SET numchild = numchild + 1 WHERE id = ?", (parent.id,))
            node = repo.first(ProgramRequirement, db, "r.id = ?", [node_id])
            assert node is not None
            self._lay_out(node, item["children"], existing)


def modules(db: sqlite3.Connection) -> dict[str, types.ModuleType]:
    """Fresh ``courses`` modules and ``django.db.transaction`` over the store ``db``."""

    def model(name: str, base: type[_Model]) -> type[_Model]:
        where = f"courses.models.{name}"
        made: type[_Model] = type(
            name,
            (base,),
            {
                "__module__": "courses.models",
                "db": db,
                "DoesNotExist": type("DoesNotExist", (Exception,), {"__module__": where}),
                "MultipleObjectsReturned": type("MultipleObjectsReturned", (Exception,), {"__module__": where}),
            },
        )
        made.objects = _Manager(made)
        return made

    courses = types.ModuleType("courses")
    models = types.ModuleType("courses.models")
    serializers = types.ModuleType("courses.serializers")
    v1 = types.ModuleType("courses.serializers.v1")
    v1_programs = types.ModuleType("courses.serializers.v1.programs")
    models.Program = model("Program", _ProgramModel)  # type: ignore[attr-defined]
    models.Course = model("Course", _CourseModel)  # type: ignore[attr-defined]
    models.ProgramRequirement = model("ProgramRequirement", _Node)  # type: ignore[attr-defined]
    tree_serializer = type(
        "ProgramRequirementTreeSerializer",
        (ProgramRequirementTreeSerializer,),
        {"__module__": v1_programs.__name__, "db": db},
    )
    v1_programs.ProgramRequirementTreeSerializer = tree_serializer  # type: ignore[attr-defined]
    courses.models = models  # type: ignore[attr-defined]
    courses.serializers = serializers  # type: ignore[attr-defined]
    serializers.v1 = v1  # type: ignore[attr-defined]
    v1.programs = v1_programs  # type: ignore[attr-defined]
    rest_framework = types.ModuleType("rest_framework")
    exceptions = types.ModuleType("rest_framework.exceptions")
    exceptions.ValidationError = ValidationError  # type: ignore[attr-defined]
    rest_framework.exceptions = exceptions  # type: ignore[attr-defined]
    transaction = types.ModuleType("django.db.transaction")
    transaction.atomic = _atomic(db)  # type: ignore[attr-defined]
    return {
        module.__name__: module
        for module in (courses, models, serializers, v1, v1_programs, rest_framework, exceptions, transaction)
    }


def _atomic(db: sqlite3.Connection) -> Any:
    counter = iter(range(1, 1_000_000))

    @contextmanager
    def atomic() -> Iterator[None]:
        name = f"shell_atomic_{next(counter)}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        db.execute(f"RELEASE {name}")

    return atomic
