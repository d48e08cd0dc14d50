"""Every reference in README.md and docs/ resolves (issue 30).

Docs name files and code so a reader can open them: relative links, repository paths,
`module.function` and `Class.method` in backticks, and, after a link to a Python file,
the names defined in it (docs/platform-quirks.md: "[provider/x.py](...) `name`"). A
module split or a rename leaves such a pointer dangling without failing anything else,
so this test reads every one of them. It also checks every citation of a numbered
section (of docs/decisions.md or a docs/platforms page), in any tracked file: the section
must exist.

Names are looked up in the source (ast), not imported: tests and sandbox modules are
named too, and reading them must not run them.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# CHANGELOG.md is left out: it records what was, paths and names that are gone included.
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
TOP_DIRS = ("provider", "sandbox", "tests", "scripts", "stacks", "docs", "policies", "bench", "toolchain", ".ci")

LINK = re.compile(r"\]\(([^)\s]+)\)")
PATH = re.compile(rf"(?<![\w/.-])(?:{'|'.join(re.escape(d) for d in TOP_DIRS)})/[\w./-]*[\w/]")
CODE = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
# A link to a Python file, then the backticked names it defines: "[a.py](a.py) `f`, `C.m`".
NAMES_AFTER_LINK = re.compile(r"\]\(([^)\s]+\.py)\)((?:,?\s*`[A-Za-z_][\w.]*`)+)")
FILE_SUFFIXES = {"py", "md", "yaml", "yml", "toml", "json", "csv", "txt", "png", "go", "mod", "sh", "sqlite3", "pid"}

# Dotted words in backticks that are not Python: field paths of a stack file's catalog
# entries and of MITx Online's contract export document, and stack config keys as the
# settings model spells them.
NOT_PYTHON = {
    *("mitxonline.live", "mitxonline.is_source_run", "mitxonline.page", "mitxonline.adopt"),
    *("organization.org_key", "organization.name"),
    *("mitxonline.apiKey", "mitxonline.manageCommand", "mitxonline.url"),
}
# Modules of the platforms, which run inside MITx Online and are not installed here.
NOT_INSTALLED = ("django", "mitol", "openedx")

# Stack files that the command beside them makes: the demo's other port base, and the
# examples' own stacks.
GENERATED = {"stacks/Pulumi.sandbox-18700.yaml", "stacks/Pulumi.prod.yaml", "stacks/Pulumi.partner.yaml"}


@cache
def _tracked() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], check=True, capture_output=True, text=True).stdout
    return out.splitlines()


@cache
def _modules() -> dict[str, list[Path]]:
    """Every Python module of the repository by dotted name (`provider.errors`) and by each
    shorter dotted tail docs use for it (`errors`, `mitxonline.commands`)."""
    by_name: dict[str, list[Path]] = {}
    for name in _tracked():
        if name.endswith(".py"):
            parts = name.removesuffix(".py").removesuffix("/__init__").split("/")
            for start in range(len(parts)):
                by_name.setdefault(".".join(parts[start:]), []).append(ROOT / name)
    return by_name


def _candidates(module: str) -> list[Path]:
    return _modules().get(module, [])


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _defined(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            names.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update({(a.asname or a.name).split(".")[0]: node for a in node.names})
        elif isinstance(node, ast.If | ast.Try):
            names.update(_defined(node.body))
    return names


def _defines(path: Path, attribute: str) -> bool:
    """Whether the module at `path` defines `attribute` (`name` or `Class.member`)."""
    body: list[ast.stmt] = _tree(path).body
    first, *rest = attribute.split(".")
    node = _defined(body).get(first)
    for part in rest:
        if not isinstance(node, ast.ClassDef):
            return node is not None and isinstance(node, ast.ImportFrom | ast.Import)
        members = _defined(node.body)
        # Attributes a dataclass or __init__ sets count as members.
        init = members.get("__init__")
        if isinstance(init, ast.FunctionDef):
            for sub in ast.walk(init):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    members.setdefault(sub.attr, init)
        node = members.get(part)
    return node is not None


@cache
def _classes() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for name in _tracked():
        if name.endswith(".py"):
            for node in _tree(ROOT / name).body:
                if isinstance(node, ast.ClassDef):
                    found.setdefault(node.name, []).append(ROOT / name)
    return found


def _third_party(reference: str) -> bool | None:
    """True or False for a name of an installed package; None when it names none."""
    top = reference.split(".")[0]
    if importlib.util.find_spec(top) is None:
        return None
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            if not hasattr(value, part):
                return False
            value = getattr(value, part)
        return True
    return False


def resolves(reference: str) -> bool:
    """Whether a dotted Python reference names something that exists."""
    if reference.split(".")[0] in NOT_INSTALLED:
        return True
    if _candidates(reference):
        return True  # a module
    parts = reference.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        paths = _candidates(".".join(parts[:cut]))
        if paths:
            return any(_defines(path, ".".join(parts[cut:])) for path in paths)
    if parts[0] in _classes():
        return any(_defines(path, reference) for path in _classes()[parts[0]])
    outside = _third_party(reference)
    return outside is not False


def _problems(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    name = doc.relative_to(ROOT)
    found: list[str] = []

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    for m in LINK.finditer(text):
        target = m.group(1).split("#")[0]
        if not target or re.match(r"[a-z]+:", target):
            continue
        if not (doc.parent / target).exists():
            found.append(f"{name}:{line_of(m.start())}: link to {target}, which does not exist")
    for m in PATH.finditer(text):
        path = m.group(0).rstrip(".")
        if text[m.end() :].lstrip(".")[:1] in {"*", "<"}:
            # A pattern (`test_mitxonline_*.py`, `Pulumi.<stack>.yaml`): something must match it.
            if not any(ROOT.glob(m.group(0) + "*")):
                found.append(f"{name}:{line_of(m.start())}: nothing matches {m.group(0)}*")
            continue
        if path not in GENERATED and not (ROOT / path).exists():
            found.append(f"{name}:{line_of(m.start())}: path {path}, which does not exist")
    for m in NAMES_AFTER_LINK.finditer(text):
        module = (doc.parent / m.group(1)).resolve()
        for attribute in re.findall(r"`([^`]+)`", m.group(2)):
            if module.exists() and not _defines(module, attribute):
                where = module.relative_to(ROOT)
                found.append(f"{name}:{line_of(m.start())}: `{attribute}` is not defined in {where}")
    for m in CODE.finditer(text):
        for ref in DOTTED.findall(m.group(1).split("(")[0]):
            if ref != m.group(1).split("(")[0] or ref in NOT_PYTHON or ref.rsplit(".", 1)[1] in FILE_SUFFIXES:
                continue
            if not resolves(ref):
                found.append(f"{name}:{line_of(m.start())}: `{ref}` names nothing in the code")
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_path_and_name_of_a_doc_resolves(doc: Path) -> None:
    if not doc.exists():
        pytest.fail(f"{doc.relative_to(ROOT)} is missing")
    problems = _problems(doc)
    assert not problems, "references that lead nowhere:\n" + "\n".join(problems)


# The section sign is spelt as an escape: test_no_research_citations reads this file too.
SECTION_CITATION = re.compile(
    r"(docs/platforms/(?:edx|mitxonline|pulumi)\.md|(?:docs/)?decisions(?:\.md)?|decision)`?[ \t]+"
    r"((?:\u00a7?\d+)(?:(?:,[ \t]*|[ \t]+and[ \t]+)\u00a7\d+)*)"
)


@cache
def sections(page: str) -> set[str]:
    """The numbers of a page's `## N.` headings."""
    return set(re.findall(r"^## (\d+)\.", (ROOT / page).read_text(encoding="utf-8"), re.MULTILINE))


def test_every_cited_section_exists() -> None:
    missing = []
    for name in _tracked():
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".yaml", ".toml", ""} or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for m in SECTION_CITATION.finditer(text):
            page = m.group(1)
            if not page.startswith("docs/platforms/"):
                page = "docs/decisions.md"
            for number in re.findall(r"\d+", m.group(2)):
                if number not in sections(page):
                    line = text.count("\n", 0, m.start()) + 1
                    missing.append(f"{name}:{line}: {m.group(0)!r}: {page} has no section {number}")
    assert not missing, "citations of sections that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("reference", "exists"),
    [
        ("provider.errors.ProviderError.render", True),
        ("errors.problems_first", True),
        ("errors.no_such_function", False),
        ("ProviderError.render", True),
        ("pulumi.log.debug", True),
        ("pulumi.log.no_such_thing", False),
    ],
)
def test_a_reference_resolves_only_when_its_target_exists(reference: str, exists: bool) -> None:
    assert resolves(reference) is exists
