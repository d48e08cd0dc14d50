"""The stack file's `courseware:` keys, checked before the program registers anything.

Two mistakes in a stack file would otherwise plan to delete everything the stack
manages (issue 14, item 2):

- a misspelt key (`courseware:catalogue`): the program reads no catalog, so an empty
  one. Every key of the `courseware:` namespace must be a known one; an unknown key is
  an error naming it, the closest known key and every known key.
- a catalog that is empty, or lost its entries: a stack that has resources would lose
  them all. Such a run is refused unless the stack file says so with
  `courseware:allowEmptyCatalog: true`.

Whether the stack has resources is read from the stack's own last state, through the
engine's built-in `pulumi:pulumi:readStackResourceOutputs` invoke (the one behind stack
references): it registers nothing, so it adds no step to any preview, and it runs only
when the catalog is empty (docs/decisions.md, "An empty catalog is refused").
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.runtime.config import CONFIG, is_config_secret

from provider.errors import DeclarationError, FieldProblem, InvalidSettings
from provider.reports import DESTROY_GUARD
from provider.settings import CONFIG_KEYS as PLATFORM_KEYS
from provider.settings import PROJECT, plain_text_secrets, settings_from_config

CATALOG = "catalog"
ALLOW_EMPTY = "allowEmptyCatalog"
KNOWN_KEYS = (CATALOG, ALLOW_EMPTY, *PLATFORM_KEYS)

# The type prefix of every resource this project's providers manage.
_MANAGED_TYPE = "pulumi-python:dynamic/"

StackResources = Callable[[], list[str]]


def unknown_keys(config: Mapping[str, Any]) -> list[FieldProblem]:
    """One problem per key of the `courseware:` namespace this project does not read."""
    problems = []
    for full_key in sorted(config):
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT or key in KNOWN_KEYS:
            continue
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
        hint = f"did you mean `{PROJECT}:{close[0]}`? " if close else ""
        problems.append(
            FieldProblem(
                full_key,
                f"not a key this project reads: {hint}the keys are "
                + ", ".join(f"`{PROJECT}:{known}`" for known in KNOWN_KEYS),
            )
        )
    return problems


def declared_entries(catalog: Any) -> int:
    """How many entries the raw catalog declares (source courses, organizations, contracts)."""
    if not isinstance(catalog, Mapping):
        return 0
    return sum(len(value) for value in catalog.values() if isinstance(value, list))


def _allows_empty(config: Mapping[str, Any]) -> bool:
    return str(config.get(f"{PROJECT}:{ALLOW_EMPTY}", "")).strip().lower() == "true"


def check_stack_config(config: Mapping[str, Any], catalog: Any, stack_resources: StackResources) -> None:
    """Raise DeclarationError when the stack file has an unknown `courseware:` key, or
    declares an empty catalog for a stack that has resources without allowing it.

    `config` is every config key of the stack (`project:key` -> value), `catalog` the
    parsed `courseware:catalog`; `stack_resources` lists the resources the stack holds
    now and is called only for an empty catalog.
    """
    problems = unknown_keys(config)
    if problems:
        raise DeclarationError(problems)
    if declared_entries(catalog) or _allows_empty(config):
        return
    existing = stack_resources()
    if existing:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise DeclarationError(
            [
                FieldProblem(
                    f"{PROJECT}:{CATALOG}",
                    f"declares nothing, and this stack manages {len(existing)} resource(s) ({shown}): applying "
                    "it would delete every one of them. If the catalog was lost by mistake, restore it; to "
                    f"really remove everything, add `{PROJECT}:{ALLOW_EMPTY}: true` to the stack file",
                )
            ]
        )


def check_settings(config: Mapping[str, Any], is_secret: Callable[[str], bool]) -> None:
    """Raise InvalidSettings when the platform settings are wrong or a credential is in
    plain text.

    The providers read the same settings in `configure()`, but only once the program
    registers a resource; failing there ends the engine's resource monitor, and the CLI
    printed "Resource monitor has terminated" before the real message (issue 24). Checked
    here, in the program, the settings' message is the run's only error."""
    problems = plain_text_secrets(config, is_secret)
    try:
        settings_from_config(config)
    except InvalidSettings as error:
        problems += error.problems
    if problems:
        raise InvalidSettings(problems)


def managed_resources(resources: Mapping[str, Any]) -> list[str]:
    """`type name` of the resources this project manages, from the answer of
    `pulumi:pulumi:readStackResourceOutputs` (URN -> {type, outputs})."""
    found = []
    for urn, resource in resources.items():
        kind = resource.get("type", "") if isinstance(resource, Mapping) else ""
        # The destroy guard (provider/destroy_guard.py) holds nothing of a platform's.
        if isinstance(kind, str) and kind.startswith(_MANAGED_TYPE) and not kind.endswith(DESTROY_GUARD):
            found.append(f"{kind.removeprefix(_MANAGED_TYPE)} {urn.rsplit('::', 1)[-1]}")
    return sorted(found)


_READ_STACK = "pulumi:pulumi:readStackResourceOutputs"


def resources_in_state() -> list[str]:
    """The resources this project manages in the stack's last state, read through the
    engine (the program cannot see state itself). A stack that was never applied has none.
    When the state cannot be read, the empty catalog is refused: nothing says it is safe."""
    names = [f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}", pulumi.get_stack()]
    failures = []
    for name in names:
        try:
            answer = pulumi.runtime.invoke(_READ_STACK, {"stackName": name}).value
        except Exception as error:  # a backend that names stacks the other way answers with an error
            failures.append(f"{name}: {error}")
            continue
        outputs = answer.get("outputs") if isinstance(answer, Mapping) else None
        return managed_resources(outputs if isinstance(outputs, Mapping) else {})
    raise DeclarationError(
        [
            FieldProblem(
                f"{PROJECT}:{CATALOG}",
                "declares nothing, and the stack's state could not be read to tell whether that deletes "
                f"resources ({'; '.join(failures)}): restore the catalog, or add "
                f"`{PROJECT}:{ALLOW_EMPTY}: true` to the stack file to remove everything it manages",
            )
        ]
    )


def checked_catalog(config: pulumi.Config) -> Any:
    """The raw `courseware:catalog` of the running program, once the stack's config keys
    passed `check_stack_config` and its platform settings `check_settings`; raises
    DeclarationError or InvalidSettings."""
    catalog = config.get_object(CATALOG)
    values = dict(CONFIG.get())
    check_stack_config(values, catalog, resources_in_state)
    check_settings(values, is_config_secret)
    return catalog
