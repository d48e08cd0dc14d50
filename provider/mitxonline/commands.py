"""The management commands the project runs, as argument vectors (their output is read
by `outputs.py`).

Each builder takes already-validated values (see `models.py`) and checks the grammar of
every argument once more before returning, so nothing reaches `ManageCommand` that the
command could read differently: a positional that starts with `-` would be taken as a
flag by argparse, a key with a space would be two keys. Flags go before positionals,
since `b2b_courseware` rejects them after (docs/platforms/mitxonline.md §9).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from provider import rules
from provider.errors import DeclarationError, FieldProblem
from provider.mitxonline import remote
from provider.mitxonline.remote import codes as remote_codes
from provider.mitxonline.remote import listings as remote_listings
from provider.mitxonline.remote import programs as remote_programs


@dataclass(frozen=True)
class Invocation:
    """One command to run: `manage.py <command> <args…>`, with optional stdin."""

    command: str
    args: tuple[str, ...]
    stdin: str | None = None
    # The courses whose REST read (`GET /api/internal/courses/`: course, runs, page) the
    # command may change, so the client forgets only those (provider/mitxonline/reads.py);
    # None: it may change any.
    courses: tuple[str, ...] | None = None


class _Checker:
    """Collects every bad argument of one invocation, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def _ask(self, what: str, value: str, rule: Callable[[str], str | None]) -> str:
        problem = rule(value)
        if problem is not None:
            self.problems.append(FieldProblem(what, problem))
        return value

    # The rules of provider/rules.py, the same ones the resources' `check` asks.
    def run_key(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.run_key_problem)

    def course_id(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.course_id_problem)

    def run_tag(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.run_tag_problem)

    def slug(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.slug_problem)

    def program_id(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.program_id_problem)

    def name(self, what: str, value: str) -> str:
        return self._ask(what, value, rules.name_problem)

    def match(self, what: str, pattern: re.Pattern[str], value: str, hint: str) -> str:
        if not pattern.match(value):
            self.problems.append(FieldProblem(what, f"{value!r} is not valid: {hint}"))
        return value

    def done(
        self, command: str, *args: str, stdin: str | None = None, courses: tuple[str, ...] | None = None
    ) -> Invocation:
        if self.problems:
            raise DeclarationError(self.problems)
        return Invocation(command, args, stdin, courses)


def _course_of(run_key: str) -> str:
    """The MITx Online course of a run key (docs/platforms/mitxonline.md §13): the key without its run part."""
    return run_key.rsplit("+", 1)[0]


def _flag(on: bool, name: str) -> list[str]:
    return [name] if on else []


def import_courserun(courseware_id: str, course: str, run_tag: str, *, live: bool, source: bool) -> Invocation:
    """Create a run (docs/platforms/mitxonline.md §3) under an existing course, reading title, dates and pacing from
    edX."""
    c = _Checker()
    c.run_key("courseware_id", courseware_id)
    c.course_id("course", course)
    c.run_tag("run_tag", run_tag)
    return c.done(
        "import_courserun",
        "--courserun",
        courseware_id,
        "--use-specific-course",
        course,
        "--run-tag",
        run_tag,
        *_flag(live, "--live"),
        *_flag(source, "--source-course"),
        courses=(course,),
    )


@dataclass(frozen=True)
class PageChoice:
    """The CMS page flags `import_course` passes."""

    live: bool
    include_in_learn_catalog: bool
    ingest_content_files_for_ai: bool


def import_course(
    courseware_id: str,
    run_tag: str,
    *,
    live: bool,
    source: bool,
    departments: Sequence[str],
    page: PageChoice | None,
) -> Invocation:
    """The runbook's one command for a new course (docs/platforms/mitxonline.md §3): `import_courserun` without
    `--use-specific-course` creates the course from the key (title from edX), the run and,
    with `page`, the course's CMS page. `--live` makes course and run live; the page's
    liveness is always given explicitly, since by default it follows `--live`."""
    c = _Checker()
    c.run_key("courseware_id", courseware_id)
    c.run_tag("run_tag", run_tag)
    depts: list[str] = []
    for index, department in enumerate(departments):
        depts += ["--dept", c.name(f"departments[{index}]", department)]
    page_flags: list[str] = []
    if page is not None:
        page_flags = [
            "--create-cms-page",
            "--publish-cms-page" if page.live else "--draft-cms-page",
            *_flag(page.include_in_learn_catalog, "--include-in-learn-catalog"),
            *_flag(page.ingest_content_files_for_ai, "--ingest-content-files-for-ai"),
        ]
    return c.done(
        "import_courserun",
        "--courserun",
        courseware_id,
        "--run-tag",
        run_tag,
        *_flag(live, "--live"),
        *_flag(source, "--source-course"),
        *depts,
        *_flag(bool(departments), "--create-depts"),
        *page_flags,
        courses=(_course_of(courseware_id),),
    )


