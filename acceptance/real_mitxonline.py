"""Stand up MITx Online from a source checkout on this machine, for `make acceptance`.

    scripts/real-mitxonline start SOURCE [--commit SHA] [--port N]
    scripts/real-mitxonline status SOURCE
    scripts/real-mitxonline stop SOURCE

SOURCE is a checkout of the public repository mitodl/mitxonline, outside this project
(docs/acceptance.md says how to get one). Nothing of it is copied here: everything this
script makes lives in SOURCE/.real-mitxonline/:

    venv/            Python 3.11 with MITx Online's locked dependencies (uv export of uv.lock)
    postgres/        a Debian PostgreSQL cluster (sandbox/postgres.py), database `mitxonline`
    redis/           a redis-server on 127.0.0.1
    sandbox/         the project's sandbox, playing edX (LMS and Studio) for MITx Online
    env              MITx Online's environment (main/settings.py names), one KEY=value a line
    manage           the `manageCommand` of a stack: runs `manage.py "$@"` with that
                     environment and appends one line per process to commands.log
    target.json      the acceptance target (`COURSEWARE_ACCEPTANCE_TARGET=` this file)
    runserver.log    the REST server's log

`start` is idempotent: what exists is kept (the virtualenv, the database and its
migrations, the API key), what runs is left running. The first start takes minutes
(dependencies, `migrate`); later ones seconds. `stop` ends the REST server, the
sandbox, Redis and PostgreSQL; the data stays. The facts behind each step are in
docs/acceptance.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from sandbox import postgres

DEBIAN_PACKAGES = {
    "postgresql": "/usr/bin/psql",
    "redis-server": "/usr/bin/redis-server",
    "libpq-dev": "/usr/bin/pg_config",
}
DATABASE = "mitxonline"
ROLE = "mitxonline"
START_TIMEOUT = 180
# Python 3.11.7's typing lets a non-AttributeError escape while it sets __orig_class__ on
# the object a generic alias made; some of MITx Online's dependencies hit that at import
# (docs/acceptance.md). This file, loaded by the virtualenv at start-up,
# ignores any failure of that one assignment.
SITECUSTOMIZE = '''\
"""Written by courseware-as-code's scripts/real-mitxonline (see its docstring)."""
import contextlib
import typing


def _call_ignoring_orig_class(self, *args, **kwargs):
    if not self._inst:
        raise TypeError(f"Type {self._name} cannot be instantiated; use {self.__origin__.__name__}() instead")
    made = self.__origin__(*args, **kwargs)
    with contextlib.suppress(Exception):
        made.__orig_class__ = self
    return made


