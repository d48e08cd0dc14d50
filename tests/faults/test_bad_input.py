"""Bad stack files through the real CLI (issue 8, item 3; issue 24).

Each case is one stack file a new user could write: a valid one with one thing broken, in
the catalog or in the platform settings, written as YAML the way an operator writes it
(unquoted dates included). `pulumi preview` must refuse it before any platform call (the
sandbox log shows none) and without a Python traceback, and the first `error:` line the
CLI prints must name the `courseware:` key or catalog path, say what is wrong and say
what to write instead: a reader of that line alone knows the fix.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider import platforms
from provider.mitxonline.course import CourseProvider
from tests.e2e.harness import REPO, STACKS, PulumiProject, Result
from tests.faults.conftest import checked, configured, contract, source_course
from tests.sandbox.helpers import Sandbox

KEY = "course-v1:UAI_SOURCE+B.0001x+SOURCE"
COURSE = "course-v1:UAI_SOURCE+B.0001x"
VALID: dict[str, Any] = {
    "source_courses": [
        {
            **source_course(KEY),
            "enrollment_start": "2026-01-01T00:00:00Z",
            "enrollment_end": "2030-12-01T00:00:00Z",
        }
    ],
    "organizations": [{"org_key": "BADIN", "name": "Bad Input University"}],
    "contracts": [contract("BADIN", "Bad Input Contract", [COURSE])],
}
CATALOG = "courseware:catalog"
MITX = "courseware:mitxonline"
EDX = "courseware:edx"
UTC = dt.UTC

# The stack file's config, a dict of `courseware:` keys, changed in place.
Edit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class BadFile:
    """One broken stack file, and what the first error line must say about it."""

    edit: Edit
    where: str  # the key or catalog path named
    wrong: str  # a word of what is wrong
    fix: str  # a word of what to write instead
    absent: tuple[str, ...] = field(default=())  # never said anywhere in the output


def at(path: str, value: Any) -> Edit:
    """Set the value at `path` (`catalog.contracts.0.end`, `mitxonline.session`)."""

    def edit(config: dict[str, Any]) -> None:
        section, *parts = path.split(".")
        node: Any = config[f"courseware:{section}"]
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value

    return edit


def without(path: str) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        section, *parts = path.split(".")
        if not parts:
            del config[f"courseware:{section}"]
            return
        node: Any = config[f"courseware:{section}"]
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[int(parts[-1]) if parts[-1].isdigit() else parts[-1]]

    return edit


def key(name: str, value: Any) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        config[f"courseware:{name}"] = value

    return edit


def twice(section: str) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        entries = config[CATALOG][section]
        entries.append(copy.deepcopy(entries[0]))

    return edit


def both(*edits: Edit) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        for one in edits:
            one(config)

    return edit


C0 = "catalog.contracts.0"
S0 = "catalog.source_courses.0"
O0 = "catalog.organizations.0"
P_C0 = "catalog.contracts[0]"
P_S0 = "catalog.source_courses[0]"
P_O0 = "catalog.organizations[0]"
ARGV = ["kubectl", "exec", "-i", "-n", "mitxonline", "deploy/mitxonline-app", "--", "python", "manage.py"]

CASES: dict[str, BadFile] = {
    # Course keys -------------------------------------------------------------------
    "key with a space": BadFile(
        at(f"{S0}.course_key", "course-v1:UAI_SOURCE+B 1x+SOURCE"), f"{P_S0}.course_key", "' '", "use only"
    ),
    "key with a +": BadFile(
        at(f"{S0}.course_key", "course-v1:UAI_SOURCE+B+1x+SOURCE"), f"{P_S0}.course_key", "part", "write"
    ),
    "key with a /": BadFile(
        at(f"{S0}.course_key", "course-v1:UAI_SOURCE+B/1x+SOURCE"), f"{P_S0}.course_key", "'/'", "use only"
    ),
    "key with unicode": BadFile(
        at(f"{S0}.course_key", "course-v1:UAI_SOURCE+Bé.1x+SOURCE"), f"{P_S0}.course_key", "ASCII", "use"
    ),
    "key with an empty part": BadFile(
        at(f"{S0}.course_key", "course-v1:UAI_SOURCE++SOURCE"), f"{P_S0}.course_key", "empty", "write for example"
    ),
    "source key that is not a key": BadFile(
        at(f"{S0}.source_key", "UAI_SOURCE/B.0001x"), f"{P_S0}.source_key", "not", "write"
    ),
    "same course key twice": BadFile(
        twice("source_courses"), f"{P_S0}.course_key", "more than once", "remove the others"
    ),
    # Dates -------------------------------------------------------------------------
    "end before start": BadFile(at(f"{S0}.end", "2025-01-01T00:00:00Z"), f"{P_S0}.end", "later than start", "move"),
    "enrollment ends after the run": BadFile(
        at(f"{S0}.enrollment_end", "2031-06-01T00:00:00Z"), f"{P_S0}.end", "enrollment_end", "move"
    ),
    "enrollment starts after the run starts": BadFile(
        at(f"{S0}.enrollment_start", "2026-02-01T00:00:00Z"), f"{P_S0}.start", "enrollment_start", "move"
    ),
    "enrollment ends before it starts": BadFile(
        at(f"{S0}.enrollment_end", "2025-12-01T00:00:00Z"), f"{P_S0}.enrollment_end", "enrollment_start", "move"
    ),
    "a run time without a timezone": BadFile(
        at(f"{S0}.start", "2026-01-05T00:00:00"), f"{P_S0}.start", "timezone", "write"
    ),
    "a run time that is not a time": BadFile(
        at(f"{S0}.end", "next year"), f"{P_S0}.end", "datetime", "write an ISO 8601 time"
    ),
    "an unquoted run end before its start": BadFile(
        at(f"{S0}.end", dt.datetime(2025, 1, 1, tzinfo=UTC)), f"{P_S0}.end", "2025-01-01T00:00:00", "move"
    ),
    "an unquoted enrollment end after the run": BadFile(
        at(f"{S0}.enrollment_end", dt.datetime(2031, 6, 1, 12, 30, tzinfo=UTC)),
        f"{P_S0}.end",
        "2031-06-01T12:30",
        "move",
    ),
    "contract ends before it starts": BadFile(
        at(f"{C0}.end", "2025-12-31"), f"{P_C0}.end", "before start", "end after"
    ),
    "an unquoted contract end before its start": BadFile(
        at(f"{C0}.end", dt.date(2025, 12, 31)), f"{P_C0}.end", "2025-12-31 is before start", "end after"
    ),
    "an unquoted contract end with a time": BadFile(
        at(f"{C0}.end", dt.datetime(2027, 12, 31, 10, 0, tzinfo=UTC)), f"{P_C0}.end", "zero time", "YYYY-MM-DD"
    ),
    "a contract date that is not a date": BadFile(
        at(f"{C0}.start", "first of May"), f"{P_C0}.start", "date", "YYYY-MM-DD"
    ),
    # Names -------------------------------------------------------------------------
    "newline in a title": BadFile(at(f"{S0}.title", "Intro\nrm -rf /"), f"{P_S0}.title", "one line", "e.g."),
    "blank title": BadFile(at(f"{S0}.title", "   "), f"{P_S0}.title", "blank", "e.g. title:"),
    "title with a leading space": BadFile(at(f"{S0}.title", " Intro"), f"{P_S0}.title", "spaces", "e.g. title:"),
    "missing title": BadFile(without(f"{S0}.title"), f"{P_S0}.title", "missing", "add it"),
    "newline in a contract name": BadFile(at(f"{C0}.name", "Bad\nInput"), f"{P_C0}.name", "one line", "e.g."),
    "newline in an organization name": BadFile(at(f"{O0}.name", "Bad\r\nInput"), f"{P_O0}.name", "one line", "e.g."),
    "missing organization name": BadFile(without(f"{O0}.name"), f"{P_O0}.name", "missing", "add it"),
    # Choices and numbers -----------------------------------------------------------
    "unknown pacing": BadFile(at(f"{S0}.pacing", "fast"), f"{P_S0}.pacing", "'fast'", "write"),
    "unknown on_delete": BadFile(at(f"{S0}.on_delete", "destroy"), f"{P_S0}.on_delete", "'destroy'", "write"),
    "unknown membership type": BadFile(
        at(f"{C0}.membership_type", "premium"), f"{P_C0}.membership_type", "'premium'", "write"
    ),
    "missing membership type": BadFile(
        without(f"{C0}.membership_type"), f"{P_C0}.membership_type", "missing", "membership_type: code"
    ),
    "zero seats": BadFile(at(f"{C0}.max_learners", 0), f"{P_C0}.max_learners", "greater than 0", "max_learners: 25"),
    "negative seats": BadFile(
        at(f"{C0}.max_learners", -5), f"{P_C0}.max_learners", "greater than 0", "max_learners: 25"
    ),
    "seats as words": BadFile(at(f"{C0}.max_learners", "many"), f"{P_C0}.max_learners", "integer", "whole number"),
    "negative price": BadFile(at(f"{C0}.price", -1), f"{P_C0}.price", "greater than or equal to 0", "price: 99.00"),
    "price with three decimals": BadFile(at(f"{C0}.price", "10.005"), f"{P_C0}.price", "2 decimal", "price: 99.00"),
    "protect as a word": BadFile(at(f"{C0}.protect", "maybe"), f"{P_C0}.protect", "boolean", "true or false"),
    "active as a number": BadFile(at(f"{C0}.active", 2), f"{P_C0}.active", "boolean", "true or false"),
    # Keys, prefixes and slugs ------------------------------------------------------
    "lower-case org key": BadFile(at(f"{O0}.org_key", "badin"), f"{P_O0}.org_key", "upper case", "write 'BADIN'"),
    "org key with a dash": BadFile(at(f"{O0}.org_key", "BAD-IN"), f"{P_O0}.org_key", "not an org key", "use"),
    "same organization twice": BadFile(
        twice("organizations"), f"{P_O0}.org_key", "more than once", "remove the others"
    ),
    "prefix with a space": BadFile(
        at(f"{O0}.org_key_prefix", "UAI X"), f"{P_O0}.org_key_prefix", "'UAI X'", "no spaces", ("[A-Za-z0-9_]",)
    ),
    "prefix with a dash": BadFile(
        at(f"{O0}.org_key_prefix", "UAI-"), f"{P_O0}.org_key_prefix", "'UAI-'", "org_key_prefix: UAI_", ("{0,20}",)
    ),
    "prefix too long": BadFile(
        at(f"{O0}.org_key_prefix", "U" * 21), f"{P_O0}.org_key_prefix", "not a key prefix", "at most 20", ("{0,20}",)
    ),
    "slug with a space": BadFile(
        at(f"{C0}.slug", "bad slug"), f"{P_C0}.slug", "'bad slug'", "slug: bigco-codes-2026", ("a-zA-Z0-9",)
    ),
    # Structure ---------------------------------------------------------------------
    "unknown field": BadFile(at(f"{S0}.titel", "Typo"), f"{P_S0}.titel", "unknown field", "remove it"),
    "unknown section": BadFile(at("catalog.contract", []), "catalog.contract", "unknown section", "write"),
    "contracts as a mapping": BadFile(
        at("catalog.contracts", {"organization": "BADIN"}), "catalog.contracts", "must be a list", "write"
    ),
    "catalog as a list": BadFile(key("catalog", [1]), "catalog", "must be a mapping", "with source_courses"),
    "mitxonline side as a word": BadFile(
        at(f"{S0}.mitxonline", "yes"), f"{P_S0}.mitxonline", "valid dictionary", "write a mapping"
    ),
    "unknown page flag": BadFile(
        at(f"{S0}.mitxonline", {"page": {"published": True}}), f"{P_S0}.mitxonline.page.published", "unknown", "remove"
    ),
    "courses as one string": BadFile(at(f"{C0}.courses", COURSE), f"{P_C0}.courses", "valid list", "write a list"),
    "contract course with its run": BadFile(
        at(f"{C0}.courses", [KEY]), f"{P_C0}.courses[0]", "not a MITx Online course id", "write course-v1:ORG+NUMBER"
    ),
    "contract course not declared": BadFile(
        at(f"{C0}.courses", ["course-v1:UAI_SOURCE+Z.9999x"]), f"{P_C0}.courses[0]", "not a declared", "declare"
    ),
    "same course twice in a contract": BadFile(
        at(f"{C0}.courses", [COURSE, COURSE]), f"{P_C0}.courses[0]", "more than once", "remove the others"
    ),
    "same contract twice": BadFile(twice("contracts"), f"{P_C0}.name", "more than once", "remove the others"),
    "contract of an undeclared organization": BadFile(
        both(at(f"{C0}.organization", "NOPE"), at(f"{C0}.membership_type", "managed")),
        f"{P_C0}.organization",
        "not declared",
        "add it",
        ("sso", "Keycloak"),
    ),
    "managed contract of an organization without SSO": BadFile(
        at(f"{C0}.membership_type", "managed"), f"{P_C0}.membership_type", "sso_organization_id", "use membership_type"
    ),
    "course both managed here and existing": BadFile(
        at("catalog.existing_source_courses", [COURSE]), "catalog.existing_source_courses[0]", "also declared", "remove"
    ),
    "existing source course that is not an id": BadFile(
        at("catalog.existing_source_courses", ["UAI_SOURCE B"]),
        "catalog.existing_source_courses[0]",
        "not a MITx Online course id",
        "write",
    ),
    "misspelt catalog key": BadFile(
        both(key("catalogue", {}), without("catalog")), "courseware:catalogue", "not a key", "did you mean"
    ),
    # Platform settings -------------------------------------------------------------
    "missing MITx Online API key": BadFile(
        without("mitxonlineApiKey"), "courseware:mitxonlineApiKey", "missing", "pulumi config set --secret"
    ),
    "missing edX client secret": BadFile(
        without("edxClientSecret"), "courseware:edxClientSecret", "missing", "pulumi config set --secret"
    ),
    "plain-text MITx Online API key": BadFile(
        key("mitxonlineApiKey", "sandbox-mitxonline-api-key"), "courseware:mitxonlineApiKey", "plain text", "--secret"
    ),
    "plain-text edX client secret": BadFile(
        key("edxClientSecret", "sandbox-edx-client-secret"), "courseware:edxClientSecret", "plain text", "--secret"
    ),
    "manageCommand as one string": BadFile(
        at("mitxonline.manageCommand", " ".join(ARGV)), "courseware:mitxonline.manageCommand", "not a list", "as a list"
    ),
    "manageCommand with its words in one item": BadFile(
        at("mitxonline.manageCommand", [" ".join(ARGV)]),
        "courseware:mitxonline.manageCommand",
        "holds 9 words",
        "one word per item",
    ),
    "manageCommand with `python manage.py` as one item": BadFile(
        at("mitxonline.manageCommand", [*ARGV[:-2], "python manage.py"]),
        "courseware:mitxonline.manageCommand",
        "holds 2 words",
        "one word per item",
    ),
    "manageCommand through ssh": BadFile(
        at("mitxonline.manageCommand", ["ssh", "mitx.example.edu", "python", "manage.py"]),
        "courseware:mitxonline.manageCommand",
        "`ssh` joins",
        "write the argv",
    ),
    "session as a quoted number": BadFile(
        at("mitxonline.session", "3"), "courseware:mitxonline.session", "'3'", "unquoted", ("constrained-int", ".bool")
    ),
    "session of 9": BadFile(at("mitxonline.session", 9), "courseware:mitxonline.session", "9", "from 1 to 8"),
    "command timeout as a word": BadFile(
        at("mitxonline.commandTimeout", "soon"), "courseware:mitxonline.commandTimeout", "number", "commandTimeout: 600"
    ),
    "clone timeout of 9000": BadFile(
        at("mitxonline.cloneTimeout", 9000), "courseware:mitxonline.cloneTimeout", "7200", "cloneTimeout: 900"
    ),
    "MITx Online URL without a scheme": BadFile(
        at("mitxonline.url", "mitxonline.example.edu"), "courseware:mitxonline.url", "URL", "with its scheme"
    ),
    "unknown MITx Online setting": BadFile(
        at("mitxonline.urll", "http://x"), "courseware:mitxonline.urll", "not a setting", "remove it"
    ),
    "MITx Online settings as one string": BadFile(
        key("mitxonline", "http://127.0.0.1:18602"), "courseware:mitxonline", "not a mapping", "write its settings"
    ),
    "missing edX client id": BadFile(without("edx.clientId"), "courseware:edx.clientId", "missing", "clientId:"),
    "missing Studio URL": BadFile(without("edx.studioUrl"), "courseware:edx.studioUrl", "missing", "studioUrl:"),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, fresh_sandbox: Sandbox) -> Iterator[PulumiProject]:
    project = PulumiProject(tmp_path_factory.mktemp("bad-input"), STACKS, stack="bad-input")
    project.use_sandbox(fresh_sandbox.info)
    project.set_config("catalog", VALID)
    yield project


@dataclass
class StackFile:
    """The project's stack file, rewritten from the valid one for each case."""

    project: PulumiProject
    valid: dict[str, Any]

    @property
    def path(self) -> Path:
        return self.project.root / f"Pulumi.{self.project.stack}.yaml"

    def write(self, edit: Edit) -> None:
        data = copy.deepcopy(self.valid)
        edit(data["config"])
        # yaml writes a date or datetime unquoted, as a person would type it.
        self.path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def stack_file(project: PulumiProject) -> Iterator[StackFile]:
    path = project.root / f"Pulumi.{project.stack}.yaml"
    original = path.read_text()
    config = yaml.safe_load(original)
    config["config"][CATALOG] = copy.deepcopy(VALID)
    yield StackFile(project, config)
    path.write_text(original)