def create_course(readable_id: str, title: str, *, live: bool, departments: Sequence[str]) -> Invocation:
    """`create_courseware course` (docs/platforms/mitxonline.md §3): local only, no edX call, no run."""
    c = _Checker()
    c.course_id("readable_id", readable_id)
    c.name("title", title)
    depts: list[str] = []
    for index, department in enumerate(departments):
        depts += ["--dept", c.name(f"departments[{index}]", department)]
    return c.done(
        "create_courseware",
        *_flag(live, "--live"),
        *depts,
        *_flag(bool(departments), "--create-depts"),
        "course",
        readable_id,
        title,
        courses=(readable_id,),
    )


def create_program(readable_id: str, title: str, *, live: bool, b2b_only: bool) -> Invocation:
    """`create_courseware program` (docs/platforms/mitxonline.md §14): local only, no requirement yet."""
    c = _Checker()
    c.program_id("readable_id", readable_id)
    c.name("title", title)
    return c.done(
        "create_courseware", *_flag(live, "--live"), *_flag(b2b_only, "--b2b-only"), "program", readable_id, title
    )


def write_program(
    readable_id: str, title: str, *, live: bool, b2b_only: bool, required: Sequence[str], elective: Sequence[str]
) -> Invocation:
    """A `shell --no-imports -c` running `remote.programs.write_program`: title, flags and
    requirements in order, through the functions MITx Online's admin form uses (no
    command changes a program, docs/platforms/mitxonline.md §14)."""
    c = _Checker()
    c.program_id("readable_id", readable_id)
    c.name("title", title)
    for kind, courses in (("required", required), ("elective", elective)):
        for index, course in enumerate(courses):
            c.course_id(f"{kind}[{index}]", course)
    code = remote.shell_code(
        remote_programs.write_program, readable_id, title, bool(live), bool(b2b_only), list(required), list(elective)
    )
    return _shell(c, code)


def read_program(readable_id: str) -> Invocation:
    """A `shell --no-imports -c` running `remote.programs.print_program`: the read of a
    b2b-only program, which REST hides (docs/platforms/mitxonline.md §14)."""
    c = _Checker()
    c.program_id("readable_id", readable_id)
    return _shell(c, remote.shell_code(remote_programs.print_program, readable_id))


def create_courseware_page(course: str, *, live: bool, catalog: bool, ingest: bool) -> Invocation:
    """`create_courseware_page` (docs/platforms/mitxonline.md §3); its flags are spelt with underscores."""
    c = _Checker()
    c.course_id("course", course)
    return c.done(
        "create_courseware_page",
        *_flag(live, "--live"),
        *_flag(catalog, "--include_in_learn_catalog"),
        *_flag(ingest, "--ingest_content_files_for_ai"),
        course,
        courses=(course,),
    )


def sync_courserun(courseware_id: str) -> Invocation:
    """Copy title, dates and pacing from edX into one run (docs/platforms/mitxonline.md §3, §10)."""
    c = _Checker()
    c.run_key("courseware_id", courseware_id)
    return c.done("sync_courserun", "--run", courseware_id, courses=(_course_of(courseware_id),))


def contract_import(document: dict[str, Any], slug: str) -> Invocation:
    """`b2b_contract import - --commit --slug S` with the export document on stdin (docs/platforms/mitxonline.md §5).

    The one command that creates a contract with a chosen slug, prints its id, is safe to
    repeat ("Contract exists", docs/platforms/mitxonline.md §5) and creates a missing organization with its name,
    key prefix and Keycloak id.
    """
    c = _Checker()
    c.slug("slug", slug)
    # The document holds no courseware ("programs": []): no course changes.
    return c.done("b2b_contract", "import", "--commit", "--slug", slug, "-", stdin=json.dumps(document), courses=())


def contract_modify(contract_id: int, changes: dict[str, Any]) -> Invocation:
    """`b2b_contract modify <id>` with only the flags of the changed fields (docs/platforms/mitxonline.md §5).

    `changes` maps start, end, max_learners, price and active to their new values; None
    clears a value with the matching `--no-*` flag.
    """
    args: list[str] = []
    if "start" in changes:
        args += ["--no-start-date"] if changes["start"] is None else ["--start", _date(changes["start"])]
    if "end" in changes:
        args += ["--no-end-date"] if changes["end"] is None else ["--end", _date(changes["end"])]
    if "max_learners" in changes:
        seats = changes["max_learners"]
        args += ["--no-learner-cap"] if seats is None else ["--max-learners", str(int(seats))]
    if "price" in changes:
        price = changes["price"]
        args += ["--no-price"] if price is None else ["--price", f"{Decimal(price):.2f}"]
    if "active" in changes:
        args.append("--active" if changes["active"] else "--inactive")
    return _Checker().done("b2b_contract", "modify", str(int(contract_id)), *args)


