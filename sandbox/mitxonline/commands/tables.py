"""Rich-style text tables, cut to the terminal width (mitxonline.md §12.2.5).

``b2b_list`` and ``b2b_codes output`` print ``rich`` tables; when stdout is not a
terminal rich assumes 80 columns unless ``COLUMNS`` says otherwise, and cells that do
not fit end in ``…``. Output of the emulated commands never goes to a terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DEFAULT_WIDTH = 80


def console_width(env: Mapping[str, str]) -> int:
    value = env.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_WIDTH


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render(headers: Sequence[str], body: Sequence[Sequence[str]], width: int) -> str:
    """A heavy-head box table no wider than ``width``; the widest column shrinks first."""
    widths = [max([len(h), *(len(row[i]) for row in body)]) for i, h in enumerate(headers)]
    while sum(widths) + 3 * len(widths) + 1 > width and max(widths) > 1:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values: Sequence[str], edge: str, sep: str) -> str:
        parts = [f" {_fit(v, w).ljust(w)} " for v, w in zip(values, widths, strict=True)]
        return edge + sep.join(parts) + edge

    lines = [line("┏", "━", "┳", "┓"), cells(headers, "┃", "┃"), line("┡", "━", "╇", "┩")]
    lines += [cells(row, "│", "│") for row in body]
    lines.append(line("└", "─", "┴", "┘"))
    return "\n".join(lines)
