"""Runs inside the Pulumi program and the dynamic-provider process and records their cost.

The benchmark points PULUMI_PYTHON_CMD at a small shell wrapper (written by
`bench.measure`) that `exec`s the real interpreter on this file instead of
`-m pulumi.dynamic` (the provider) or `pulumi-language-python-exec` (the program). No
extra process is started: this file *is* the process, and it then runs the original
module or script in it, so what it records is the process's own cost:

- `resource.getrusage(RUSAGE_SELF)` (user and system CPU) and the wall time since the
  kernel started the process (`/proc/self/stat`), written when the process ends (at
  exit or on SIGINT/SIGTERM, which is how the engine stops a provider);
- `RUSAGE_CHILDREN`: the CPU of the command processes the provider ran and waited for;
- start-up: interpreter ready, the SDK's imports done, gRPC server registered;
- `dill.loads` (unpickling `__provider`, which imports the provider modules the first
  time) and, in the program, `dill.dumps` (pickling one provider per resource);
- per gRPC method of the provider (Check, Diff, Create, Read, Update...): calls, wall
  time and thread CPU.

One JSON line per process is appended to $BENCH_PROBE_LOG. Standard library only, and
nothing from `bench` is imported: this runs in the provider's working directory.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import runpy
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_started_at() -> float:
    """The epoch time the kernel started this process (field 22 of /proc/self/stat)."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    started_ticks = int(fields[19])
    with open("/proc/uptime") as uptime:
        up = float(uptime.read().split()[0])
    return time.time() - up + started_ticks / _CLOCK_TICKS


class Record:
    def __init__(self, role: str) -> None:
        self.role = role
        self.started = _process_started_at()
        self.marks: dict[str, float] = {"interpreter_ready": time.time() - self.started}
        self.lock = threading.Lock()
        self.methods: dict[str, dict[str, float]] = {}
        self.pickle: dict[str, float] = {"loads": 0, "loads_s": 0.0, "first_loads_s": 0.0, "dumps": 0, "dumps_s": 0.0}
        self.process_starts = 0
        self.written = False

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.time() - self.started)

    def add_method(self, name: str, wall: float, cpu: float) -> None:
        with self.lock:
            entry = self.methods.setdefault(name, {"calls": 0, "wall_s": 0.0, "cpu_s": 0.0})
            entry["calls"] += 1
            entry["wall_s"] += wall
            entry["cpu_s"] += cpu

    def write(self) -> None:
        with self.lock:
            if self.written:
                return
            self.written = True
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = {
            "role": self.role,
            "pid": os.getpid(),
            "started": self.started,
            "wall_s": time.time() - self.started,
            "user_s": own.ru_utime,
            "system_s": own.ru_stime,
            "max_rss_kb": own.ru_maxrss,
            "children_user_s": children.ru_utime,
            "children_system_s": children.ru_stime,
            "marks": self.marks,
            "pickle": self.pickle,
            "methods": self.methods,
            "process_starts": self.process_starts,
        }
        path = os.environ.get("BENCH_PROBE_LOG")
        if path:
            with open(path, "a") as log:
                log.write(json.dumps(line) + "\n")


def _timed(record: Record, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return method(*args, **kwargs)
        finally:
            record.add_method(name, time.perf_counter() - wall, time.thread_time() - cpu)

    return call


def _patch_pickling(record: Record) -> None:
    import dill

    loads, dumps = dill.loads, dill.dumps

    def timed_loads(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return loads(*args, **kwargs)
        finally:
            spent = time.perf_counter() - started
            with record.lock:
                if record.pickle["loads"] == 0:
                    record.pickle["first_loads_s"] = spent
                record.pickle["loads"] += 1
                record.pickle["loads_s"] += spent

    def timed_dumps(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return dumps(*args, **kwargs)
        finally:
            spent = time.perf_counter() - started
            with record.lock:
                record.pickle["dumps"] += 1
                record.pickle["dumps_s"] += spent

    dill.loads = timed_loads
    dill.dumps = timed_dumps


def _count_process_starts(record: Record) -> None:
    """Count every child process the provider starts (the command transport's)."""
    import subprocess

    execute = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        with record.lock:
            record.process_starts += 1
        return execute(*args, **kwargs)

    subprocess.Popen._execute_child = counted  # type: ignore[attr-defined]


_METHODS = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Configure")


def _run_provider(record: Record, args: list[str]) -> None:
    # The imports `python -m pulumi.dynamic` does before it serves anything.
    import grpc  # noqa: F401
    import pulumi.runtime  # noqa: F401
    from pulumi.runtime.proto import provider_pb2_grpc

    record.mark("sdk_imported")
    _patch_pickling(record)
    _count_process_starts(record)
    register = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def timed_register(servicer: Any, server: Any) -> Any:
        for name in _METHODS:
            # Wrapped on the instance, so the server dispatches to the timed callables.
            setattr(servicer, name, _timed(record, name, getattr(servicer, name)))
        record.mark("serving")
        return register(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = timed_register
    sys.argv = ["pulumi.dynamic", *args]
    sys.path[0] = os.getcwd()  # as `python -m` would have it
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


def _run_program(record: Record, args: list[str]) -> None:
    import pulumi  # noqa: F401

    record.mark("sdk_imported")
    _patch_pickling(record)
    while args and args[0].startswith("-"):
        args = args[1:]
    script, *rest = args
    sys.argv = [script, *rest]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    profile_path = os.environ.get("BENCH_PROFILE_PROGRAM")
    if not profile_path:
        runpy.run_path(script, run_name="__main__")
        return
    # On demand only (not used by `make bench`): a cProfile of the program, for analysis.
    import cProfile

    profiler = cProfile.Profile()
    atexit.register(profiler.dump_stats, profile_path)
    profiler.enable()
    runpy.run_path(script, run_name="__main__")


def main() -> None:
    role, *args = sys.argv[1:]
    record = Record(role)
    atexit.register(record.write)

    def stop(signum: int, _frame: Any) -> None:
        record.write()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, stop)
    if role == "provider":
        # The provider ends on SIGINT (KeyboardInterrupt, then a normal exit and atexit);
        # record first in case the engine's SIGKILL follows quickly.
        previous = signal.getsignal(signal.SIGINT)

        def interrupted(signum: int, frame: Any) -> None:
            record.write()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGINT, interrupted)
        _run_provider(record, args)
    else:
        _run_program(record, args)


if __name__ == "__main__":
    main()
