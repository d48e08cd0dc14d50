"""Driving the MITx Online emulation in-process: a store in a temporary directory, the
management commands through ``commands.run`` and the REST port through ``rest.handle``.

No server runs here, so nothing can reach edX; tests that need edX (import, sync, the
clone worker) go through a started sandbox instead (``test_mitxonline_e2e.py``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sandbox.context import AppContext, CommandContext
from sandbox.http import Request, Response
from sandbox.mitxonline import commands, rest
from sandbox.settings import load_context
from sandbox.state import prepare_state

SOURCE_COURSE = "course-v1:UAI_SOURCE+A.0001x"
SOURCE_RUN = f"{SOURCE_COURSE}+SOURCE"


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@dataclass
class Local:
    ctx: AppContext

    def manage(self, *argv: str, env: dict[str, str] | None = None) -> Ran:
        out, err = io.StringIO(), io.StringIO()
        ctx = CommandContext(
            db=self.ctx.db, state_dir=self.ctx.state_dir, urls=self.ctx.urls, settings=self.ctx.settings,
            stdout=out, stderr=err, env=env or {},
        )  # fmt: skip
        code = commands.run(list(argv), ctx)
        return Ran(code, out.getvalue(), err.getvalue())

    def ok(self, *argv: str, env: dict[str, str] | None = None) -> Ran:
        ran = self.manage(*argv, env=env)
        assert ran.code == 0, (argv, ran)
        return ran

    def get(self, path: str, query: str = "", *, key: bool = False, method: str = "GET") -> Response:
        headers = {"authorization": f"Api-Key {self.ctx.settings.credentials.mitxonline_api_key}"} if key else {}
        request = Request(method, path, parse_qs(query, keep_blank_values=True), headers, b"")
        return rest.handle(request, self.ctx)

    def json(self, path: str, query: str = "", *, key: bool = False) -> Any:
        response = self.get(path, query, key=key)
        assert response.status == 200, (response.status, response.body)
        return response.body

    def scalar(self, sql: str, *params: object) -> Any:
        return self.ctx.db.execute(sql, params).fetchone()[0]

    def source_course(self, readable_id: str = SOURCE_COURSE, title: str = "Intro to Courses") -> None:
        """A live course with a source run, made locally (create_courseware, no edX)."""
        self.ok("create_courseware", "course", readable_id, title, "--live", "--create-page")
        self.ok(
            "create_courseware", "courserun", readable_id, title, "--run-tag", "SOURCE", "--live",
            "--create-run-as-sourcerun", "--self-paced",
        )  # fmt: skip

    def contract(self, org: str, name: str, membership: str, *flags: str, org_key: str | None = None) -> int:
        """``b2b_contract create`` and the id it does not print, read back through ``export``."""
        create_flags = ["--create", "--org-key", org_key] if org_key else []
        self.ok("b2b_contract", "create", org, name, membership, *create_flags, *flags)
        return self.contract_id(org_key or org, name)

    def contract_id(self, org_key: str, name: str) -> int:
        return int(
            self.scalar(
                "SELECT c.id FROM mitx_contract c JOIN mitx_organization o ON o.id = c.organization_id "
                "WHERE o.org_key = ? AND c.name = ? ORDER BY c.id DESC",
                org_key,
                name,
            )
        )

    def export(self, contract: int | str) -> dict[str, Any]:
        return dict(json.loads(self.ok("b2b_contract", "export", str(contract)).out))


def local_store(state_dir: Path) -> Local:
    db = prepare_state(state_dir)
    return Local(load_context(db, state_dir))
