"""`courseware adopt`: write the catalog of what already exists, so a stack can take it over.

`pulumi import` does not work for dynamic providers (spec/pulumi-dynamic.md §7); the
resources adopt by natural key in `create` instead. What stands between a hand-made
MITx Online and a managed stack is therefore a catalog that declares exactly what
exists. This module reads it from the live platforms and writes it:

    read_live(mitx, edx, selection)   reads only: `b2b_list contracts|organizations`,
                                      one `b2b_contract export` per selected contract,
                                      one `shell` running `b2b_codes output` for code
                                      counts (`MitxOnline.all_codes`), REST
                                      reads with the API key, Studio GETs
    build_catalog(live)               pure: the catalog, the comments on fields no read
                                      exposes, and what cannot be adopted (Notes)
    render_catalog / write_catalog    the `courseware:catalog` key of a stack file,
                                      every other key left as it was

Every entry is marked `adopt: true`, so a live object that differs from what was read
(someone edited it in between) is still taken over instead of failing the `up`.
Objects the catalog cannot express (programs, a contract that repeats another's name,
a contract course without a source run) are left out and reported, never dropped in
silence; objects that would make the first `pulumi up` write are reported with why.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from provider import rules
from provider.catalog import load_catalog
from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.edx.models import ManagedFields
from provider.errors import AdoptError as AdoptError  # defined with every other error; its old home
from provider.errors import InvalidCourseKey, UnreadableOutput
from provider.mitxonline import commands
from provider.mitxonline.client import MitxOnline, code_contract
from provider.mitxonline.models import (
    ContractRow,
    OrganizationRow,
    RestCourse,
    RestRun,
    slugify,
)
from provider.settings import PlatformSettings, settings_from_config

CATALOG_KEY = "courseware:catalog"
SOURCE_TAG = "SOURCE"
DEFAULT_PREFIX = rules.DEFAULT_KEY_PREFIX

NOT_EXPOSED_SOURCE_FLAG = (
    "no MITx Online read shows is_source_run (spec/mitxonline.md §7.7): written from the run tag SOURCE"
)
NOT_EXPOSED_PREFIX = (
    "no read shows org_key_prefix without a contract to export (spec/mitxonline.md §7.7): the default is "
    "written; check it in the Wagtail admin"
)


@dataclass(frozen=True)
class Selection:
    """What to adopt. An organization brings its contracts; a contract brings its
    organization; `everything` takes every organization, contract and source run."""

    organizations: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    source_courses: tuple[str, ...] = ()
    everything: bool = False

    def is_empty(self) -> bool:
        return not (self.organizations or self.contracts or self.source_courses or self.everything)


@dataclass(frozen=True)
class Note:
    """One thing the operator must know: its subject and why."""

    subject: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


# ---- what the platforms show ------------------------------------------------------


@dataclass(frozen=True)
class LiveOrganization:
    row: OrganizationRow
    sso_organization_id: str | None


@dataclass(frozen=True)
class LiveContract:
    row: ContractRow
    # `b2b_contract export`: the only read with the org key, prefix, description and
    # dates of every contract, inactive and out-of-window ones included (§7.7).
    export: dict[str, Any]
    # course readable id -> its live contract runs (as mitxonline:ContractCourseware reads them)
    runs: dict[str, list[str]]
    code_count: int | None

    @property
    def org_key(self) -> str:
        return str(self.export.get("organization", {}).get("org_key") or "")


@dataclass(frozen=True)
class LiveSourceRun:
    course_key: str
    edx: ManagedFields | None


@dataclass(frozen=True)
class LiveState:
    organizations: list[LiveOrganization]
    contracts: list[LiveContract]
    source_runs: list[LiveSourceRun]
    # Every MITx Online course by readable id, with every run (source and contract runs).
    courses: dict[str, RestCourse]


def is_source_run(run: RestRun) -> bool:
    """A source run by the only sign MITx Online shows: the run tag SOURCE (§7.7)."""
    if run.b2b_contract is not None:
        return False
    try:
        tag = CourseKey.parse(run.courseware_id).run
    except InvalidCourseKey:
        tag = ""
    return SOURCE_TAG in (run.run_tag, tag)


def course_id_of(course_key: str) -> str:
    return CourseKey.parse(course_key).course_id


def _export(client: MitxOnline, contract_id: int) -> dict[str, Any]:
    done = client.read_command(commands.contract_export(contract_id), f"export contract {contract_id}")
    document = commands.parse_json_document(done.stdout)
    if not isinstance(document, dict):
        raise UnreadableOutput(
            ["b2b_contract", "export"], done.stdout, done.stderr, "no JSON object", f"export contract {contract_id}"
        )
    return document


def _select_contracts(client: MitxOnline, selection: Selection) -> list[ContractRow]:
    rows = client.contracts()
    if selection.everything:
        return rows
    chosen: dict[int, ContractRow] = {}
    for wanted in selection.contracts:
        matches = [r for r in rows if str(r.id) == wanted or r.slug == wanted]
        if not matches:
            raise AdoptError(f"no contract has the id or slug {wanted!r} (`b2b_list contracts` lists them)")
        if len(matches) > 1:
            ids = ", ".join(f"{r.id} of {r.org_name!r}" for r in matches)
            raise AdoptError(f"the slug {wanted!r} is used by contracts {ids}: select one by its id")
        chosen[matches[0].id] = matches[0]
    org_rows = client.organization_rows()
    for org_key in selection.organizations:
        if not any(o.key == org_key for o in org_rows):
            raise AdoptError(f"no organization has the key {org_key!r} (`b2b_list organizations` lists them)")
        for row in rows:
            owner = client.contract_organization(row)
            if owner is not None and owner.key == org_key:
                chosen[row.id] = row
    return sorted(chosen.values(), key=lambda r: r.id)


def read_live(client: MitxOnline, edx: EdxClient, selection: Selection) -> LiveState:
    """Read what `selection` names, and what it needs, from both platforms. Writes nothing."""
    if selection.is_empty():
        raise AdoptError("select something: --org, --contract, --source-course or --all")
    courses = client.rest.courses()
    contract_rows = _select_contracts(client, selection)
    exports = {row.id: _export(client, row.id) for row in contract_rows}
    contracts = []
    for row in contract_rows:
        # The contract's runs as mitxonline:ContractCourseware reads them, for every course.
        runs = {course.readable_id: keys for course in courses.values() if (keys := course.contract_runs(row.id))}
        contracts.append(LiveContract(row, exports[row.id], runs, None))
    if any(_gets_codes(c) for c in contracts):
        counts = Counter(code_contract(code) for code in client.all_codes())
        contracts = [
            LiveContract(c.row, c.export, c.runs, counts.get(c.row.id, 0) if _gets_codes(c) else None)
            for c in contracts
        ]

    org_keys = set(selection.organizations) | {c.org_key for c in contracts}
    rest_orgs = {o.id: o for o in client.rest_organizations()}
    organizations = [
        LiveOrganization(row, rest_orgs[row.id].sso_organization_id if row.id in rest_orgs else None)
        for row in client.organization_rows()
        if selection.everything or row.key in org_keys
    ]

    run_keys = list(selection.source_courses)
    if selection.everything:
        run_keys += [r.courseware_id for c in courses.values() for r in c.courseruns if is_source_run(r)]
    source_runs = []
    for key in dict.fromkeys(run_keys):
        try:
            parsed = CourseKey.parse(key)
        except InvalidCourseKey as error:
            raise AdoptError(f"--source-course {key!r}: {error}") from None
        found = edx.find_course_run(parsed)
        source_runs.append(LiveSourceRun(str(parsed), None if found is None else found.managed()))
    return LiveState(organizations, contracts, source_runs, courses)


def _gets_codes(contract: LiveContract) -> bool:
    return bool(contract.runs) and rules.gets_codes(contract.row.membership_type, contract.row.price)


# ---- the catalog ------------------------------------------------------------------

Path_ = tuple[str | int, ...]


@dataclass
class Adoption:
    """The catalog to write, the comments on its fields, and what the operator must know."""

    catalog: dict[str, Any]
    comments: dict[Path_, str] = field(default_factory=dict)
    left_out: list[Note] = field(default_factory=list)
    inexact: list[Note] = field(default_factory=list)

    def report(self, written_to: str | None) -> str:
        counts = ", ".join(
            f"{len(self.catalog[name])} {name.replace('_', ' ')}"
            for name in ("source_courses", "existing_source_courses", "organizations", "contracts")
        )
        lines = [f"Wrote the catalog to {written_to}: {counts}." if written_to else f"Catalog: {counts}."]
        if self.comments:
            lines += ["", "Fields no MITx Online read exposes (written from what can be read, flagged in a comment):"]
            lines += [f"  - catalog.{_dotted(path)}: {reason}" for path, reason in self.comments.items()]
        if self.left_out:
            lines += ["", "Not declared: the catalog cannot express them (handle them by hand):"]
            lines += [f"  - {note}" for note in self.left_out]
        if self.inexact:
            lines += ["", "Adopted, but not exactly: the first `pulumi up` will write, or preview will show a change:"]
            lines += [f"  - {note}" for note in self.inexact]
        else:
            lines += ["", "Every declared object matches what exists: the first `pulumi up` should write nothing."]
        return "\n".join(lines) + "\n"


def _dotted(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _source_course(
    live: LiveSourceRun, courses: dict[str, RestCourse], index: int, out: Adoption
) -> dict[str, Any] | None:
    key = live.course_key
    if live.edx is None:
        out.left_out.append(Note(key, "edX Studio has no such run; declaring it would create it"))
        return None
    edx = live.edx
    if edx.start is None or edx.end is None:
        out.left_out.append(
            Note(key, "the edX run has no start or no end date, and a source course declares both; set them in Studio")
        )
        return None
    # Title, dates and pacing as edx:CourseRun outputs them (UTC, with a `Z`).
    studio = {name: value for name, value in edx.model_dump(mode="json").items() if value is not None}
    entry: dict[str, Any] = {"course_key": key, **studio, "adopt": True}
    course = courses.get(course_id_of(key))
    run = None if course is None else course.run(key)
    if course is None or run is None:
        where = "no course" if course is None else f"course {course.readable_id} but no run {key}"
        out.inexact.append(Note(key, f"MITx Online has {where}: declared for edX only (`mitxonline: null`)"))
        entry["mitxonline"] = None
        return entry
    if not is_source_run(run):
        out.inexact.append(Note(key, "its MITx Online run is not tagged SOURCE; declared as a source run all the same"))
    if run.live != course.live:
        out.inexact.append(
            Note(
                key,
                f"the MITx Online course is {'live' if course.live else 'not live'} and its run is "
                f"{'live' if run.live else 'not live'}; the catalog declares one `live` for both, so "
                "preview will show the run's `live` as a change",
            )
        )
    if course.department_names():
        out.inexact.append(
            Note(
                course.readable_id,
                f"departments {course.department_names()} cannot be declared in the catalog; preview will show "
                "them as a change of mitxonline:Course (no command changes them)",
            )
        )
    mitx: dict[str, Any] = {"live": course.live, "is_source_run": True}
    out.comments[("source_courses", index, "mitxonline", "is_source_run")] = NOT_EXPOSED_SOURCE_FLAG
    mitx["page"] = (
        None
        if course.page is None
        else {
            "live": course.page.live,
            "include_in_learn_catalog": bool(course.include_in_learn_catalog),
            "ingest_content_files_for_ai": bool(course.ingest_content_files_for_ai),
        }
    )
    mitx["adopt"] = True
    entry["mitxonline"] = mitx
    return entry


def _contract(
    contract: LiveContract,
    declared_sources: set[str],
    courses: dict[str, RestCourse],
    existing: list[str],
    out: Adoption,
) -> dict[str, Any]:
    row, document = contract.row, contract.export.get("contract", {})
    subject = f"contract {row.id} ({row.slug})"
    entry: dict[str, Any] = {
        "organization": contract.org_key,
        "name": row.name,
        "slug": row.slug,
        "membership_type": row.membership_type,
    }
    if document.get("description"):
        entry["description"] = document["description"]
    for name, value in (("start", row.start), ("end", row.end)):
        if value is not None:
            entry[name] = value.isoformat()
    if row.max_learners:
        entry["max_learners"] = row.max_learners
    if row.price:
        entry["price"] = f"{row.price:.2f}"
    if not row.active:
        entry["active"] = False
    declared_courses = []
    for course_id in sorted(contract.runs):
        course = courses.get(course_id)
        if course_id in declared_sources:
            declared_courses.append(course_id)
        elif course is not None and any(is_source_run(r) for r in course.courseruns):
            declared_courses.append(course_id)
            if course_id not in existing:
                existing.append(course_id)
        else:
            out.left_out.append(
                Note(
                    f"{subject}: course {course_id}",
                    f"attached ({', '.join(contract.runs[course_id])}) but the course has no source run, and a "
                    "contract course must have one",
                )
            )
    if declared_courses:
        entry["courses"] = declared_courses
    entry["adopt"] = True
    for program in contract.export.get("programs") or []:
        out.left_out.append(
            Note(f"{subject}: program {program.get('readable_id')}", "the catalog has no programs; left as it is")
        )
    if contract.code_count is not None:
        runs = sum(len(contract.runs[c]) for c in declared_courses)
        expected = rules.expected_code_count(row.membership_type, row.max_learners, row.price, runs)
        if contract.code_count != expected:
            out.inexact.append(
                Note(
                    subject,
                    f"it has {contract.code_count} enrollment codes where {row.max_learners or 'unlimited'} seats "
                    f"x {runs} runs make {expected}: the first `pulumi up` runs `b2b_codes validate --contract "
                    f"{row.id}` (spec/mitxonline.md §6.2)",
                )
            )
    return entry


def _pick_duplicates(contracts: Sequence[LiveContract], out: Adoption) -> list[LiveContract]:
    """One contract per organization and name: the catalog names contracts that way.

    `b2b_contract create` run twice makes `<slug>-2` with the same name (§3.7); the one
    whose slug is the name's keeps the name, the others are reported."""
    groups: dict[tuple[str, str], list[LiveContract]] = {}
    for contract in contracts:
        groups.setdefault((contract.org_key, contract.row.name.casefold()), []).append(contract)
    kept = []
    for group in groups.values():
        group = sorted(group, key=lambda c: (c.row.slug != slugify(c.row.name), c.row.id))
        kept.append(group[0])
        for other in group[1:]:
            out.left_out.append(
                Note(
                    f"contract {other.row.id} ({other.row.slug}) of {other.org_key}",
                    f"same name as contract {group[0].row.id} ({group[0].row.slug}), and the catalog names a "
                    "contract by organization and name; rename one in the Wagtail admin (a second "
                    "`b2b_contract create` made it, spec/mitxonline.md §3.7) and adopt again",
                )
            )
    return sorted(kept, key=lambda c: c.row.id)


