"""The ``django`` modules that code run by ``shell -c`` can import (Django 5.2).

In MITx Online, ``manage.py shell -c "<code>"`` runs the code inside the Django process
it started, so ``from django.core.management import call_command`` runs another
management command in that same process: one Django start-up (about 20 s,
docs/platforms/mitxonline.md §2) for both. The provider reads enrollment codes that way
(docs/decisions.md).

The sandbox is not Django. The shell gives its code a builtins mapping whose
``__import__`` answers ``django``, ``django.core``, ``django.core.management`` and
``django.core.management.base`` from modules made for that one run (``builtins_for``);
every other import is the ordinary one. Nothing goes into ``sys.modules``: the sandbox
process itself, and code that goes around ``__import__`` (``importlib.import_module``),
see no ``django`` at all.

What the modules hold: ``django.VERSION``; ``call_command`` and ``CommandError`` in
``django.core.management``; ``CommandError`` in ``django.core.management.base``;
``connections.close_all()`` in ``django.db``, which the provider's command session
calls after each command (the store autocommits, so there is nothing to close). The
``CommandError`` class is a subclass of the sandbox's own, named as Django names it, so
a traceback ends in ``django.core.management.base.CommandError: <msg>`` as it would in
MITx Online.
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Callable, Mapping
from typing import Any, cast

from sandbox.mitxonline.commands.base import CommandError as SandboxCommandError
from sandbox.mitxonline.console import EmulatedException

VERSION = (5, 2, 0, "final", 0)

CallCommand = Callable[..., None]


class CommandError(SandboxCommandError):
    """``django.core.management.base.CommandError``, as code run by the shell sees it."""

    __module__ = "django.core.management.base"


def as_django_error(error: SandboxCommandError) -> CommandError:
    """The error a command raised, as Django's ``CommandError`` class."""
    return error if isinstance(error, CommandError) else CommandError(*error.args)


def as_python_exception(error: EmulatedException) -> Exception:
    """An exception MITx Online raises, as Python code calling the command would see it:
    a builtin (``TypeError``) as itself, any other as a class of that dotted name, so a
    traceback ends in ``b2b.models.ContractPage.DoesNotExist: <msg>``."""
    builtin: object = getattr(builtins, error.qualified_name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        return builtin(error.message)
    module, _, name = error.qualified_name.rpartition(".")
    raised = cast(type[Exception], type(name, (Exception,), {"__module__": module or "builtins", "__qualname__": name}))
    return raised(error.message)


def modules(call: CallCommand) -> dict[str, types.ModuleType]:
    """Fresh ``django`` modules whose ``call_command`` is `call`."""

    def call_command(command_name: str, *args: Any, **options: Any) -> None:
        """Run the management command ``command_name`` in this process: string arguments
        are parsed by its parser, keyword options set by their ``dest`` (or option name),
        ``stdout=``/``stderr=`` take its output (Django's ``call_command``)."""
        call(command_name, *args, **options)

    django = types.ModuleType("django")
    db = types.ModuleType("django.db")
    db.connections = types.SimpleNamespace(close_all=lambda: None)  # type: ignore[attr-defined]
    core = types.ModuleType("django.core")
    management = types.ModuleType("django.core.management")
    base = types.ModuleType("django.core.management.base")
    django.VERSION = VERSION  # type: ignore[attr-defined]
    django.core = core  # type: ignore[attr-defined]
    django.db = db  # type: ignore[attr-defined]
    core.management = management  # type: ignore[attr-defined]
    management.base = base  # type: ignore[attr-defined]
    management.call_command = call_command  # type: ignore[attr-defined]
    management.CommandError = CommandError  # type: ignore[attr-defined]
    base.CommandError = CommandError  # type: ignore[attr-defined]
    return {module.__name__: module for module in (django, db, core, management, base)}


def builtins_for(call: CallCommand, extra: Mapping[str, types.ModuleType] | None = None) -> dict[str, Any]:
    """The builtins for one ``exec``: the real ones, with an ``__import__`` that finds
    the ``django`` modules of `modules(call)` and the `extra` ones (``courses_modules``:
    ``courses.*``, ``rest_framework.exceptions``, ``django.db.transaction``)."""
    found = {**modules(call), **(extra or {})}
    if "django.db.transaction" in found:
        found["django.db"].transaction = found["django.db.transaction"]  # type: ignore[attr-defined]
    return {**vars(builtins), "__import__": _importer(found)}


def _importer(found: Mapping[str, types.ModuleType]) -> Callable[..., Any]:
    ordinary = builtins.__import__

    def import_(
        name: str,
        globals: Mapping[str, object] | None = None,  # the names of __import__'s parameters
        locals: Mapping[str, object] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        top = name.partition(".")[0]
        if level == 0 and top in found:
            module = found.get(name)
            if module is None:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            # `import django.core.management` binds `django`; `from ... import x` wants the module itself.
            return module if fromlist else found[top]
        return ordinary(name, globals, locals, fromlist or (), level)

    return import_
