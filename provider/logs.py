"""The provider's loggers, for every layer from the transport up.

A module of its own, importing only the standard library, so the transport, the
command sessions and the clients can log without importing `provider.base` (and with
it `pulumi.dynamic`): the layers below the resources know nothing of Pulumi
(docs/decisions.md §25).

Public API:

    logger(name)      the logger `provider.<name>`
    log_to_stderr()   send the provider's records to stderr, once per process
"""

from __future__ import annotations

import logging
import os
import sys

_ROOT = "provider"
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def logger(name: str) -> logging.Logger:
    """A logger under `provider.`: the provider process passes stderr through to the CLI
    (docs/platforms/pulumi.md §2); stdout and `pulumi.log` are not safe there."""
    return logging.getLogger(f"{_ROOT}.{name}")


def log_to_stderr() -> None:
    """Write the provider's records to stderr at COURSEWARE_LOG_LEVEL (INFO unless set);
    a second call changes nothing."""
    root = logging.getLogger(_ROOT)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        # COURSEWARE_LOG_LEVEL=DEBUG also shows the tracebacks of ProviderErrors.
        level = os.environ.get("COURSEWARE_LOG_LEVEL", "").upper()
        root.setLevel(level if level in _LEVELS else logging.INFO)
