"""Every citation in the repository points at a page a reader of it can open.

The platform facts the code relies on live in docs/platforms/; comments and docs cite them
as `docs/platforms/<page>.md §N`, and the project's own decisions as `decisions §N`. The
research notes they were first written from (and the design and style notes next to
them) do not ship with the repository, so no tracked file may cite them: only the mapping
tables at the end of the docs/platforms pages name them, to say where each section went.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = "docs/platforms/"
TABLE_HEADING = "## Research-note sections and this page"
PAGES = r"(?:edx|mitxonline|pulumi)\.md"

SECTION = r"§\d+(?:\.\d+)*"
CHAIN = rf"{SECTION}(?:,[ \t]*(?:\n[ \t]*(?:#[ \t]*)?)?{SECTION})*"
# Citations a reader can follow: a docs/platforms page, or the decisions page.
FOLLOWABLE = re.compile(
    rf"(?:docs/platforms/{PAGES}`?[ \t]*\n?[ \t]*(?:#[ \t]*)?|(?:docs/)?decisions(?:\.md)?[ \t]+){CHAIN}"
    rf"|{SECTION}[ \t]+(?:above|below)"
)
# Inside docs/platforms a page also cites its neighbours by name, and itself by number.
FOLLOWABLE_IN_PLATFORMS = re.compile(rf"(?<![\w/-]){PAGES}[ \t]+{CHAIN}|{CHAIN}")
NOTE_NAMES = ("edx-studio-api", "pulumi-dynamic", "workflows", "real-mitxonline", "DESIGN", "STYLE")
UNREADABLE = re.compile(
    r"(?<![\w.-])"
    + "spec"
    + r"/"  # the notes' folder
    + r"|(?<![\w/-])(?:"
    + "|".join(NOTE_NAMES)
    + r")\.md\b"
    # `mitxonline.md` is also a page here: bare, outside docs/platforms, it is the note.
    + r"|(?<![\w/-])mitxonline\.md\b"
)
SELF = "tests/unit/test_no_research_citations.py"


def _tracked_text() -> dict[str, str]:
    names = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True, text=True
    ).stdout.split("\0")
    texts: dict[str, str] = {}
    for name in names:
        path = ROOT / name
        if not name or name == SELF or not path.is_file() or path.is_symlink():
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def _without_mapping_table(name: str, text: str) -> str:
    """A docs/platforms page minus its mapping table (which runs to the end of the page)."""
    if name.startswith(PLATFORMS) and TABLE_HEADING in text:
        head, _, table = text.partition(TABLE_HEADING)
        return head + "\n" * table.count("\n")
    return text


def unfollowable_citations(name: str, text: str) -> list[str]:
    """`file:line: text` for each citation in `text` a reader of the repository cannot open."""
    text = _without_mapping_table(name, text)
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731 - keeps line numbers
    found: list[tuple[int, str]] = []
    for m in UNREADABLE.finditer(text):
        if name.startswith(PLATFORMS) and m.group(0).startswith("mitxonline"):
            continue
        found.append((m.start(), m.group(0)))
    rest = FOLLOWABLE.sub(blank, text)
    if name.startswith(PLATFORMS):
        rest = FOLLOWABLE_IN_PLATFORMS.sub(blank, rest)
    found += [(m.start(), "§" + m.group(1)) for m in re.finditer(r"§(\S{0,12})", rest)]
    lines = text.splitlines()
    out = []
    for offset, what in sorted(found):
        line = text.count("\n", 0, offset) + 1
        out.append(f"{name}:{line}: {what!r} in {lines[line - 1].strip()[:100]!r}")
    return out


def test_no_tracked_file_cites_a_note_outside_the_repository() -> None:
    problems = [p for name, text in sorted(_tracked_text().items()) for p in unfollowable_citations(name, text)]
    assert not problems, (
        "citations a reader of this repository cannot open; cite docs/platforms/<page>.md §N "
        "(the pages' mapping tables say which section holds a research-note section) or "
        "decisions §N:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    "line",
    [
        "# MITx Online exits 1 after saving (spec/mitxonline.md §12.5).",
        "# the token is cached (edx-studio-api.md §3.1)",
        "# several refuse and exit 0 (§3.12)",
        '"""A source course as workflows.md sets it up."""',
        "# a preview runs no command (DESIGN.md)",
        "# see STYLE.md",
        "# following mitxonline.md",
        "# docs/platforms/edx.md §2, and §19 item 4",
    ],
)
def test_a_citation_of_a_note_is_found(line: str) -> None:
    assert unfollowable_citations("provider/x.py", line)


@pytest.mark.parametrize(
    "line",
    [
        "# MITx Online exits 1 after saving (docs/platforms/mitxonline.md §4).",
        "# copies (docs/platforms/edx.md §2, §4) and retries (decisions §11)",
        "# the rule of docs/decisions.md §13",
        "# as in `docs/platforms/pulumi.md` §3",
        "# a long list (docs/platforms/mitxonline.md §3,\n# §9)",
        "the title (§9 above)",
        "docs/resources/mitxonline-contract.md and docs/sandbox-mitxonline.md",
    ],
)
def test_a_followable_citation_passes(line: str) -> None:
    assert unfollowable_citations("provider/x.py", line) == []


def test_a_platforms_page_may_cite_itself_and_its_neighbours_but_its_table_alone_names_notes() -> None:
    page = "# Page\n\nSee §3 and mitxonline.md §9.\n\n" + TABLE_HEADING + "\n\n| `spec/edx-studio-api.md` | here |\n"
    assert unfollowable_citations("docs/platforms/edx.md", page) == []
    assert unfollowable_citations("docs/platforms/edx.md", "Read spec/edx-studio-api.md.\n")
    assert unfollowable_citations("docs/x.md", page)
