"""Before a sandbox binds fixed ports: are they free, and if not, who holds them.

A second `make demo` on the same machine, or `make test` beside a running demo, used to
end in `server exited with 1` and an `Address already in use` buried in server.log.
`busy_ports_message` says it in one line instead: which ports, the state directory of
the sandbox that holds them (every sandbox answers its ping with it), the command that
stops that sandbox, and a `--port-base` whose three ports are free now.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import httpx

from sandbox.server import APPS, HOST, PING_PATH

PORTS_PER_SANDBOX = len(APPS)  # edX LMS, Studio, MITx Online
_HIGHEST_BASE = 65535 - PORTS_PER_SANDBOX + 1
# Alternatives are offered a round number of ports away, so they are easy to type.
_SUGGESTION_STEP = 100


def sandbox_ports(port_base: int) -> list[int]:
    return [port_base + offset for offset in range(PORTS_PER_SANDBOX)]


def is_free(port: int) -> bool:
    """Whether the server could bind `port` now (with SO_REUSEADDR, as it does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def busy(ports: Sequence[int]) -> list[int]:
    return [port for port in ports if not is_free(port)]


def holder_state_dir(port: int) -> Path | None:
    """The state directory of the sandbox serving `port`; None when it is not a sandbox."""
    try:
        answer = httpx.get(f"http://{HOST}:{port}{PING_PATH}", timeout=2.0)
        state_dir = answer.json().get("state_dir") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return Path(state_dir) if isinstance(state_dir, str) else None


def free_port_base(after: int) -> int | None:
    """A port base above `after`, a multiple of 100 away, whose three ports are free now."""
    for base in range(after + _SUGGESTION_STEP, _HIGHEST_BASE + 1, _SUGGESTION_STEP):
        if not busy(sandbox_ports(base)):
            return base
    return None


def _ports_text(ports: Sequence[int]) -> str:
    return ", ".join(str(port) for port in ports)


def busy_ports_message(port_base: int, held: Sequence[int]) -> str:
    """One line: which of the sandbox's ports are held, by whom, and what to do instead."""
    holders: dict[Path | None, list[int]] = {}
    for port in held:
        holders.setdefault(holder_state_dir(port), []).append(port)
    parts = []
    for state_dir, ports in holders.items():
        if state_dir is None:
            parts.append(f"{_ports_text(ports)} held by another program (not a sandbox)")
        else:
            parts.append(
                f"{_ports_text(ports)} held by the sandbox of {state_dir} "
                f"(stop it with `courseware-sandbox stop --state-dir {state_dir}`)"
            )
    suggestion = free_port_base(port_base)
    instead = (
        f"or choose other ports with --port-base {suggestion} (free now)"
        if suggestion is not None
        else "or choose other ports with --port-base N"
    )
    wanted = f"{port_base}-{port_base + PORTS_PER_SANDBOX - 1}"
    return f"ports {wanted} are not free: {'; '.join(parts)}; {instead}"