def first_error_line(result: Result) -> str:
    """The first `error:` line the CLI printed: the one a reader sees first."""
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        found = re.match(r"\s*error: (.*)", line)
        if found:
            return found.group(1)
    return ""


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_stack_file_is_refused_before_any_platform_call_with_a_first_line_that_says_the_fix(
    stack_file: StackFile, fresh_sandbox: Sandbox, case: str
) -> None:
    bad = CASES[case]
    stack_file.write(bad.edit)
    before = len(fresh_sandbox.log())
    result = stack_file.project.preview(expect=None)
    text = result.stdout + result.stderr
    assert result.exit_code != 0, f"accepted wrongly:\n{text}"
    assert fresh_sandbox.log()[before:] == [], f"a platform call before the refusal:\n{text}"
    line = first_error_line(result)
    for part, wanted in (("key or path", bad.where), ("what is wrong", bad.wrong), ("fix", bad.fix)):
        assert wanted in line, f"unclear: the first error line lacks the {part} {wanted!r}:\n{line}\n\n{text}"
    assert line.startswith(f"{bad.where}:") or line.startswith(f"{bad.where} "), line
    for said in ("Traceback", "Resource monitor has terminated", *bad.absent):
        assert said not in text, f"{said!r} in:\n{text}"


def test_the_error_docs_stack_file_md_shows_is_the_one_the_cli_prints(stack_file: StackFile) -> None:
    """The example at the top of docs/stack-file.md, made by its two mistakes."""
    doc = (REPO / "docs" / "stack-file.md").read_text()
    [example] = [block for block in re.findall(r"```\n(.*?)```", doc, re.S) if block.startswith("error: ")]
    stack_file.write(both(at(f"{S0}.end", "2025-06-01T00:00:00Z"), at(f"{C0}.max_learners", 0)))
    shown = stack_file.project.preview(expect=None)
    printed = [line.strip() for line in shown.stdout.splitlines()]
    assert [line.strip() for line in example.splitlines()] == [
        line for line in printed if line in {one.strip() for one in example.splitlines()}
    ], shown.stdout


