"""Layers point down (docs/decisions.md §25). Every module of provider/ belongs to exactly
one layer, and imports only from its own layer and the ones below:

    foundations             pure: errors, rules, field types, declared models and checks,
                            the argv builders and output parsers, the programs sent to
                            MITx Online; no I/O, no client
    transport and clients   commands, sessions, REST, the edX client and the MITx Online
                            facade with its shared reads, retries and clone wait
    composition root        provider/platforms.py, the one place that builds the clients
    resources               the providers and their `Resource` classes
    application             the program, the stack-file schema, the CLI, adoption, reports

A new module that is not assigned fails `test_every_module_is_in_exactly_one_layer`.
Beside the order: nothing below the resources loads Pulumi (but the SDK's value types
in the few foundations that check declarations), no resource imports another resource,
and the catalog and adoption share the foundations' checks and shapes instead of
importing resources.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FOUNDATIONS = (
    "provider",
    "provider.logs",
    "provider.lean_httpx",
    "provider.journal",
    "provider.errors",
    "provider.settings",
    "provider.rules",
    "provider.fields",
    "provider.attempts",
    "provider.declared",
    "provider.checks",
    "provider.properties",
    "provider.edx",
    "provider.edx.keys",
    "provider.edx.models",
    "provider.mitxonline",
    "provider.mitxonline.tables",
    "provider.mitxonline.models",
    "provider.mitxonline.shapes",
    "provider.mitxonline.commands",
    "provider.mitxonline.outputs",
    "provider.mitxonline.listing",
    "provider.mitxonline.run_keys",
    "provider.mitxonline.remote",
    "provider.mitxonline.remote.codes",
    "provider.mitxonline.remote.environment",
    "provider.mitxonline.remote.listings",
    "provider.mitxonline.remote.programs",
    "provider.mitxonline.remote.session",
)

CLIENTS = (
    "provider.edx.client",
    "provider.mitxonline.transport",
    "provider.mitxonline.session",
    "provider.mitxonline.rest",
    "provider.mitxonline.reads",
    "provider.mitxonline.retries",
    "provider.mitxonline.clone_wait",
    "provider.mitxonline.client",
)

COMPOSITION_ROOT = ("provider.platforms",)

# The modules that define a resource, and what they share (base, resource, _common).
RESOURCE_MODULES = (
    "provider.destroy_guard",
    "provider.server_threads",
    "provider.edx.course_run",
    "provider.mitxonline.contract",
    "provider.mitxonline.contract_courseware",
    "provider.mitxonline.course",
    "provider.mitxonline.course_page",
    "provider.mitxonline.course_run",
    "provider.mitxonline.enrollment_codes",
    "provider.mitxonline.organization",
    "provider.mitxonline.program",
)
RESOURCES = ("provider.base", "provider.resource", "provider.mitxonline._common", *RESOURCE_MODULES)

APPLICATION = (
    "provider.program",
    "provider.catalog",
    "provider.stack_config",
    "provider.sdk_tuning",
    "provider.reports",
    "provider.code_sheet",
    "provider.stack_lock",
    "provider.cli",
    "provider.adopt",
    "provider.adopt.entries",
    "provider.adopt.reads",
    "provider.adopt.stack",
    "provider.adopt.stack_file",
)

LAYERS = {
    "foundations": FOUNDATIONS,
    "transport and clients": CLIENTS,
    "composition root": COMPOSITION_ROOT,
    "resources": RESOURCES,
    "application": APPLICATION,
}
RANK = {module: rank for rank, modules in enumerate(LAYERS.values()) for module in modules}

# Foundations that check declarations take the SDK's value types (Unknown, CheckFailure,
# Input) as arguments and results; nothing of the engine.
SDK_VALUE_TYPES = ("provider.declared", "provider.checks", "provider.properties")
VALUE_TYPE_MODULES = ("pulumi", "pulumi.dynamic", "pulumi.output")


def modules_on_disk() -> list[str]:
    found = []
    for path in sorted((ROOT / "provider").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


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


def provider_imports(module: str) -> set[str]:
    """The provider modules `module` imports (names that are not modules dropped)."""
    return {name for name in imported(module) if name in RANK and name != module}


def under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def test_every_module_is_in_exactly_one_layer() -> None:
    assigned = [module for modules in LAYERS.values() for module in modules]
    assert sorted(m for m in set(assigned) if assigned.count(m) > 1) == []
    assert sorted(set(modules_on_disk()) - set(assigned)) == [], "assign the new module to a layer"
    assert sorted(set(assigned) - set(modules_on_disk())) == [], "remove the module that is gone"


@pytest.mark.parametrize("module", modules_on_disk())
def test_a_module_imports_only_its_layer_and_those_below(module: str) -> None:
    above = {name: RANK[name] for name in provider_imports(module) if RANK[name] > RANK.get(module, -1)}
    assert above == {}


@pytest.mark.parametrize("module", FOUNDATIONS + CLIENTS)
def test_below_the_resources_nothing_imports_pulumi(module: str) -> None:
    allowed = VALUE_TYPE_MODULES if module in SDK_VALUE_TYPES else ()
    sdk = [name for name in imported(module) if under(name, ("pulumi",))]
    # `from pulumi.dynamic import CheckFailure` names `pulumi.dynamic.CheckFailure` too.
    assert sorted(name for name in sdk if name not in allowed and name.rsplit(".", 1)[0] not in allowed[1:]) == []


@pytest.mark.parametrize("module", RESOURCE_MODULES)
def test_no_resource_imports_another(module: str) -> None:
    assert sorted(provider_imports(module) & set(RESOURCE_MODULES)) == []


@pytest.mark.parametrize("module", ["provider.catalog", *(m for m in APPLICATION if under(m, ("provider.adopt",)))])
def test_the_catalog_and_adoption_share_foundations_not_resources(module: str) -> None:
    assert sorted(provider_imports(module) & set(RESOURCES)) == []


def test_the_mitxonline_client_does_not_reach_into_the_edx_client() -> None:
    mitxonline = [module for module in FOUNDATIONS + CLIENTS if module.startswith("provider.mitxonline.")]
    assert [module for module in mitxonline if "provider.edx.client" in imported(module)] == []


def test_importing_the_clients_loads_no_pulumi() -> None:
    """Not even through an import further down: checked in a fresh interpreter."""
    program = f"import sys\nfor name in {CLIENTS!r}:\n    __import__(name)\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = done.stdout.split()
    assert "provider.mitxonline.client" in loaded
    assert [name for name in loaded if under(name, ("pulumi", "provider.base", "provider.platforms"))] == []
