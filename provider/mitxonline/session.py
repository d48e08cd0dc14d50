"""Command sessions: many management commands through one `manage.py shell` (issue 15).

Each `manage.py` process pays Django's start-up (about 20 s on a real deployment,
docs/platforms/mitxonline.md §2). A `Session` starts `<manageCommand> shell --no-imports -c
<runner>` once (the runner is `remote.session`, sent as text) and sends it one JSON
request per command on stdin; the runner answers each with one frame on stdout
carrying the exit status the standalone command would have had, its stdout and stderr
and its time. `SessionPool` is a `transport.Runner`: `ManageCommand` classifies, logs and
reports its results exactly as those of a process, one INFO line per command.

Failure stays "maybe applied". A session that ends, answers something that is not the
frame of the request in flight, or does not answer within the command's timeout is
killed and dropped from the pool; the next command starts a new one. The command in
flight is reported as a process would be: a session that ended is a failed command
(exit -1 with the session's last stderr lines), a hung one `subprocess.TimeoutExpired`.
`write_or_recover` then re-reads before anything runs again, as after a process. A
session found ended while idle held no command: it is dropped before the next command
is sent, and that command goes to a new session.

stdin and stdout are the only channels (no port, no file), so `kubectl exec -i` carries
a session as it carries a process. A stray line on stdout (a prefix's banner) is not a
frame and is logged at DEBUG; the session's stderr (Django's logging) goes there too.
When the provider process ends, the session's stdin closes and the runner ends: no
signal reaches it, since it runs in a process group of its own (issue 25).
"""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import IO, Any

from provider.errors import SessionBroken, SessionHung
from provider.logs import logger
from provider.mitxonline import remote
from provider.mitxonline.remote import session as runner
from provider.mitxonline.transport import Completed

_log = logger("mitxonline.session")

# The last lines of a session's stderr kept for the report of a session that ended.
_STDERR_TAIL = 40
# How long a killed session's readers get to read its output to the end (EOF comes at
# once when the process was the pipes' only writer; a wrapper's child may hold them).
_READERS_GRACE_S = 5.0

Popen = Callable[..., "subprocess.Popen[str]"]


