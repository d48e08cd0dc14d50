"""Starting, finding and stopping the detached server process of a state directory."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sandbox import ports
from sandbox.server import HOST, LOG_FILE, PID_FILE, PING_PATH
from sandbox.settings import load_urls
from sandbox.store import connect

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class StartError(RuntimeError):
    pass


@contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """Serialises `start`/`stop` on one state directory (tests run many in parallel)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "lifecycle.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # Guard against pid reuse: it must be our server module.
    return b"sandbox.server" in cmdline


def running_pid(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def answers(state_dir: Path) -> bool:
    """True when all three ports answer the ping."""
    db = connect(state_dir)
    urls = load_urls(db)
    db.close()
    try:
        for url in (urls.edx_lms_url, urls.edx_studio_url, urls.mitxonline_url):
            if not url or httpx.get(url + PING_PATH, timeout=2.0).status_code != 200:
                return False
    except httpx.HTTPError:
        return False
    return True


def _serves_ports(state_dir: Path, port_base: int | None) -> bool:
    """Whether the running server is on the ports asked for (any, without a port base)."""
    if port_base is None:
        return True
    db = connect(state_dir)
    urls = load_urls(db)
    db.close()
    wanted = [f"http://{HOST}:{port}" for port in ports.sandbox_ports(port_base)]
    return [urls.edx_lms_url, urls.edx_studio_url, urls.mitxonline_url] == wanted


def start(state_dir: Path, port_base: int | None) -> None:
    """Start the server unless one is running on the ports asked for; return once every
    port answers. A server of this state directory on other ports is restarted on these."""
    pid = running_pid(state_dir)
    if pid is not None and answers(state_dir):
        if _serves_ports(state_dir, port_base):
            return
        stop(state_dir)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    if port_base is not None:
        held = ports.busy(ports.sandbox_ports(port_base))
        if held:
            raise StartError(ports.busy_ports_message(port_base, held))
    argv = [sys.executable, "-m", "sandbox.server", "--state-dir", str(state_dir)]
    if port_base is not None:
        argv += ["--port-base", str(port_base)]
    with open(state_dir / LOG_FILE, "ab") as log_file:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # detached: survives the caller's terminal and signals
            cwd=state_dir,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            # Another program may have taken a port since the check above.
            if port_base is not None and (held := ports.busy(ports.sandbox_ports(port_base))):
                raise StartError(ports.busy_ports_message(port_base, held))
            raise StartError(f"server exited with {process.returncode}; see {state_dir / LOG_FILE}")
        if running_pid(state_dir) == process.pid and answers(state_dir):
            return
        time.sleep(0.05)
    process.terminate()
    raise StartError(f"server did not answer within {START_TIMEOUT:.0f} s; see {state_dir / LOG_FILE}")


def stop(state_dir: Path) -> bool:
    """SIGTERM the server and wait for it; SIGKILL if it hangs. False if none was running."""
    pid = running_pid(state_dir)
    if pid is None:
        (state_dir / PID_FILE).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return True
