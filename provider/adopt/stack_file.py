"""The catalog written into a stack file, with ruamel.yaml's round-trip mode.

The stack file is the operator's: its comments, key order, quoting and indentation stay
as they were, and only the value of `config.courseware:catalog` is replaced (a new
catalog carries its own comments: a header, and the fields no read exposes). Two things
ruamel.yaml leaves to its caller (docs/decisions.md §26):

- it files the comment lines that follow a block under the block's last scalar, so the
  comment above the key after the catalog belongs to the old catalog's last value and
  would go with it: `_carry_following_comment` moves those lines to the new catalog's
  last value;
- it writes with one configured indentation, not the file's: `_indentation` reads the
  file's own from the positions the loader records.

`write_catalog` checks the result before writing: every other key parses as before and
the catalog parses to what was built.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from provider.adopt.entries import Adoption, Path_
from provider.errors import AdoptError

CATALOG_KEY = "courseware:catalog"
# Lines are never folded: a long title stays on its line.
_WIDTH = 4096
# ruamel.yaml keeps a mapping entry's comments in `ca.items[key]` as
# [before, key line, after the value, after the key line]; a sequence item's after-value
# comment sits at index 0.
_MAP_AFTER_VALUE, _MAP_AFTER_KEY, _SEQ_AFTER_VALUE = 2, 3, 0


def _commented(value: Any, path: Path_, comments: Mapping[Path_, str]) -> Any:
    """`value` as round-trip nodes, with `comments` at the end of their fields' lines."""
    if isinstance(value, Mapping):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _commented(item, (*path, key), comments)
            if (*path, key) in comments:
                node.yaml_add_eol_comment(comments[(*path, key)], key)
        return node
    if isinstance(value, list):
        seq = CommentedSeq()
        for index, item in enumerate(value):
            seq.append(_commented(item, (*path, index), comments))
        return seq
    return value


def _last_value(node: Any) -> tuple[CommentedMap | CommentedSeq, str | int, int] | None:
    """The collection, key and comment slot of the last value written in `node`."""
    found: tuple[CommentedMap | CommentedSeq, str | int, int] | None = None
    while isinstance(node, CommentedMap | CommentedSeq) and node:
        if isinstance(node, CommentedMap):
            key: str | int = list(node)[-1]
            found = (node, key, _MAP_AFTER_VALUE)
        else:
            key = len(node) - 1
            found = (node, key, _SEQ_AFTER_VALUE)
        node = node[key]
    return found


def _carry_following_comment(old: Any, new: Any) -> None:
    """Move the whole comment lines after `old`'s last value (which belong to what
    follows the catalog) to after `new`'s last value; `old`'s own end-of-line comment
    goes with it."""
    source, target = _last_value(old), _last_value(new)
    if source is None or target is None:
        return
    node, key, slot = source
    token = (node.ca.items.get(key) or [None] * 4)[slot]
    text = getattr(token, "value", "") or ""
    lines = text[text.index("\n") + 1 :] if "\n" in text else ""
    if not lines:
        return
    node, key, slot = target
    entry = node.ca.items.setdefault(key, [None] * 4)
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + lines, CommentMark(0), None)
    else:
        entry[slot].value = entry[slot].value.rstrip("\n") + "\n" + lines


def _indentation(root: Any) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) the file uses: from the first
    nested block mapping and block sequence, (2, 2, 0) where it has none."""
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    pending: list[Any] = [root]
    while pending and (mapping is None or sequence is None):
        node = pending.pop(0)
        if isinstance(node, CommentedSeq):
            pending += [item for item in node if isinstance(item, CommentedMap)]
            continue
        for key, value in node.items():
            # Only non-empty block collections as loaded carry positions.
            if not value or not isinstance(value, CommentedMap | CommentedSeq) or value.fa.flow_style():
                continue
            column = node.lc.key(key)[1]
            if isinstance(value, CommentedMap) and mapping is None:
                mapping = value.lc.key(next(iter(value)))[1] - column
            if isinstance(value, CommentedSeq) and sequence is None:
                sequence = (value.lc.item(0)[1] - column, value.lc.col - column)
            pending.append(value)
    mapping = mapping if mapping and mapping > 0 else 2
    indent, offset = sequence if sequence and sequence[0] > sequence[1] >= 0 else (mapping, 0)
    return mapping, indent, offset


def _yaml() -> YAML:
    loader = YAML()  # round-trip
    loader.preserve_quotes = True
    loader.width = _WIDTH
    return loader


def _dump(loader: YAML, root: Any) -> str:
    out = io.StringIO()
    loader.dump(root, out)
    return out.getvalue()


def _set_header(parent: CommentedMap, header: Sequence[str], indent: int) -> None:
    """The comment lines under the catalog key: the new header replaces the old one; an
    end-of-line comment on the key's line stays."""
    entry = parent.ca.items.get(CATALOG_KEY)
    if entry is not None:
        inline = entry[_MAP_AFTER_VALUE]
        if inline is not None and "\n" in inline.value:
            inline.value = inline.value[: inline.value.index("\n") + 1]
        entry[_MAP_AFTER_KEY] = None
    if header:
        parent.yaml_set_comment_before_after_key(CATALOG_KEY, after="\n".join(header), after_indent=indent)


