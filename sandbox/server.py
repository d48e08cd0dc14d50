"""The sandbox server process: three ports (edX LMS, edX Studio, MITx Online) served by
stdlib ThreadingHTTPServers, the fault layer, the request log and MITx Online's Celery
worker (the asynchronous edX clones).

Started detached by `courseware-sandbox start`; runs until SIGTERM (`stop`).
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox import faults, log
from sandbox.context import AppContext
from sandbox.edx import lms, studio
from sandbox.faults import FaultRule
from sandbox.http import App, Request, Response, without_httpx_command_line
from sandbox.mitxonline import programs, rest, worker
from sandbox.mitxonline.models import CloneTask
from sandbox.settings import get_value, load_context, set_value
from sandbox.state import prepare_state
from sandbox.store import connect, transaction

HOST = "127.0.0.1"
PID_FILE = "server.pid"
LOG_FILE = "server.log"
# Answered by every port without logging or faults, so `start` can wait for readiness.
PING_PATH = "/__sandbox__/ping"
# How often an idle Celery worker looks for a due clone task. Tasks are queued by
# `manage` processes, which cannot wake the server; a real worker hears of a task from its
# broker at once, so the look is frequent: one small query.
WORKER_POLL = 0.05
APPS: tuple[tuple[str, str, App], ...] = (
    ("lms", "edx_lms_url", lms.handle),
    ("studio", "edx_studio_url", studio.handle),
    ("mitxonline", "mitxonline_url", rest.handle),
)


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, name: str, app: App, state_dir: Path) -> None:
        super().__init__((HOST, port), _Handler)
        self.name = name
        self.app = app
        self.state_dir = state_dir
        self.local = threading.local()

    def db(self) -> sqlite3.Connection:
        """One connection per request thread (sqlite3 connections stay in their thread)."""
        conn: sqlite3.Connection | None = getattr(self.local, "db", None)
        if conn is None:
            conn = connect(self.state_dir)
            self.local.db = conn
        return conn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waited
    # for the client's delayed ACK of the headers, about 40 ms per request on a kept-alive
    # connection. TCP_NODELAY, as gunicorn and nginx in front of the real platforms set it.
    disable_nagle_algorithm = True
    # The response waits in this buffer until the request is logged: http.server flushes
    # it when the handler returns, so a client that reads the log right after a response
    # always finds the request there (without Nagle's delay, it could read the log first).
    wbufsize = 1 << 20
    server: _AppServer

    def log_message(self, format: str, *args: object) -> None:
        """Requests go to the SQLite log, not to stderr."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        req = Request(
            method=self.command,
            path=unquote(url.path),  # Django decodes the path: %2B is `+` (docs/platforms/edx.md §6)
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
        )
        if req.path == PING_PATH:
            # The state directory lets a sandbox that finds this port busy name its holder.
            ping = {"app": self.server.name, "state_dir": str(self.server.state_dir)}
            self._send(Response(200, ping), head=False)
            return
        db = self.server.db()
        rule = faults.fire_http(db, self.server.name, req.method, req.path)
        status = self._respond(req, load_context(db, self.server.state_dir), rule)
        log.record_http(
            db,
            app=self.server.name,
            method=req.method,
            path=req.path,
            query=req.query,
            status=status,
            duration_ms=(time.monotonic() - started) * 1000,
            fault_id=rule.id if rule else None,
            caller=req.headers.get(log.CALLER_HEADER, log.CLIENT),
        )

    def _respond(self, req: Request, ctx: AppContext, rule: FaultRule | None) -> int | None:
        """Apply the fault (if any) around the app; the status sent, None if dropped."""
        if rule and rule.latency:
            time.sleep(rule.latency)
        if rule and not rule.applied_then_error and (rule.drop_connection or rule.status):
            return self._fault_answer(rule, default_status=500)
        response = self._call_app(req, ctx)
        if rule and rule.applied_then_error:
            # The write happened; the client only sees an error (or nothing at all).
            return self._fault_answer(rule, default_status=500)
        self._send(response, head=req.method == "HEAD")
        return response.status

    def _call_app(self, req: Request, ctx: AppContext) -> Response:
        try:
            return self.server.app(req, ctx)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return Response(500, "<h1>Server Error (500)</h1>")

    def _fault_answer(self, rule: FaultRule, default_status: int) -> int | None:
        if rule.drop_connection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
        status = rule.status or default_status
        body = rule.body if rule.body is not None else {"detail": f"sandbox fault {rule.id}"}
        self._send(Response(status, body, headers), head=False)
        return status

    def _send(self, response: Response, *, head: bool) -> None:
        data, headers = response.encode()
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)


def _bind(
    name: str, app: App, state_dir: Path, db: sqlite3.Connection, port_base: int | None, index: int
) -> _AppServer:
    """Port `port_base + index`, else the port of the previous run if free, else any."""
    if port_base is not None:
        return _AppServer(port_base + index, name, app, state_dir)
    previous = get_value(db, f"port_{name}")
    if previous:
        try:
            return _AppServer(int(previous), name, app, state_dir)
        except OSError:
            pass
    return _AppServer(0, name, app, state_dir)


