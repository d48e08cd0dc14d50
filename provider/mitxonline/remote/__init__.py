"""Programs the provider runs inside MITx Online, through `manage.py shell --no-imports -c`.

Each module here is ordinary Python of this package (linted, type-checked, unit-tested
with a fake `call_command`) and is sent as text: `shell_code` reads the source of the
modules a program needs, drops docstrings and comments, and writes one line of Python,
`exec(<module source>); ...; <entry>(<arguments>)`. No newline reaches `shell -c`
(`transport.check_argv`); the line is made of this package's text and of `repr`s of
already-checked values only.

The modules import nothing of this package and only the standard library at their top
(Django's modules inside functions): on the platform, nothing but their own text exists.
Every program starts with `environment.pin_environment()`, so what the provider parses
does not depend on the environment the command was started in (a `kubectl exec` or
`ssh` prefix passes none; issue 20).
"""

from __future__ import annotations

import ast
import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provider.mitxonline.remote import environment


@functools.cache
def module_text(module_name: str) -> str:
    """The source of one module of this package without docstrings and comments."""
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0].value if body and isinstance(body[0], ast.Expr) else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def shell_code(entry: Callable[..., Any], *arguments: object) -> str:
    """One line of Python that defines `entry`'s module (after `environment`), pins the
    environment and calls `entry(*arguments)`; each argument is written with `repr`."""
    texts = [module_text(environment.__name__)]
    if entry.__module__ != environment.__name__:
        texts.append(module_text(entry.__module__))
    call = f"{entry.__name__}({', '.join(repr(argument) for argument in arguments)})"
    return "; ".join([*(f"exec({text!r})" for text in texts), "pin_environment()", call])
