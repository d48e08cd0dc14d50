"""`courseware adopt`: write the catalog of what already exists, so a stack can take it over.

`pulumi import` does not work for dynamic providers (docs/platforms/pulumi.md §3); the
resources adopt by natural key in `create` instead. What stands between a hand-made
MITx Online and a managed stack is therefore a catalog that declares exactly what
exists. One module per step:

    reads        read_live(mitx, edx, selection): the resources' own reads, writes nothing
    entries      build_catalog(live): pure; the catalog, the comments on fields no read
                 exposes, and what cannot be adopted (Notes)
    stack_file   render_catalog / replace_catalog / write_catalog: the `courseware:catalog`
                 key of a stack file, every other key, comment and layout left as it was
    stack        locate_stack / stack_settings: the stack's file and platform settings
"""

from provider.adopt.entries import (
    NOT_EXPOSED_PREFIX,
    NOT_EXPOSED_SOURCE_FLAG,
    Adoption,
    Note,
    build_catalog,
)
from provider.adopt.reads import LiveContract, LiveSourceRun, LiveState, Selection, is_source_run, read_live
from provider.adopt.stack import StackLocation, locate_stack, stack_settings
from provider.adopt.stack_file import CATALOG_KEY, render_catalog, replace_catalog, write_catalog
from provider.errors import AdoptError

__all__ = [
    "CATALOG_KEY",
    "NOT_EXPOSED_PREFIX",
    "NOT_EXPOSED_SOURCE_FLAG",
    "AdoptError",
    "Adoption",
    "LiveContract",
    "LiveSourceRun",
    "LiveState",
    "Note",
    "Selection",
    "StackLocation",
    "build_catalog",
    "is_source_run",
    "locate_stack",
    "read_live",
    "render_catalog",
    "replace_catalog",
    "stack_settings",
    "write_catalog",
]
