"""A local PostgreSQL for team state: for the tests and for trying team mode (docs/team.md).

    scripts/postgres start [--dir DIR]    start it (once), print one JSON connection line
    scripts/postgres status [--dir DIR]   the same line, with "running"
    scripts/postgres stop [--dir DIR]     stop it cleanly (a fast shutdown); the data stays

Started the way the sandbox is: everything lives in one directory (default
`.state/postgres`), the server listens on 127.0.0.1 on the port of its previous run when
that is free, else on a free port, and `stop` shuts it down cleanly. The directory holds:

    data/        the cluster, made by Debian's `initdb` on the first start
    socket/      the server's Unix socket, reachable only by the user it runs as (and root)
    pgpass       libpq's password file for the two team roles (0600): point PGPASSFILE here
    server.log   the server's log

The first start runs `TEAM_SQL`, the setup of docs/team.md: one database, `courseware`,
owned by the read-write role `courseware_apply` (applies; the Pulumi backend makes its
`pulumi_state` table on first use), and the read-only role `courseware_preview` (CI
previews and drift), each with a generated password written only to `pgpass`.

PostgreSQL refuses to run as root. Run as root (as CI is), every server program runs as
the `postgres` system user that Debian's package creates, through `setpriv`, and the data
directory belongs to that user (docs/decisions.md, "a local PostgreSQL run as root").
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from sandbox.ports import is_free

DATABASE = "courseware"
ADMIN = "courseware_admin"
APPLY_ROLE = "courseware_apply"
PREVIEW_ROLE = "courseware_preview"
SERVER_USER_WHEN_ROOT = "postgres"
HOST = "127.0.0.1"
START_TIMEOUT = 60
# Read by psql: `\getenv` takes each password from the environment, so none is on a command line.
TEAM_SQL = """\
\\getenv apply_password COURSEWARE_APPLY_PASSWORD
\\getenv preview_password COURSEWARE_PREVIEW_PASSWORD
CREATE ROLE courseware_apply LOGIN PASSWORD :'apply_password';
CREATE ROLE courseware_preview LOGIN PASSWORD :'preview_password';
CREATE DATABASE courseware OWNER courseware_apply;
\\connect courseware
GRANT CONNECT ON DATABASE courseware TO courseware_preview;
GRANT USAGE ON SCHEMA public TO courseware_preview;
ALTER DEFAULT PRIVILEGES FOR ROLE courseware_apply IN SCHEMA public
  GRANT SELECT ON TABLES TO courseware_preview;