def build_catalog(live: LiveState) -> Adoption:
    """The catalog that declares exactly `live`, every entry marked `adopt: true`."""
    out = Adoption(catalog={})
    sources: list[dict[str, Any]] = []
    seen_courses: dict[str, str] = {}
    for source in live.source_runs:
        course_id = course_id_of(source.course_key)
        if course_id in seen_courses:
            out.left_out.append(
                Note(
                    source.course_key,
                    f"a second source run of {course_id} (after {seen_courses[course_id]}): the catalog declares "
                    "one source run per MITx Online course",
                )
            )
            continue
        declared = _source_course(source, live.courses, len(sources), out)
        if declared is not None:
            sources.append(declared)
            seen_courses[course_id] = source.course_key
    declared_sources = {course_id_of(s["course_key"]) for s in sources if s.get("mitxonline") is not None}

    prefixes: dict[str, str] = {}
    for contract in live.contracts:
        organization = contract.export.get("organization", {})
        if organization.get("org_key_prefix") is not None:
            prefixes.setdefault(contract.org_key, organization["org_key_prefix"] or DEFAULT_PREFIX)

    organizations: list[dict[str, Any]] = []
    for org in sorted(live.organizations, key=lambda o: o.row.key):
        problem = rules.org_key_problem(org.row.key)
        if problem is not None:
            out.left_out.append(
                Note(f"organization {org.row.id} ({org.row.name})", f"its key {org.row.key!r} is refused: {problem}")
            )
            continue
        entry: dict[str, Any] = {"org_key": org.row.key, "name": org.row.name}
        if org.sso_organization_id:
            entry["sso_organization_id"] = org.sso_organization_id
        entry["org_key_prefix"] = prefixes.get(org.row.key, DEFAULT_PREFIX)
        if org.row.key not in prefixes:
            out.comments[("organizations", len(organizations), "org_key_prefix")] = NOT_EXPOSED_PREFIX
        entry["adopt"] = True
        organizations.append(entry)

    existing: list[str] = []
    declared_orgs = {o["org_key"] for o in organizations}
    contracts = []
    for contract in _pick_duplicates(live.contracts, out):
        if contract.org_key not in declared_orgs:
            out.left_out.append(
                Note(f"contract {contract.row.id} ({contract.row.slug})", "its organization could not be declared")
            )
            continue
        contracts.append(_contract(contract, declared_sources, live.courses, existing, out))
    out.catalog = {
        "source_courses": sources,
        "existing_source_courses": sorted(existing),
        "organizations": organizations,
        "contracts": contracts,
    }
    # What is written must be a valid stack file: the same validation `pulumi preview` runs.
    load_catalog(json.loads(json.dumps(out.catalog)))
    return out


