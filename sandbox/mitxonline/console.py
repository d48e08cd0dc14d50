"""Output of MITx Online code: stdout/stderr lines, JSON log records, emulated exceptions."""

from __future__ import annotations

import json
import logging
from typing import TextIO

from sandbox.context import CommandContext
from sandbox.mitxonline.models import now


class EmulatedException(Exception):
    """An exception raised inside MITx Online, reported as a traceback (exit 1)."""

    def __init__(self, qualified_name: str, message: str) -> None:
        super().__init__(f"{qualified_name}: {message}")
        self.qualified_name = qualified_name
        self.message = message


def contract_does_not_exist() -> EmulatedException:
    """What ``Page.save`` raises for a contract outside ``active_objects`` (docs/platforms/mitxonline.md §4)."""
    return EmulatedException("b2b.models.ContractPage.DoesNotExist", "ContractPage matching query does not exist.")


class Output:
    """``self.stdout.write`` / ``self.stderr.write`` (one line each) plus the JSON log."""

    def __init__(self, ctx: CommandContext, logger: str) -> None:
        self.ctx = ctx
        self.logger = logger

    def out(self, message: str) -> None:
        self.ctx.stdout.write(message + "\n")

    def err(self, message: str) -> None:
        self.ctx.stderr.write(message + "\n")

    def log(self, level: str, message: str, logger: str | None = None) -> None:
        """A log record on stderr as MITx Online's structlog JSON renders it (docs/platforms/mitxonline.md §3,
        issue #18 point 8): ``event``, ``level`` in lower case, ``logger`` (the module
        that logs, by default the command's own) and an ISO ``timestamp`` in UTC."""
        record = {
            "event": message,
            "level": level.lower(),
            "logger": logger or self.logger,
            "timestamp": now().isoformat().replace("+00:00", "Z"),
        }
        if self.ctx.log is None:
            self.ctx.stderr.write(json.dumps(record) + "\n")
        else:
            self.ctx.log.log(logging.getLevelNamesMapping()[level.upper()], json.dumps(record))


def process_log(stream: TextIO) -> logging.Logger:
    """The logging MITx Online's settings set up when its process starts: one
    `logging.StreamHandler` on the process's stderr as it is then, which a command's
    `stderr=` or a later `sys.stderr` does not move (mitol-django-observability's
    LOGGING routes structlog through such a handler)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    records = logging.getLogger("sandbox.mitxonline.records")
    records.handlers = [handler]
    records.setLevel(logging.DEBUG)
    records.propagate = False
    return records