"""


class PostgresError(click.ClickException):
    """A failure of this script, said in words: what went wrong and what to do."""


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def pgpass(self) -> Path:
        return self.root / "pgpass"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def settings(self) -> Path:
        # Included from postgresql.conf; rewritten at every start with the chosen port.
        return self.data / "courseware.conf"


def server_bin_dir(debian_root: Path = Path("/usr/lib/postgresql")) -> Path:
    """Where Debian's server programs are: on PATH, else <debian_root>/<newest>/bin (the
    package does not put initdb and pg_ctl on PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    installed = sorted(debian_root.glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not installed:
        raise PostgresError(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
            "install Debian's package with `apt-get install -y postgresql` (CI's .ci/run does so itself)"
        )
    return installed[-1].parent


def _server_user() -> pwd.struct_passwd | None:
    """The user the server runs as when this script runs as root; None: the caller itself."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER_WHEN_ROOT)
    except KeyError:
        raise PostgresError(
            f"running as root, and there is no `{SERVER_USER_WHEN_ROOT}` system user to run PostgreSQL as "
            "(PostgreSQL refuses to run as root): install Debian's `postgresql` package, which creates it"
        ) from None


def _as_server_user(argv: list[str]) -> list[str]:
    user = _server_user()
    if user is None:
        return argv
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", *argv]


def _give_to_server_user(path: Path) -> None:
    user = _server_user()
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, check=False, timeout=120
    )
    if done.returncode != 0:
        raise PostgresError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done.stdout


def _choose_port(layout: Layout) -> int:
    with contextlib.suppress(OSError, ValueError):
        previous = int(layout.port_file.read_text())
        if is_free(previous):
            return previous
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


def _check_reachable(layout: Layout) -> None:
    """The server user must be able to walk to the directory: a home under /root is not."""
    if _server_user() is None:
        return
    check = subprocess.run(_as_server_user(["test", "-x", str(layout.root)]), check=False)
    if check.returncode != 0:
        raise PostgresError(
            f"the `{SERVER_USER_WHEN_ROOT}` user, which runs PostgreSQL for root, cannot reach {layout.root}: "
            "a parent directory is not searchable by others; use --dir with a directory it can reach"
        )


def _initialise(layout: Layout, bin_dir: Path) -> None:
    """initdb, then the team database and roles with generated passwords (first start only)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)
    _check_reachable(layout)
    for directory in (layout.data, layout.socket_dir):
        directory.mkdir(mode=0o700, exist_ok=True)
        _give_to_server_user(directory)
    _run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                f"--pgdata={layout.data}",
                f"--username={ADMIN}",
                # The administrator connects through the socket directory, which only the
                # server user (and root) can enter; every TCP login needs its password.
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ]
        ),
        "initdb",
    )
    with (layout.data / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude_if_exists = 'courseware.conf'\n")


def _write_settings(layout: Layout, port: int) -> None:
    layout.settings.write_text(
        f"listen_addresses = '{HOST}'\nport = {port}\nunix_socket_directories = '{layout.socket_dir}'\n"
    )
    _give_to_server_user(layout.settings)


def _create_team(layout: Layout, bin_dir: Path, port: int) -> None:
    passwords = {APPLY_ROLE: secrets.token_urlsafe(24), PREVIEW_ROLE: secrets.token_urlsafe(24)}
    env = {
        **os.environ,
        "COURSEWARE_APPLY_PASSWORD": passwords[APPLY_ROLE],
        "COURSEWARE_PREVIEW_PASSWORD": passwords[PREVIEW_ROLE],
    }
    psql = [str(bin_dir / "psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]
    target = [f"--host={layout.socket_dir}", f"--port={port}", f"--username={ADMIN}", "--dbname=postgres"]
    done = subprocess.run(
        [*psql, *target], input=TEAM_SQL, capture_output=True, text=True, env=env, check=False, timeout=120
    )
    if done.returncode != 0:
        raise PostgresError(f"creating the team database failed: {done.stderr.strip()}")
    # `*` for the port: it may change between starts. libpq ignores a pgpass others can read.
    lines = [f"{HOST}:*:{DATABASE}:{role}:{password}\n" for role, password in passwords.items()]
    layout.pgpass.touch(mode=0o600)
    layout.pgpass.chmod(0o600)
    layout.pgpass.write_text("".join(lines))


def _pg_ctl(layout: Layout, bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = _as_server_user([str(bin_dir / "pg_ctl"), f"--pgdata={layout.data}", *args])
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=120)


def is_running(layout: Layout) -> bool:
    if not (layout.data / "PG_VERSION").exists():
        return False
    return _pg_ctl(layout, server_bin_dir(), "status").returncode == 0


def connection(layout: Layout) -> dict[str, Any]:
    """The connection line: no password anywhere in it (they are in `pgpass`)."""
    port = int(layout.port_file.read_text())
    base = f"postgres://{{role}}@{HOST}:{port}/{DATABASE}?sslmode=disable"
    return {
        "host": HOST,
        "port": port,
        "database": DATABASE,
        "apply_role": APPLY_ROLE,
        "preview_role": PREVIEW_ROLE,
        "backend_url": base.format(role=APPLY_ROLE),
        "preview_backend_url": base.format(role=PREVIEW_ROLE),
        "pgpassfile": str(layout.pgpass),
        "admin_socket_dir": str(layout.socket_dir),
        "admin_role": ADMIN,
        "log": str(layout.log),
    }


def start(layout: Layout) -> dict[str, Any]:
    """Start the server of `layout` unless it runs; make the cluster and team on first use."""
    bin_dir = server_bin_dir()
    if is_running(layout):
        return connection(layout)
    fresh = not (layout.data / "PG_VERSION").exists()
    if fresh:
        if layout.data.exists():
            # An earlier first start that failed half-way: nothing in it is worth keeping.
            shutil.rmtree(layout.data)
        _initialise(layout, bin_dir)
    _check_reachable(layout)
    port = _choose_port(layout)
    _write_settings(layout, port)
    layout.log.touch()
    _give_to_server_user(layout.log)
    started = _pg_ctl(layout, bin_dir, f"--log={layout.log}", "--wait", f"--timeout={START_TIMEOUT}", "start")
    if started.returncode != 0:
        said = started.stderr.strip() or started.stdout.strip()
        raise PostgresError(f"PostgreSQL did not start: {said}; see {layout.log}")
    layout.port_file.write_text(str(port))
    if fresh:
        _create_team(layout, bin_dir, port)
    return connection(layout)


def stop(layout: Layout) -> bool:
    """A fast shutdown (sessions end, the data is flushed); False if it was not running."""
    if not is_running(layout):
        return False
    stopped = _pg_ctl(layout, server_bin_dir(), "--mode=fast", "--wait", f"--timeout={START_TIMEOUT}", "stop")
    if stopped.returncode != 0:
        raise PostgresError(f"PostgreSQL did not stop: {stopped.stderr.strip()}; see {layout.log}")
    return True


Dir = click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".state/postgres"),
    show_default=True,
    help="The directory of this PostgreSQL: its data, socket, pgpass and log.",
)


@click.group()
def main() -> None:
    """A local PostgreSQL for the team state backend (docs/team.md)."""


@main.command("start")
@Dir
def start_command(root: Path) -> None:
    """Start PostgreSQL (once) and print its connection line as JSON."""
    click.echo(json.dumps(start(Layout(root.resolve()))))


@main.command("status")
@Dir
def status_command(root: Path) -> None:
    """Print whether it runs, with its connection line once it was started."""
    layout = Layout(root.resolve())
    running = is_running(layout)
    info = connection(layout) if layout.port_file.exists() else {}
    click.echo(json.dumps({"running": running, **info}))


@main.command("stop")
@Dir
def stop_command(root: Path) -> None:
    """Stop PostgreSQL cleanly; the data stays for the next start."""
    click.echo(json.dumps({"stopped": stop(Layout(root.resolve()))}))


if __name__ == "__main__":
    main()