class Session:
    """One `shell` process serving requests, used by one thread at a time."""

    def __init__(self, prefix: Sequence[str], *, timeout: float, popen: Popen = subprocess.Popen) -> None:
        self.id = uuid.uuid4().hex[:12]
        self._marker = f"{runner.FRAME} {self.id} "
        self._frames: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self._next_id = 0
        argv = [*prefix, "shell", "--no-imports", "-c", remote.shell_code(runner.serve, self.id)]
        started = time.monotonic()
        self.process = popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            # A process group of its own: at the end of a run the engine ends the provider
            # with SIGINT to the provider's whole group, which would stop MITx Online's
            # process by a signal (exit 130). Outside that group, the session sees its
            # stdin close when the provider exits, and ends normally (exit 0). It stays in
            # the CLI's session, so whatever stops that session stops it too.
            process_group=0,
        )
        self._readers = [
            threading.Thread(target=self._read_frames, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            ready = self._next_frame(timeout)
            if not ready.get("ready"):
                raise SessionBroken(f"the command session started with {ready!r}")
        except SessionHung:
            self.kill()
            shown = [*argv[:-1], "<program: serve(...)>"]
            raise subprocess.TimeoutExpired(shown, timeout, output="", stderr=self.stderr_tail()) from None
        except SessionBroken as broken:
            self.kill()
            raise SessionBroken(f"{broken}; it did not start:\n{self.stderr_tail()}") from None
        _log.info("command session %s started in %.1f s", self.id, time.monotonic() - started)

    # -- reading ---------------------------------------------------------------------

    # Each reader owns its stream and closes it at EOF: another thread closing it while
    # the reader is between two lines would raise in the reader (a traceback on the
    # provider's stderr), and closing it during a read blocks until the read returns.

    def _read_frames(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                if line.startswith(self._marker):
                    self._frames.put(line[len(self._marker) :])
                else:
                    _log.debug("command session %s printed outside a frame: %s", self.id, line.rstrip())
        self._frames.put(None)

    def _read_stderr(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self._stderr.append(line)
                _log.debug("command session %s stderr: %s", self.id, line.rstrip())

    def stderr_tail(self) -> str:
        return "".join(self._stderr)

    def _next_frame(self, timeout: float) -> dict[str, Any]:
        try:
            text = self._frames.get(timeout=timeout)
        except queue.Empty:
            raise SessionHung from None
        if text is None:
            self.process.wait()
            raise SessionBroken(f"the command session ended (exit {self.process.returncode})")
        try:
            value = json.loads(text)
        except ValueError:
            raise SessionBroken(f"the command session answered a frame that is not JSON: {text[:200]!r}") from None
        if not isinstance(value, dict):
            raise SessionBroken(f"the command session answered a frame that is not an object: {text[:200]!r}")
        return value

    # -- running ---------------------------------------------------------------------

    def run(self, words: Sequence[str], *, stdin: str | None, timeout: float) -> Completed:
        """One command; SessionBroken or SessionHung leave the session unusable."""
        self._next_id += 1
        request = {"id": self._next_id, "argv": list(words), "stdin": stdin}
        stream = self.process.stdin
        if stream is None:
            raise SessionBroken("the command session has no stdin")
        try:
            stream.write(json.dumps(request) + "\n")
            stream.flush()
        except (BrokenPipeError, ValueError, OSError) as error:
            raise SessionBroken(f"the command session's stdin is closed: {error}") from None
        frame = self._next_frame(timeout)
        if frame.get("id") != self._next_id or not isinstance(frame.get("exit"), int):
            raise SessionBroken(f"the command session answered another frame than request {self._next_id}: {frame!r}")
        return Completed(frame["exit"], str(frame.get("stdout", "")), str(frame.get("stderr", "")))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the process and let the readers take its output to the end, so the stderr
        tail that reports it is whole; the readers close stdout and stderr themselves."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:  # a request still buffered for a process that is gone
                _log.debug("command session %s: stdin did not close cleanly", self.id)
        for reader in self._readers:
            reader.join(_READERS_GRACE_S)

    def close(self) -> None:
        """Close stdin, so the runner ends by itself; kill it if it does not."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class SessionPool:
    """A `transport.Runner` that runs each command in an idle session of at most `size`.

    A thread takes an idle session, or starts one while fewer than `size` exist, or
    waits for one to come back. A session whose command fails at the session level is
    killed, never reused.
    """

    def __init__(self, prefix: Sequence[str], size: int, *, popen: Popen = subprocess.Popen) -> None:
        self.prefix = tuple(prefix)
        self.size = size
        self._popen = popen
        self._lock = threading.Condition()
        self._idle: list[Session] = []
        self._count = 0
        self.started = 0  # sessions started: process starts, for tests and benchmarks

    def __call__(self, argv: Sequence[str], *, timeout: float, stdin: str | None) -> Completed:
        if tuple(argv[: len(self.prefix)]) != self.prefix:
            raise ValueError("a session runs commands of its own prefix only")
        words = list(argv[len(self.prefix) :])
        # A session that does not start raises SessionBroken, as a process that cannot
        # start raises OSError: the command did not run (ManageCommand reports both).
        session = self._take(timeout)
        try:
            done = session.run(words, stdin=stdin, timeout=timeout)
        except SessionHung:
            _log.warning("command session %s did not answer in %g s: killed", session.id, timeout)
            self._drop(session)
            raise subprocess.TimeoutExpired(list(words), timeout, output="", stderr=session.stderr_tail()) from None
        except SessionBroken as broken:
            _log.warning("command session %s: %s", session.id, broken)
            self._drop(session)
            # As a process killed mid-command would: failed, and maybe applied.
            return Completed(-1, "", f"{broken}; the command may have run.\n{session.stderr_tail()}")
        self._give_back(session)
        return done

    def _take(self, timeout: float) -> Session:
        while True:
            with self._lock:
                while not self._idle and self._count >= self.size:
                    self._lock.wait()
                if not self._idle:
                    self._count += 1
                    self.started += 1
                    break
                session = self._idle.pop()
                if session.alive():
                    return session
                self._count -= 1
            # It ended while idle (a dropped `kubectl exec` stream, a restarted pod): no
            # command was in it, so the next one goes to a new session, not to recovery.
            _log.info("command session %s ended while idle (exit %s)", session.id, session.process.returncode)
            session.kill()
        try:
            return Session(self.prefix, timeout=timeout, popen=self._popen)
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise

    def _give_back(self, session: Session) -> None:
        with self._lock:
            self._idle.append(session)
            self._lock.notify()

    def _drop(self, session: Session) -> None:
        session.kill()
        with self._lock:
            self._count -= 1
            self._lock.notify()

    def close(self) -> None:
        """End every idle session (stdin closed; killed if it lingers)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for session in idle:
            session.close()