def render_catalog(adoption: Adoption, header: Sequence[str] = ()) -> str:
    """The `courseware:catalog:` key and its value, with the comments (for `--dry-run`)."""
    root = CommentedMap({CATALOG_KEY: _commented(adoption.catalog, (), adoption.comments)})
    _set_header(root, header, 2)
    return _dump(_yaml(), root)


def replace_catalog(text: str, adoption: Adoption, header: Sequence[str] = ()) -> str:
    """`text` (a stack file) with its catalog replaced; every other key, comment and
    layout kept."""
    loader = _yaml()
    try:
        root = loader.load(text) if text.strip() else None
    except YAMLError as error:
        raise AdoptError(f"the stack file is not YAML that can be read: {error}") from None
    if root is None:
        # Empty, or only comments: they stay on top, the config follows.
        root = CommentedMap({"config": CommentedMap()})
        return text + ("" if text.endswith("\n") or not text else "\n") + _write(loader, root, adoption, header)
    if isinstance(root, CommentedMap) and root.get("config") is None:
        root["config"] = CommentedMap()
    if not isinstance(root, CommentedMap) or not isinstance(root["config"], CommentedMap):
        raise AdoptError("the stack file is not a mapping with a `config` mapping, as Pulumi writes it")
    return _write(loader, root, adoption, header)


def _write(loader: YAML, root: CommentedMap, adoption: Adoption, header: Sequence[str]) -> str:
    mapping, sequence, offset = _indentation(root)
    loader.indent(mapping=mapping, sequence=sequence, offset=offset)
    config = root["config"]
    # A flow-style `config: {...}` cannot hold a block catalog: it becomes a block
    # mapping, its other values keeping their own style.
    config.fa.set_block_style()
    new = _commented(adoption.catalog, (), adoption.comments)
    _carry_following_comment(config.get(CATALOG_KEY), new)
    config[CATALOG_KEY] = new
    _set_header(config, header, 2 * mapping)
    return _dump(loader, root)


def write_catalog(stack_file: Path, adoption: Adoption, header: Sequence[str] = ()) -> None:
    """Write the catalog into `stack_file`, checking the other keys came through unchanged."""
    before = stack_file.read_text() if stack_file.exists() else ""
    after = replace_catalog(before, adoption, header)
    old, new = yaml.safe_load(before) or {}, yaml.safe_load(after) or {}
    old_config, new_config = dict(old.get("config") or {}), dict(new.get("config") or {})
    old_config.pop(CATALOG_KEY, None)
    catalog = new_config.pop(CATALOG_KEY, None)
    outside = ({k: v for k, v in old.items() if k != "config"}, {k: v for k, v in new.items() if k != "config"})
    where = (
        first_difference(outside[0], outside[1], "")
        or first_difference(old_config, new_config, "config")
        or first_difference(json.loads(json.dumps(adoption.catalog)), catalog, f"config.{CATALOG_KEY}")
    )
    if where is not None:
        # The file is left as it was; the message names the first key that would not
        # read back as it should, so the cause can be found.
        raise AdoptError(f"could not rewrite the catalog of {stack_file} without touching its other keys: {where}")
    stack_file.write_text(after)


def first_difference(before: Any, after: Any, path: str) -> str | None:
    """The first key under `path` whose value differs between `before` and `after`, with
    both values; None when they are equal."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            if key not in after or key not in before:
                return f"`{path}.{key}`".replace("`.", "`") + (
                    " would be dropped" if key in before else " would appear"
                )
            found = first_difference(before[key], after[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found = first_difference(old, new, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if before == after:
        return None
    return f"`{path}`".replace("`.", "`") + f" would read back as {after!r} instead of {before!r}"
