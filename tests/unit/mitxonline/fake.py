"""A scripted MITx Online for unit tests: a runner function and an httpx MockTransport.

Nothing here starts a process. `FakeMitx.calls` records every command (without the
prefix) so tests can count them; `on(command, handler)` scripts a command's answer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from provider.mitxonline.client import MitxOnline
from provider.mitxonline.transport import Completed
from provider.settings import MitxOnlineSettings

PREFIX = ("manage.py",)
TODAY = dt.date(2026, 9, 1)
URL = "http://mitxonline.test"
API_KEY = "unit-test-api-key"

Handler = Callable[[list[str], str | None], Completed]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A rich heavy-head table as `b2b_list` prints it (docs/platforms/mitxonline.md §6)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def cells(values: Sequence[str], edge: str) -> str:
        return edge + edge.join(f" {v.ljust(w)} " for v, w in zip(values, widths, strict=True)) + edge

    rule = "━" * 10
    return "\n".join([f"┏{rule}┓", cells(headers, "┃"), f"┡{rule}┩", *(cells(r, "│") for r in rows), f"└{rule}┘"])


class UnscriptedCommand(AssertionError):
    """The code under test ran a command the test did not script: a write the test did
    not expect, or one it forgot to answer (`fake.on(name, ...)`)."""

    def __init__(self, args: Sequence[str]) -> None:
        name = _name(args)
        super().__init__(f"unscripted command {name!r}: {list(args)}; script it with fake.on({name!r}, ...)")


def ok(stdout: str = "", stderr: str = "") -> Completed:
    return Completed(0, stdout, stderr)


@dataclass
class FakeMitx:
    contracts: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    courses: dict[str, dict[str, Any]] = field(default_factory=dict)
    edx_runs: set[str] = field(default_factory=set)
    calls: list[list[str]] = field(default_factory=list)
    stdins: list[str | None] = field(default_factory=list)
    http: list[httpx.Request] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    now: float = 0.0

    def on(self, command: str, handler: Handler) -> None:
        self.handlers[command] = handler

    def accept(self, *commands: str) -> None:
        """Script each of `commands` to succeed and print nothing, as a write does."""
        for command in commands:
            self.on(command, lambda args, stdin: ok())

    def commands(self) -> list[str]:
        """The calls as `command subcommand` words, in order."""
        return [_name(call) for call in self.calls]

    def runner(self, argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed:
        assert tuple(argv[: len(PREFIX)]) == PREFIX
        args = list(argv[len(PREFIX) :])
        self.calls.append(args)
        self.stdins.append(stdin)
        name = _name(args)
        if name in self.handlers:
            return self.handlers[name](args, stdin)
        if name == "listings":
            # `commands.listings()`: both tables as one JSON object.
            tables = {"contracts": self._contract_table(), "organizations": self._organization_table()}
            return ok(json.dumps(tables))
        raise UnscriptedCommand(args)

    def _contract_table(self) -> str:
        headers = [
            "ID",
            "Name",
            "Slug",
            "Org Name",
            "Membership",
            "Start",
            "End",
            "Active",
            "Max Learners",
            "Price",
        ]
        rows = [
            [
                str(c["id"]),
                c["name"],
                c["slug"],
                c["org_name"],
                c["membership_type"],
                c.get("start") or "",
                c.get("end") or "",
                "Yes" if c.get("active", True) else "No",
                str(c["max_learners"]) if c.get("max_learners") else "Unlim",
                c.get("price") or "",
            ]
            for c in self.contracts
        ]
        return table(headers, rows)

    def _organization_table(self) -> str:
        rows = [[str(o["id"]), o["name"], o["slug"], o["key"], "0"] for o in self.organizations]
        return table(["ID", "Name", "Slug", "Key", "Contracts"], rows)

    def handle_http(self, request: httpx.Request) -> httpx.Response:
        self.http.append(request)
        assert request.headers["Authorization"] == f"Api-Key {API_KEY}"
        path = request.url.path
        if path == "/api/internal/courses/":
            # One course by `readable_id`, or the whole listing (one page) without it.
            wanted = request.url.params.get("readable_id")
            found = [c for c in self.courses.values() if wanted is None or c["readable_id"] == wanted]
            if request.url.params.get("live") == "true":
                found = [c for c in found if c.get("is_live", True)]
            found = [{k: v for k, v in c.items() if k != "is_live"} for c in found]
            return httpx.Response(200, json={"count": len(found), "next": None, "results": found})
        if path == "/api/v0/b2b/organizations/":
            body = [
                {
                    "id": o["id"],
                    "name": o["name"],
                    "slug": o["slug"],
                    "sso_organization_id": o.get("sso"),
                    "contracts": [{"id": c["id"]} for c in self.contracts if c["org_name"] == o["name"]],
                }
                for o in self.organizations
            ]
            return httpx.Response(200, json=body)
        if path == "/api/v0/b2b/contracts/":
            return httpx.Response(
                200,
                json=[
                    {"id": c["id"], "name": c["name"], "slug": c["slug"], "description": c.get("description", "")}
                    for c in self.contracts
                    if c.get("active", True)
                ],
            )
        return httpx.Response(404, json={"detail": "Not found."})

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def client(self, **extra: Any) -> MitxOnline:
        """A client of this fake; `extra` adds `courseware:mitxonline` keys (`cloneTimeout=7`)."""
        settings = MitxOnlineSettings.model_validate(
            {"url": URL, "manageCommand": list(PREFIX), "apiKey": API_KEY, "commandTimeout": 30, **extra}
        )
        return MitxOnline(
            settings,
            runner=self.runner,
            transport=httpx.MockTransport(self.handle_http),
            edx_run_exists=lambda key: key in self.edx_runs,
            today=lambda: TODAY,
            sleep=self.sleep,
            clock=lambda: self.now,
        )

    def add_course(self, readable_id: str, title: str = "Intro", **fields: Any) -> dict[str, Any]:
        course = {
            "id": len(self.courses) + 1,
            "readable_id": readable_id,
            "title": title,
            "departments": [],
            "courseruns": [],
            "page": None,
            **fields,
        }
        self.courses[readable_id] = course
        return course

    def add_run(self, course: str, courseware_id: str, **fields: Any) -> dict[str, Any]:
        run = {
            "courseware_id": courseware_id,
            "run_tag": courseware_id.rsplit("+", 1)[1],
            "title": "Intro",
            "live": True,
            "is_self_paced": True,
            "b2b_contract": None,
            **fields,
        }
        self.courses[course]["courseruns"].append(run)
        return run


def _name(args: Sequence[str]) -> str:
    """`command subcommand`; `listings` for the shell that prints both `b2b_list` tables."""
    if args[0] == "shell" and "'b2b_list'" in args[-1]:
        return "listings"
    two_words = ("b2b_contract", "b2b_courseware", "b2b_codes", "b2b_list")
    return f"{args[0]} {args[1]}" if args[0] in two_words else args[0]
