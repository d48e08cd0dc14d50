"""Rows of the `rich` tables MITx Online's commands print (`b2b_list`, `b2b_codes output`).

The tables are made for people (docs/platforms/mitxonline.md §6), so the parser reads every
form `rich` gives them (issue #18, point 6):

- a title line above the box (`Contracts`, `Stats for 21 - …`), and any other text
  around the tables, is skipped; several tables in one text give the rows of all;
- a header cell may wrap over several lines (`Org` / `Name`): the header is every line
  between the top border and the rule under it, joined column by column;
- a body cell may wrap over several lines at word boundaries, and a date-time cell is
  always two lines (`2026-12-28` / `00:00`): a line whose first cell is empty continues
  the row above, its pieces joined with a space (`2026-12-28 00:00`);
- columns are found where the header line has its separators, counted in terminal
  cells (a wide character takes two), so a `|` or `│` inside a name does not split it;
- a cell cut with `…` means the table was narrowed to fit the terminal (80 columns when
  `COLUMNS` is unset, docs/platforms/mitxonline.md §6): its content is lost, so the table is
  refused (`NARROWED`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

_TOP = frozenset("┏┌╭╔┍┎╒╓")
_HEADER_RULE = frozenset("┡├╞┣┝┠╟╠")
_BOTTOM = frozenset("└┗╰╚┕┖╘╙")
_VERTICAL = frozenset("│┃║|╎╏┆┇┊┋")
_TRUNCATED = "…"

# The program sent to MITx Online sets COLUMNS itself (remote.environment, decisions §15),
# so an operator has nothing to set: a narrowed table means this MITx Online sizes its
# tables some other way, which is worth a report.
NARROWED = (
    "b2b_list printed a narrowed table (cells end in '…') although the program that ran it set "
    "COLUMNS=1000 in MITx Online's own process: this MITx Online sizes its tables some other way "
    "(docs/platforms/mitxonline.md §6); report the output below"
)


def _width(char: str) -> int:
    """Terminal cells a character takes: two for wide East Asian ones, none for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _separator_columns(line: str) -> list[int]:
    """Terminal columns of the vertical separators of a header line."""
    columns: list[int] = []
    column = 0
    for char in line:
        if char in _VERTICAL:
            columns.append(column)
        column += _width(char)
    return columns


def _split(line: str, separators: list[int]) -> list[str] | None:
    """The cells of a row line cut at the header's separator columns; None when the
    line does not have a separator at each of them (not a row of this table)."""
    wanted = set(separators)
    cells: list[str] = []
    current: list[str] = []
    found = 0
    column = 0
    for char in line:
        if column in wanted and char in _VERTICAL:
            if found:
                cells.append("".join(current).strip())
            current = []
            found += 1
        else:
            current.append(char)
        column += _width(char)
    return cells if found == len(separators) else None


def _tables(text: str) -> Iterator[tuple[list[list[str]], list[list[str]]]]:
    """(header lines, body lines) of each table in `text`, each line as its cells: the
    header is above the first rule under the top border, the body below it."""
    lines = iter(text.splitlines())
    for line in lines:
        if line.strip()[:1] not in _TOP:
            continue
        header: list[list[str]] = []
        body: list[list[str]] = []
        separators: list[int] = []
        in_header = True
        for row_line in lines:
            start = row_line.strip()[:1]
            if start in _BOTTOM:
                break
            if start in _HEADER_RULE:
                # The rule under the header; later ones (between rows) separate rows only.
                in_header = False
                continue
            separators = separators or _separator_columns(row_line)
            cells = _split(row_line, separators)
            if cells is None:
                break
            (header if in_header else body).append(cells)
        yield header, body


def parse_table(text: str) -> list[dict[str, str]]:
    """Rows of every table in `text`, keyed by their table's header cells.

    Raises ValueError when a table was narrowed (a cell cut with `…`) or a row does
    not have the header's number of cells.
    """
    rows: list[dict[str, str]] = []
    for header_lines, body_lines in _tables(text):
        if not header_lines:
            continue
        _refuse_narrowed([*header_lines, *body_lines])
        header = [" ".join(piece for piece in pieces if piece) for pieces in zip(*header_lines, strict=True)]
        joined: list[list[str]] = []
        for cells in body_lines:
            if joined and not cells[0]:
                joined[-1] = [f"{old} {new}".strip() for old, new in zip(joined[-1], cells, strict=True)]
            else:
                joined.append(cells)
        rows += [dict(zip(header, row, strict=True)) for row in joined]
    return rows


def _refuse_narrowed(lines: list[list[str]]) -> None:
    if any(cell.endswith(_TRUNCATED) for cells in lines for cell in cells):
        raise ValueError(NARROWED)
