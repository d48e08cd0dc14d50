"""Typed request and response values shared by every emulated app.

An app is a plain callable ``handle(req: Request, ctx: AppContext) -> Response``; the
server (sandbox/server.py) turns sockets into these values and back, so apps never see
the transport and can be called directly in unit tests.
"""

from __future__ import annotations

import json as _json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from sandbox.context import AppContext


def without_httpx_command_line() -> None:
    """Make a later `import httpx` in this process skip httpx's own command-line client,
    which it imports because click and rich are installed (about 0.1 s of CPU for each
    `start`, `stop` and server process); docs/decisions.md §38. httpx catches the failed
    import, and nothing here runs `httpx.main`."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys are lower-case
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return _json.loads(self.body.decode("utf-8") or "null")

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body, first value of each field."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def arg(self, name: str) -> str | None:
        """First value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Response:
    status: int
    body: bytes | dict[str, Any] | list[Any] | str = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        """Body bytes and headers, with a Content-Type chosen from the body's type."""
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            data = _json.dumps(self.body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        else:
            data = self.body
        return data, headers


App = Callable[[Request, "AppContext"], Response]
