"""Layers point down (docs/decisions.md §25): the foundations, the transport, the command
sessions, the programs sent to MITx Online and the clients know nothing of Pulumi, of the
resources or of the composition root, and the MITx Online client knows nothing of the
edX client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The layers below the resources, by module name.
CLIENT_LAYER = (
    "provider.logs",
    "provider.journal",
    "provider.errors",
    "provider.settings",
    "provider.rules",
    "provider.fields",
    "provider.attempts",
    "provider.edx.keys",
    "provider.edx.models",
    "provider.edx.client",
    "provider.mitxonline.tables",
    "provider.mitxonline.models",
    "provider.mitxonline.remote",
    "provider.mitxonline.remote.codes",
    "provider.mitxonline.remote.environment",
    "provider.mitxonline.remote.listings",
    "provider.mitxonline.remote.session",
    "provider.mitxonline.commands",
    "provider.mitxonline.transport",
    "provider.mitxonline.session",
    "provider.mitxonline.rest",
    "provider.mitxonline.client",
)

RESOURCE_MODULES = (
    "provider.destroy_guard",
    "provider.edx.course_run",
    "provider.mitxonline._common",
    "provider.mitxonline.contract",
    "provider.mitxonline.contract_courseware",
    "provider.mitxonline.course",
    "provider.mitxonline.course_page",
    "provider.mitxonline.course_run",
    "provider.mitxonline.enrollment_codes",
    "provider.mitxonline.organization",
)

# What no module of the client layer may import: Pulumi, the provider base, the
# composition root and the resources.
ABOVE = ("pulumi", "provider.base", "provider.platforms", *RESOURCE_MODULES)


def imported(module: str) -> set[str]:
    """The modules `module` names in its import statements (`from a import b` gives
    both `a` and `a.b`, since `b` may be a module)."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


@pytest.mark.parametrize("module", CLIENT_LAYER)
def test_the_client_layer_imports_nothing_above_it(module: str) -> None:
    assert sorted(name for name in imported(module) if under(name, ABOVE)) == []


def test_the_mitxonline_client_does_not_reach_into_the_edx_client() -> None:
    mitxonline = [module for module in CLIENT_LAYER if module.startswith("provider.mitxonline.")]
    assert [module for module in mitxonline if "provider.edx.client" in imported(module)] == []


def test_importing_the_clients_loads_no_pulumi() -> None:
    """Not even through an import further down: checked in a fresh interpreter."""
    program = (
        f"import sys\nfor name in {CLIENT_LAYER!r}:\n    __import__(name)\nprint('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = done.stdout.split()
    assert "provider.mitxonline.client" in loaded
    assert [name for name in loaded if under(name, ABOVE)] == []
