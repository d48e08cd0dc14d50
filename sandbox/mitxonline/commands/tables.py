"""MITx Online's ``rich`` tables, drawn by ``rich`` itself (docs/platforms/mitxonline.md §6, issue #18 point 6).

``b2b_list`` and ``b2b_codes output`` print ``rich.table.Table``s through a
``rich.console.Console``; the sandbox uses the same library at the version MITx Online
pins, so every form the provider has to read comes out as the real platform prints it:
the title line above the box, header cells wrapped over several lines, cells wrapped at
word boundaries or cut with ``…`` when the columns do not fit, and cells made of two
lines (``2026-12-28`` / ``00:00``) whatever the width. When stdout is not a terminal rich
assumes 80 columns unless ``COLUMNS`` says otherwise; output of the emulated commands
never goes to a terminal.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

DEFAULT_WIDTH = 80


def console_width(env: Mapping[str, str]) -> int:
    value = env.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_WIDTH


@dataclass(frozen=True)
class Column:
    """One ``Table.add_column`` call as MITx Online makes it."""

    header: str
    justify: Literal["left", "right"] = "left"
    overflow: Literal["ellipsis", "fold"] = "ellipsis"
    no_wrap: bool = False


def date_cell(value: date | datetime | None) -> str:
    """A date or date-time cell: ``strftime("%Y-%m-%d\\n%H:%M")``, so always two lines
    (a contract's DateField shows ``00:00``), or empty."""
    return value.strftime("%Y-%m-%d\n%H:%M") if value is not None else ""


def render(title: str, columns: Sequence[Column], body: Sequence[Sequence[str]], width: int) -> str:
    """The table as ``Console().print(table)`` writes it to a non-terminal ``width`` wide."""
    # rich is imported here, not at the top: it costs about 80 ms of CPU, and most
    # `manage` processes (one per provider process that writes) never draw a table.
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column.header, justify=column.justify, overflow=column.overflow, no_wrap=column.no_wrap)
    for row in body:
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False, force_jupyter=False).print(table)
    return buffer.getvalue().rstrip("\n")