class _CeleryWorker:
    """MITx Online's Celery worker: up to `celery_concurrency` clone tasks at once, as the
    processes of a real worker's pool run them (docs/decisions.md §35).

    One thread, the consumer, runs the due program tasks, and claims due clone tasks while
    a place in the pool is free and hands them to the pool's threads; each has its own
    store connection and HTTP client, as each pool process has its own. Pool threads
    start as they are first needed. All are
    daemons: a server stop cuts off the tasks in flight, and the next start makes them due
    again (`worker.requeue_cut_off`, acks_late). The concurrency is read at each look, so
    `start --celery-concurrency` applies to a running server too.
    """

    def __init__(self, state_dir: Path, stop: threading.Event) -> None:
        self.state_dir = state_dir
        self.stop = stop
        self.claimed: queue.SimpleQueue[CloneTask] = queue.SimpleQueue()
        self.slot_freed = threading.Condition()
        self.busy = 0  # tasks claimed and not finished, guarded by `slot_freed`
        self.threads = 0
        # After a look that found nothing due: the store's `data_version` then, and when
        # the earliest pending task falls due (None: no task pending). See `_quiet`.
        self.quiet: tuple[int, float | None] | None = None

    def consume(self) -> None:
        db = connect(self.state_dir)
        worker.requeue_cut_off(db)
        while not self.stop.is_set():
            try:
                wait = self._hand_out(db)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                wait = WORKER_POLL
            if wait:
                self.stop.wait(wait)

    def _quiet(self, version: int, now: float) -> bool:
        """Whether nothing can have become due since the last look that found nothing:
        no other connection committed to the store since (SQLite's `data_version`, which
        changes only on another connection's commit: a queued task, a settings change, a
        fault, a finished clone), and the earliest pending task is not yet due. Then a
        look costs one pragma instead of the queries below (about 0.13 ms, twenty times a
        second, in every sandbox a test suite keeps running)."""
        if self.quiet is None or self.quiet[0] != version:
            return False
        wake_at = self.quiet[1]
        return wake_at is None or now < wake_at

    def _hand_out(self, db: sqlite3.Connection) -> float:
        """Run the due program tasks, then hand one due clone task to the pool if a place
        is free; the seconds to wait before the next look."""
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if self._quiet(version, time.time()):
            return WORKER_POLL
        self.quiet = None
        ctx = load_context(db, self.state_dir)
        # `create_program_contract_runs` only writes MITx Online's store (the clones it
        # queues are clone tasks), so it runs here, one after another, as it did in the
        # single worker thread.
        programs.run_due_tasks(ctx)
        with self.slot_freed:
            if self.busy >= ctx.settings.celery_concurrency:
                self.slot_freed.wait(WORKER_POLL)  # notified when a task ends
                return 0.0
        due = worker.next_due(db)
        now = time.time()
        if due is None or due > now:
            pending = [at for at in (due, programs.next_due(db)) if at is not None]
            self.quiet = (version, min(pending) if pending else None)
            return WORKER_POLL if due is None else min(WORKER_POLL, due - now)
        task = worker.claim(db, now)
        if task is None:
            return WORKER_POLL
        with self.slot_freed:
            self.busy += 1
            if self.threads < self.busy:
                self.threads += 1
                threading.Thread(target=self._work, name=f"celery-{self.threads}", daemon=True).start()
        self.claimed.put(task)
        return 0.0

    def _work(self) -> None:
        db = connect(self.state_dir)
        while True:
            task = self.claimed.get()
            try:
                worker.run(load_context(db, self.state_dir), task)
            except Exception:
                traceback.print_exc(file=sys.stderr)
            finally:
                with self.slot_freed:
                    self.busy -= 1
                    self.slot_freed.notify()


def serve(state_dir: Path, port_base: int | None) -> None:
    db = prepare_state(state_dir)
    servers = [_bind(name, app, state_dir, db, port_base, index) for index, (name, _, app) in enumerate(APPS)]
    with transaction(db):
        for server, (name, url_key, _) in zip(servers, APPS, strict=True):
            port = server.server_address[1]
            set_value(db, f"port_{name}", str(port))
            set_value(db, url_key, f"http://{HOST}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    threads.append(threading.Thread(target=_CeleryWorker(state_dir, stop).consume, name="celery", daemon=True))
    for thread in threads:
        thread.start()
    pid_file = state_dir / PID_FILE
    pid_file.write_text(str(os.getpid()))
    print(f"sandbox serving {state_dir} on ports {[s.server_address[1] for s in servers]}", flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    pid_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the sandbox server in the foreground.")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port-base", type=int)
    args = parser.parse_args(argv)
    without_httpx_command_line()  # before the first clone imports httpx
    serve(args.state_dir.resolve(), args.port_base)


if __name__ == "__main__":
    main()