typing._BaseGenericAlias.__call__ = _call_ignoring_orig_class
'''
MANAGE = """\
#!/usr/bin/env bash
# Written by courseware-as-code's scripts/real-mitxonline: MITx Online's manage.py with its
# environment. Two lines per process in commands.log, tab-separated: `start`, epoch
# seconds, command; then `end`, epoch seconds, exit status, command. A process killed
# with its caller (a command session ended by a kill) leaves only its start line.
set -u
cd {source}
set -a
. {env}
set +a
printf 'start\\t%s\\t%s\\n' "$(date +%s.%N)" "${{1:-}} ${{2:-}}" >> {log}
{python} manage.py "$@"
status=$?
printf 'end\\t%s\\t%s\\t%s\\n' "$(date +%s.%N)" "$status" "${{1:-}} ${{2:-}}" >> {log}
exit $status
"""
API_KEY_PROGRAM = (
    "from rest_framework_api_key.models import APIKey\n"
    "_, key = APIKey.objects.create_key(name='courseware-acceptance')\n"
    "print(key)\n"
)


class SetupError(click.ClickException):
    """A step that failed, said in words: what and where its log is."""


@dataclass(frozen=True)
class Layout:
    source: Path

    @property
    def root(self) -> Path:
        return self.source / ".real-mitxonline"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def env(self) -> Path:
        return self.root / "env"

    @property
    def manage(self) -> Path:
        return self.root / "manage"

    @property
    def commands_log(self) -> Path:
        return self.root / "commands.log"

    @property
    def target(self) -> Path:
        return self.root / "target.json"

    @property
    def sandbox(self) -> Path:
        return self.root / "sandbox"

    @property
    def redis(self) -> Path:
        return self.root / "redis"

    @property
    def runserver_pid(self) -> Path:
        return self.root / "runserver.pid"

    def marker(self, step: str) -> Path:
        """Present once `step` finished: a later start skips it."""
        return self.root / f"done-{step}"

    def secret(self, name: str) -> str:
        """A generated value kept (0600) across starts."""
        path = self.root / f"secret-{name}"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text().strip()


def say(message: str) -> None:
    click.echo(f"[real-mitxonline] {message}", err=True)


def run(argv: list[str], what: str, *, log: Path | None = None, **kwargs: Any) -> str:
    """Run a step; its output goes to `log` when given (the failure names it)."""
    if log is not None:
        with log.open("a") as out:
            done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, text=True, check=False, **kwargs)
        if done.returncode != 0:
            raise SetupError(f"{what} failed (exit {done.returncode}); see {log}")
        return ""
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise SetupError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
    said: str = done.stdout
    return said


def free_port(preferred: int | None = None) -> int:
    if preferred:
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", preferred))
            return preferred
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def debian_packages() -> None:
    missing = [name for name, path in DEBIAN_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SetupError(f"install Debian's {' '.join(missing)} first (apt-get install -y {' '.join(missing)})")
    say(f"installing {' '.join(missing)} from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", *missing], capture_output=True, env=env, check=False).returncode:
        run(["apt-get", "update"], "apt-get update", env=env)
        run(["apt-get", "install", "-y", *missing], "apt-get install", env=env)


def virtualenv(layout: Layout) -> None:
    """Python 3.11 with the lock file's dependencies; psycopg's C build replaced by the binary wheel."""
    if layout.marker("venv").exists():
        return
    python = shutil.which("python3.11")
    if python is None:
        raise SetupError("MITx Online needs Python 3.11 (requires-python ~=3.11.0): none on PATH")
    say("creating the virtualenv from uv.lock (a few minutes the first time)")
    log = layout.root / "venv.log"
    run([python, "-m", "venv", "--clear", str(layout.venv)], "python3.11 -m venv")
    run([str(layout.python), "-m", "pip", "install", "--quiet", "uv"], "pip install uv", log=log)
    uv = str(layout.venv / "bin" / "uv")
    exported = run(
        [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--no-dev"], "uv export", cwd=layout.source
    )
    lines = [
        line.replace("psycopg-c==", "psycopg-binary==", 1) if line.startswith("psycopg-c==") else line
        for line in exported.splitlines()
    ]
    requirements = layout.root / "requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    run([uv, "pip", "install", "--python", str(layout.python), "-r", str(requirements)], "uv pip install", log=log)
    layout.marker("venv").touch()


def patch_runtime(layout: Layout) -> None:
    """The sitecustomize.py of SITECUSTOMIZE and the webpack stats the templates read."""
    purelib = run(
        [str(layout.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "finding site-packages"
    ).strip()
    (Path(purelib) / "sitecustomize.py").write_text(SITECUSTOMIZE)
    stats = layout.source / "webpack-stats"
    stats.mkdir(exist_ok=True)
    for found in (layout.source / "scripts" / "test" / "data" / "webpack-stats").glob("*.json"):
        if not (stats / found.name).exists():
            shutil.copy(found, stats / found.name)


def database(layout: Layout) -> str:
    """Start the cluster (sandbox/postgres.py), make the database once; its DATABASE_URL."""
    info = postgres.start(postgres.Layout(layout.root / "postgres"))
    password = layout.secret("database")
    if not layout.marker("database").exists():
        program = (
            "\\getenv password MITXONLINE_DB_PASSWORD\n"
            f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD :'password';\n"
            f"CREATE DATABASE {DATABASE} OWNER {ROLE};\n"
        )
        psql = [
            str(postgres.server_bin_dir() / "psql"),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            f"--host={info['admin_socket_dir']}",
            f"--port={info['port']}",
            f"--username={info['admin_role']}",
            "--dbname=postgres",
        ]
        env = {**os.environ, "MITXONLINE_DB_PASSWORD": password}
        run(psql, "creating the mitxonline database", input=program, env=env)
        layout.marker("database").touch()
    return f"postgres://{ROLE}:{password}@{info['host']}:{info['port']}/{DATABASE}"


def redis(layout: Layout) -> str:
    layout.redis.mkdir(exist_ok=True)
    port_file = layout.redis / "port"
    pid = _pid(layout.redis / "redis.pid")
    if pid is not None and port_file.exists():
        return f"redis://127.0.0.1:{port_file.read_text().strip()}/0"
    previous = int(port_file.read_text()) if port_file.exists() else None
    port = free_port(previous)
    run(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--pidfile",
            str(layout.redis / "redis.pid"),
            "--dir",
            str(layout.redis),
            "--logfile",
            str(layout.redis / "redis.log"),
            "--save",
            "",
        ],
        "redis-server",
    )
    port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def sandbox_cli() -> str:
    return str(Path(sys.executable).parent / "courseware-sandbox")


def edx_sandbox(layout: Layout) -> dict[str, Any]:
    """The project's sandbox, started once, as edX: its connection line and service user."""
    run([sandbox_cli(), "start", "--state-dir", str(layout.sandbox)], "starting the sandbox")
    status: dict[str, Any] = json.loads(
        run([sandbox_cli(), "status", "--state-dir", str(layout.sandbox)], "sandbox status")
    )
    return status


def environment(layout: Layout, database_url: str, redis_url: str, edx: dict[str, Any], port: int) -> dict[str, str]:
    """MITx Online's settings (main/settings.py names); DEBUG stays unset (dev-only packages)."""
    return {
        "DATABASE_URL": database_url,
        "MITX_ONLINE_DB_DISABLE_SSL": "True",
        "SECRET_KEY": layout.secret("django"),
        "MITX_ONLINE_ENVIRONMENT": "acceptance",
        "MITX_ONLINE_BASE_URL": f"http://127.0.0.1:{port}",
        "MITX_ONLINE_SECURE_SSL_REDIRECT": "False",
        "MAILGUN_SENDER_DOMAIN": "example.com",
        "MAILGUN_KEY": "not-a-key",
        "MITX_ONLINE_ADMIN_EMAIL": "admin@example.com",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "OPENEDX_OAUTH_APP_NAME": "courseware-acceptance",
        "OPENEDX_API_BASE_URL": edx["edx_lms_url"],
        "OPENEDX_STUDIO_API_BASE_URL": edx["edx_studio_url"],
        "OPENEDX_API_CLIENT_ID": edx["edx_client_id"],
        "OPENEDX_API_CLIENT_SECRET": edx["edx_client_secret"],
        "OPENEDX_COURSES_SERVICE_WORKER_CLIENT_ID": edx["edx_client_id"],
        "OPENEDX_COURSES_SERVICE_WORKER_CLIENT_SECRET": edx["edx_client_secret"],
        "OPENEDX_SERVICE_WORKER_API_TOKEN": edx["edx_service_token"],
        "OPENEDX_SERVICE_WORKER_USERNAME": edx["edx_service_username"],
        "MITX_ONLINE_REGISTRATION_ACCESS_TOKEN": layout.secret("registration"),
    }


def write_environment(layout: Layout, env: dict[str, str]) -> None:
    layout.env.touch(mode=0o600)
    layout.env.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in env.items()))
    layout.manage.write_text(
        MANAGE.format(
            source=shlex.quote(str(layout.source)),
            env=shlex.quote(str(layout.env)),
            python=shlex.quote(str(layout.python)),
            log=shlex.quote(str(layout.commands_log)),
        )
    )
    layout.manage.chmod(0o755)


def manage(layout: Layout, *args: str, what: str, log: Path | None = None) -> str:
    return run([str(layout.manage), *args], what, log=log, stdin=subprocess.DEVNULL)


def migrate(layout: Layout) -> None:
    log = layout.root / "migrate.log"
    if not layout.marker("migrate").exists():
        say("manage.py migrate (1-5 minutes the first time)")
        manage(layout, "migrate", "--noinput", what="manage.py migrate", log=log)
        layout.marker("migrate").touch()
    if not layout.marker("configure_wagtail").exists():
        say("manage.py configure_wagtail")
        manage(layout, "configure_wagtail", what="manage.py configure_wagtail", log=log)
        layout.marker("configure_wagtail").touch()


def api_key(layout: Layout) -> str:
    path = layout.root / "secret-api-key"
    if not path.exists():
        said = manage(layout, "shell", "--no-imports", "-c", API_KEY_PROGRAM, what="creating an API key")
        path.touch(mode=0o600)
        path.write_text(said.strip().splitlines()[-1])
    return path.read_text().strip()


def _pid(path: Path) -> int | None:
    """The pid in `path` when that process still runs."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def runserver(layout: Layout, port: int) -> None:
    if _pid(layout.runserver_pid) is not None:
        return
    log = (layout.root / "runserver.log").open("a")
    process = subprocess.Popen(
        [str(layout.manage), "runserver", f"127.0.0.1:{port}", "--noreload"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    layout.runserver_pid.write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT
    url = f"http://127.0.0.1:{port}/api/v0/b2b/organizations/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"runserver exited {process.returncode}; see {layout.root / 'runserver.log'}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (403 without a key): up
        except OSError:
            time.sleep(1)
    raise SetupError(f"runserver did not answer {url} within {START_TIMEOUT} s; see {layout.root / 'runserver.log'}")


def commit_of(layout: Layout, given: str | None) -> str:
    path = layout.root / "commit"
    if given:
        path.write_text(given)
    elif (layout.source / ".git").exists():
        path.write_text(run(["git", "-C", str(layout.source), "rev-parse", "HEAD"], "git rev-parse").strip())
    return path.read_text().strip() if path.exists() else "unknown"


def start(layout: Layout, commit: str | None, port: int | None) -> dict[str, Any]:
    if not (layout.source / "manage.py").exists() or not (layout.source / "uv.lock").exists():
        raise SetupError(f"{layout.source} is not a MITx Online checkout (no manage.py and uv.lock)")
    layout.root.mkdir(exist_ok=True)
    layout.root.chmod(0o755)  # PostgreSQL's server user walks through it
    debian_packages()
    virtualenv(layout)
    patch_runtime(layout)
    say("PostgreSQL, Redis and the sandbox (as edX)")
    database_url = database(layout)
    redis_url = redis(layout)
    edx = edx_sandbox(layout)
    port_file = layout.root / "port"
    chosen = port or (int(port_file.read_text()) if port_file.exists() else None)
    if _pid(layout.runserver_pid) is None:
        chosen = free_port(chosen)
    assert chosen is not None
    port_file.write_text(str(chosen))
    write_environment(layout, environment(layout, database_url, redis_url, edx, chosen))
    migrate(layout)
    key = api_key(layout)
    say(f"runserver on 127.0.0.1:{chosen}")
    runserver(layout, chosen)
    target = {
        "mitxonlineCommit": commit_of(layout, commit),
        "manageCommand": [str(layout.manage)],
        "mitxonlineUrl": f"http://127.0.0.1:{chosen}",
        "mitxonlineApiKey": key,
        "edxLmsUrl": edx["edx_lms_url"],
        "edxStudioUrl": edx["edx_studio_url"],
        "edxClientId": edx["edx_client_id"],
        "edxClientSecret": edx["edx_client_secret"],
        "edx": "courseware-sandbox",
        "commandsLog": str(layout.commands_log),
    }
    layout.target.touch(mode=0o600)
    layout.target.write_text(json.dumps(target, indent=2) + "\n")
    return {
        "target": str(layout.target),
        "mitxonlineUrl": target["mitxonlineUrl"],
        "commit": target["mitxonlineCommit"],
    }


def stop(layout: Layout) -> dict[str, bool]:
    stopped = {"runserver": False, "sandbox": False, "redis": False, "postgres": False}
    pid = _pid(layout.runserver_pid)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        _wait_gone(pid)
        stopped["runserver"] = True
    if layout.sandbox.exists():
        said = json.loads(run([sandbox_cli(), "stop", "--state-dir", str(layout.sandbox)], "stopping the sandbox"))
        stopped["sandbox"] = bool(said.get("stopped"))
    redis_pid = _pid(layout.redis / "redis.pid")
    if redis_pid is not None:
        os.kill(redis_pid, signal.SIGTERM)
        _wait_gone(redis_pid)
        stopped["redis"] = True
    stopped["postgres"] = postgres.stop(postgres.Layout(layout.root / "postgres"))
    return stopped


def _wait_gone(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.2)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def status(layout: Layout) -> dict[str, Any]:
    return {
        "runserver": _pid(layout.runserver_pid) is not None,
        "redis": _pid(layout.redis / "redis.pid") is not None,
        "postgres": postgres.is_running(postgres.Layout(layout.root / "postgres")),
        "target": str(layout.target) if layout.target.exists() else None,
    }


Source = click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))


@click.group()
def main() -> None:
    """MITx Online from a source checkout, for `make acceptance` (docs/acceptance.md)."""


@main.command("start")
@Source
@click.option("--commit", help="The commit SOURCE was archived from (recorded in the report).")
@click.option("--port", type=int, help="runserver's port (default: the previous one, else a free one).")
def start_command(source: Path, commit: str | None, port: int | None) -> None:
    """Install (once), start, and print the target line."""
    click.echo(json.dumps(start(Layout(source.resolve()), commit, port)))


@main.command("status")
@Source
def status_command(source: Path) -> None:
    click.echo(json.dumps(status(Layout(source.resolve()))))


@main.command("stop")
@Source
def stop_command(source: Path) -> None:
    """Stop everything `start` started; the data stays."""
    click.echo(json.dumps(stop(Layout(source.resolve()))))


if __name__ == "__main__":
    main()
