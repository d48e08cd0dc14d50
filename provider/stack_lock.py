"""The lock a `pulumi` run holds on a stack of a DIY backend, and whether its holder lives.

A DIY backend (`file://`, `postgres://`) has no lock server: every run that changes a
stack first writes a lock object, `.pulumi/locks/<org>/<project>/<stack>/<id>.json`
(`{"pid", "username", "hostname", "timestamp"}`), refuses to start while another one is
there, and removes its own at the end. A run killed with SIGKILL never removes it, and
`pulumi cancel` removes every lock of the stack, the live run's too. So before a lock may
be removed, the run that wrote it must be known to be gone: `held_by_live_runs` checks
each lock's process on this machine (the CLI itself, and the plugins it started in its
session, which outlive a killed CLI and may still be writing to the platforms).

On `postgres://` every object is a row of the backend's table (`pulumi_state` unless the
URL names another with `table=`), its `data` column `{"data": <base64 of the object>}`,
its key prefixed with the URL's path, as the CLI prefixes every non-file bucket: the
database name (`courseware/.pulumi/locks/...`).
The connection takes its password where libpq does (PGPASSWORD, PGPASSFILE, ~/.pgpass),
never from the URL (docs/team.md).
"""

from __future__ import annotations

import base64
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from provider.errors import ConfigurationError, StackInUse

DEFAULT_TABLE = "pulumi_state"
# The DIY backends keep project-scoped stacks under this organization name.
ORGANIZATION = "organization"


@dataclass(frozen=True)
class StackLock:
    """One lock object of a stack, as the CLI that wrote it describes itself."""

    key: str
    pid: int
    username: str
    hostname: str
    timestamp: str

    def __str__(self) -> str:
        return f"{self.username}@{self.hostname} (pid {self.pid}) since {self.timestamp}"


def lock_prefix(project: str, stack: str) -> str:
    return f".pulumi/locks/{ORGANIZATION}/{project}/{stack}/"


def _parse(key: str, content: bytes) -> StackLock:
    fields = json.loads(content)
    return StackLock(
        key=key,
        pid=int(fields.get("pid", 0)),
        username=str(fields.get("username", "?")),
        hostname=str(fields.get("hostname", "?")),
        timestamp=str(fields.get("timestamp", "?")),
    )


def read_locks(backend_url: str, project: str, stack: str) -> list[StackLock]:
    """Every lock of `project`/`stack` in the backend of `backend_url`."""
    prefix = lock_prefix(project, stack)
    parts = urlsplit(backend_url)
    if parts.scheme == "file":
        directory = Path(parts.path) / prefix
        return [_parse(str(path), path.read_bytes()) for path in sorted(directory.glob("*.json"))]
    if parts.scheme == "postgres":
        bucket_prefix = parts.path.strip("/")
        return _read_postgres_locks(backend_url, f"{bucket_prefix}/{prefix}" if bucket_prefix else prefix)
    raise ConfigurationError(
        f"PULUMI_BACKEND_URL {parts.scheme}://…: courseware reads the locks of file:// and postgres:// "
        "backends only; use `pulumi cancel` after checking by hand that no run of the stack is alive"
    )


def _read_postgres_locks(backend_url: str, prefix: str) -> list[StackLock]:
    parts = urlsplit(backend_url)
    query = dict(parse_qsl(parts.query))
    table = query.pop("table", DEFAULT_TABLE)
    dsn = urlunsplit(parts._replace(query=urlencode(query)))
    statement = sql.SQL("SELECT key, data::text FROM {} WHERE key LIKE %s ORDER BY key").format(
        sql.Identifier(*table.split("."))
    )
    try:
        with psycopg.connect(dsn, connect_timeout=10) as connection:
            rows = connection.execute(statement, (prefix.replace("_", r"\_") + "%",)).fetchall()
    except psycopg.Error as error:
        # The message names host, port, role and database, never a password.
        raise ConfigurationError(f"cannot read the stack's locks from the state database: {error}") from None
    return [_parse(key, base64.b64decode(json.loads(data)["data"])) for key, data in rows]


@dataclass(frozen=True)
class _Stat:
    parent: int
    group: int
    session: int


def _proc_stat(pid: int) -> _Stat | None:
    """Parent, process group and session of a live process (proc(5)), None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return _Stat(parent=int(fields[1]), group=int(fields[2]), session=int(fields[3]))


def _live_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def processes_of_run(pid: int) -> list[str]:
    """`pid: command line` of the lock holder, if it still runs as `pulumi`, and of every
    live process in its session or process group (the plugins of a CLI started as their
    leader: its language host and providers outlive a SIGKILL of the CLI)."""
    if pid <= 1:  # not a run's process: nothing to find (and 0 would match kernel threads)
        return []
    found = []
    holder = _command_line(pid)
    if _proc_stat(pid) is not None and "pulumi" in holder:
        found.append(f"{pid}: {holder}")
    for other in _live_pids():
        stat = _proc_stat(other)
        if other not in (pid, os.getpid()) and stat is not None and pid in (stat.group, stat.session):
            found.append(f"{other}: {_command_line(other)}")
    return found


def _under_a_live_cli(pid: int) -> bool:
    """Whether a `pulumi` CLI is among the process's ancestors (it still runs it)."""
    seen = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        argv0 = _command_line(pid).split(" ", 1)[0]
        if os.path.basename(argv0) == "pulumi":
            return True
        stat = _proc_stat(pid)
        if stat is None:
            return False
        pid = stat.parent
    return False


def leftovers_of_killed_runs(backend_url: str) -> list[str]:
    """Pulumi plugins of this backend whose CLI is gone: a killed CLI's language host and
    providers, wherever it was started from (its environment names the backend), which
    may still be writing to the platforms."""
    marker = f"PULUMI_BACKEND_URL={backend_url}".encode()
    found = []
    for pid in _live_pids():
        if pid == os.getpid() or "pulumi" not in (line := _command_line(pid)):
            continue
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environment and not _under_a_live_cli(pid):
            found.append(f"{pid}: {line}")
    return found


def held_by_live_runs(locks: list[StackLock], backend_url: str, checked_hosts: tuple[str, ...] = ()) -> None:
    """Raise `StackInUse` unless every lock's run is known to be over.

    A lock written on this machine is checked through /proc; one written on another
    host cannot be, so it counts as alive unless the operator names that host as checked.
    Plugins left by a killed run of the backend block too, whichever lock was theirs.
    """
    this_host = socket.gethostname()
    problems = []
    leftovers = leftovers_of_killed_runs(backend_url) if locks else []
    if leftovers:
        listed = "\n    ".join(leftovers)
        problems.append(f"plugins of a killed `pulumi` run of this backend still run; stop them first:\n    {listed}")
    for lock in locks:
        if lock.hostname != this_host:
            if lock.hostname not in checked_hosts:
                problems.append(
                    f"{lock}: written on another machine; check there that no `pulumi` process of the stack "
                    f"runs, then pass --checked-host {lock.hostname}"
                )
            continue
        alive = processes_of_run(lock.pid)
        if alive:
            listed = "\n    ".join(alive)
            problems.append(
                f"{lock}: the run is still alive; let it finish, or stop these processes first:\n    {listed}"
            )
    if problems:
        raise StackInUse(problems)