def contract_export(contract_id: int) -> Invocation:
    """`b2b_contract export <id>`: the whole contract as JSON on stdout (docs/platforms/mitxonline.md §5), read-only;
    the one read that shows key prefix, description and dates of every contract (docs/platforms/mitxonline.md §6)."""
    return _Checker().done("b2b_contract", "export", str(int(contract_id)))


def _courseware(action: str, contract_id: int, courses: Sequence[str], flags: Sequence[str]) -> Invocation:
    """`b2b_courseware <action>` of courses or programs: an id starting with `program-` is
    a program, anything else a course (docs/platforms/mitxonline.md §14)."""
    c = _Checker()
    if not courses:
        c.problems.append(FieldProblem("courses", "name at least one course"))
    for index, course in enumerate(courses):
        if course.startswith("program-"):
            c.program_id(f"programs[{index}]", course)
        else:
            c.course_id(f"courses[{index}]", course)
    also = [word for course in courses[1:] for word in ("--also", course)]
    # A program's add or remove touches the courses of its requirement tree, which the
    # command line does not name: every course read is then stale.
    touched = None if any(course.startswith("program-") for course in courses) else tuple(courses)
    return c.done("b2b_courseware", action, *flags, str(int(contract_id)), *courses[:1], *also, courses=touched)


def courseware_add(contract_id: int, courses: Sequence[str], *, make_codes: bool) -> Invocation:
    """All the courses in one `add` (docs/platforms/mitxonline.md §2): one start-up cost instead of one per course."""
    return _courseware("add", contract_id, courses, _flag(make_codes, "--make-codes"))


def courseware_remove(contract_id: int, courses: Sequence[str], *, remove_program_runs: bool = False) -> Invocation:
    """`remove`; with programs, `--remove-program-runs` retires their courses' runs too
    (docs/platforms/mitxonline.md §14), else only the link goes."""
    return _courseware("remove", contract_id, courses, _flag(remove_program_runs, "--remove-program-runs"))


def codes_validate(contract_id: int) -> Invocation:
    """Make the code count right (docs/platforms/mitxonline.md §3, §8): the only way codes follow seats or runs."""
    return _Checker().done("b2b_codes", "validate", "--contract", str(int(contract_id)), courses=())


_CALL_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}\Z|--[a-z][a-z0-9_-]{0,62}\Z")


def codes_read(contract_id: int | None = None) -> Invocation:
    """The codes of one contract, or of every contract (None), as one JSON array on
    stdout, in ONE command (docs/decisions.md): `shell --no-imports -c` running
    `remote.codes.print_command_file` on `b2b_codes output [--contract ID] --all --format
    json --filename`, which prints the file the command wrote inside the deployment
    (docs/platforms/mitxonline.md §6) and removes it. One Django start-up (docs/platforms/mitxonline.md §2) instead of
    two.
    """
    c = _Checker()
    target: list[str] = []
    if contract_id is not None:
        if int(contract_id) < 1:
            c.problems.append(FieldProblem("contract_id", f"{contract_id!r} is not a contract id"))
        target = ["--contract", str(int(contract_id))]
    argv = ("b2b_codes", "output", *target, "--all", "--format", "json", "--filename")
    # Every word is checked against a plain grammar: the program is made of fixed text
    # and the `repr` of these words only.
    for index, word in enumerate(argv):
        c.match(f"call_command[{index}]", _CALL_WORD, word, "letters, digits, _ and -")
    return _shell(c, remote.shell_code(remote_codes.print_command_file, argv))


def _shell(c: _Checker, code: str) -> Invocation:
    """`shell --no-imports -c <code>`: `--no-imports` keeps the shell's banner out of stdout."""
    return c.done("shell", "--no-imports", "-c", code)


LISTINGS = ("contracts", "organizations")


def listings() -> Invocation:
    """`b2b_list contracts` and `b2b_list organizations` (docs/platforms/mitxonline.md §6) in ONE command: a
    `shell --no-imports -c` running `remote.listings.print_listings`, which prints
    `{"contracts": <table>, "organizations": <table>}`. One Django start-up (docs/platforms/mitxonline.md §2) for
    the two listings every apply and refresh needs.
    """
    return _shell(_Checker(), remote.shell_code(remote_listings.print_listings, LISTINGS))


def _date(value: dt.date | str) -> str:
    return value.isoformat() if isinstance(value, dt.date) else dt.date.fromisoformat(value).isoformat()