def test_the_matrix_holds_sixty_stack_files_at_least() -> None:
    assert len(CASES) >= 60


def test_yaml_dates_written_without_quotes_are_read_as_written(stack_file: StackFile, fresh_sandbox: Sandbox) -> None:
    """`end: 2027-12-31` is a YAML date, and `start: 2026-01-05T00:00:00Z` a YAML
    timestamp; the CLI hands them to the program in Go's own rendering. They mean what
    they say (issue 24): the preview plans these very values."""
    unquoted = both(
        at(f"{C0}.end", dt.date(2027, 12, 31)),
        at(f"{S0}.start", dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)),
    )
    stack_file.write(unquoted)
    digest = stack_file.project.preview_json()
    inputs = {
        step["urn"].split("::")[-2].rsplit("/", 1)[-1]: (step.get("newState") or {}).get("inputs") or {}
        for step in digest["steps"]
    }
    contract_inputs, run_inputs = inputs["mitxonline:Contract"], inputs["edx:CourseRun"]
    assert contract_inputs["end"] == "2027-12-31"
    assert run_inputs["start"] == "2026-01-05T09:30:00Z"


def test_the_valid_stack_file_previews(stack_file: StackFile, fresh_sandbox: Sandbox) -> None:
    """The matrix's base is valid: each failure above comes from its one change."""
    stack_file.write(lambda config: None)
    stack_file.project.preview()


def test_shell_metacharacters_in_a_title_are_passed_literally(fresh_sandbox: Sandbox) -> None:
    """Titles may hold `&`, `;`, `$( )`, backquotes and quotes ("Data & Society"): they are
    valid text, so they are accepted and reach the command as one argument, never through
    a shell (provider/mitxonline/transport.py)."""
    title = "Data & Society; $(touch /tmp/courseware-pwned) `id` | cat > x 'quoted' \"too\""
    course = f"course-v1:META+{Sandbox.unique('T')}"
    provider = configured(fresh_sandbox, CourseProvider)
    provider.create(checked(provider, readable_id=course, title=title))
    platforms.mitxonline().shared.forget()
    live = platforms.mitxonline().course(course)
    assert live is not None and live.title == title
    assert not Path("/tmp/courseware-pwned").exists()