# ---- the stack file ---------------------------------------------------------------


def _scalar(value: Any) -> str:
    # JSON scalars are YAML scalars; strings quoted, so nothing is read as a date or a number.
    return json.dumps(value, ensure_ascii=False)


def _lines(value: Any, indent: int, path: Path_, comments: dict[Path_, str]) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    items: Iterable[tuple[str | int, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        here = (*path, key)
        head = f"{pad}{key}:" if isinstance(value, dict) else f"{pad}-"
        note = f"  # {comments[here]}" if here in comments else ""
        if isinstance(item, dict | list) and item:
            if isinstance(value, list) and isinstance(item, dict):
                inner = _lines(item, indent + 2, here, comments)
                out.append(f"{pad}- {inner[0][indent + 2 :]}")
                out += inner[1:]
            else:
                out.append(head + note)
                out += _lines(item, indent + 2, here, comments)
        else:
            text = ("{}" if isinstance(item, dict) else "[]") if isinstance(item, dict | list) else _scalar(item)
            out.append(f"{head} {text}{note}")
    return out


def render_catalog(adoption: Adoption, indent: int = 2, header: Sequence[str] = ()) -> str:
    """The `courseware:catalog:` key and its value, at `indent`, with the comments."""
    pad = " " * (indent + 2)
    lines = [f"{' ' * indent}{CATALOG_KEY}:"]
    lines += [f"{pad}# {text}" for text in header]
    lines += _lines(adoption.catalog, indent + 2, (), adoption.comments)
    return "\n".join(lines) + "\n"


def replace_catalog(text: str, adoption: Adoption, header: Sequence[str] = ()) -> str:
    """`text` (a stack file) with its catalog replaced; every other line kept as it was."""
    lines = text.splitlines()
    config = next((i for i, line in enumerate(lines) if line.rstrip() == "config:"), None)
    if config is None:
        body = render_catalog(adoption, 2, header)
        return text + ("" if text.endswith("\n") or not text else "\n") + "config:\n" + body
    # The config block runs to the next top-level line; its keys share the first one's indent.
    stop = next(
        (i for i in range(config + 1, len(lines)) if lines[i].strip() and not lines[i][0].isspace()), len(lines)
    )
    keys = [i for i in range(config + 1, stop) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    indent = len(lines[keys[0]]) - len(lines[keys[0]].lstrip()) if keys else 2
    start = next(
        (
            i
            for i in keys
            if lines[i] == f"{' ' * indent}{CATALOG_KEY}:" or lines[i].startswith(f"{' ' * indent}{CATALOG_KEY}: ")
        ),
        None,
    )
    block = render_catalog(adoption, indent, header).splitlines()
    if start is None:
        end = keys[-1] + 1 if keys else config + 1
        return "\n".join([*lines[:end], *block, *lines[end:]]) + "\n"
    end = start + 1
    while end < len(lines):
        stripped = lines[end].lstrip()
        if (
            stripped
            and len(lines[end]) - len(stripped) <= indent
            and not (stripped.startswith("- ") and len(lines[end]) - len(stripped) == indent)
        ):
            break
        end += 1
    return "\n".join([*lines[:start], *block, *lines[end:]]) + "\n"


def write_catalog(stack_file: Path, adoption: Adoption, header: Sequence[str] = ()) -> None:
    """Write the catalog into `stack_file`, checking the other keys came through unchanged."""
    before = stack_file.read_text() if stack_file.exists() else ""
    after = replace_catalog(before, adoption, header)
    old, new = yaml.safe_load(before) or {}, yaml.safe_load(after) or {}
    old_config, new_config = dict(old.get("config") or {}), dict(new.get("config") or {})
    old_config.pop(CATALOG_KEY, None)
    catalog = new_config.pop(CATALOG_KEY, None)
    same = {k: v for k, v in old.items() if k != "config"} == {k: v for k, v in new.items() if k != "config"}
    if not same or old_config != new_config or catalog != json.loads(json.dumps(adoption.catalog)):
        raise AdoptError(f"could not rewrite the catalog of {stack_file} without touching its other keys")
    stack_file.write_text(after)


# ---- the stack --------------------------------------------------------------------


@dataclass(frozen=True)
class StackLocation:
    """A stack of the project in `project_dir`, its stack file and program directory."""

    project_dir: Path
    stack: str
    stack_file: Path
    program_dir: Path


def _pulumi(argv: list[str], cwd: Path) -> str:
    done = subprocess.run(
        ["pulumi", *argv, "--non-interactive"],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        raise AdoptError(f"`pulumi {' '.join(argv)}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def locate_stack(stack: str | None, cwd: Path) -> StackLocation:
    """The project of `cwd` (or a parent) and the file of `stack` (default: the selected one)."""
    project = next((d for d in (cwd, *cwd.parents) if (d / "Pulumi.yaml").exists()), None)
    if project is None:
        raise AdoptError(f"no Pulumi.yaml in {cwd} or above: run this in the project")
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text()) or {}
    name = stack or _pulumi(["stack", "--show-name"], project).strip()
    config_dir = project / str(settings.get("stackConfigDir") or ".")
    return StackLocation(
        project, name, config_dir / f"Pulumi.{name}.yaml", (project / str(settings.get("main") or ".")).resolve()
    )


def stack_settings(location: StackLocation) -> PlatformSettings:
    """The stack's platform settings, secrets decrypted by `pulumi config --show-secrets`."""
    raw = json.loads(_pulumi(["config", "--show-secrets", "--json", "--stack", location.stack], location.project_dir))
    values = {key: item.get("value") for key, item in raw.items() if isinstance(item, dict)}
    return settings_from_config(values)
