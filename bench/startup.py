"""Provider start-up, taken apart in fresh interpreters.

A dynamic-provider process starts once per `pulumi` operation. Before it answers the
first call it pays: the interpreter, the SDK's imports (`grpc`, `dill`, `pulumi.runtime`),
and, on the first call of each resource type, unpickling that type's `__provider`,
which imports the provider modules behind it. Each is timed here in a new process
(the median of a few), with the blobs taken from the state of a real stack.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from typing import Any

_SCRIPT = r"""
import base64, json, os, sys, time
clock = time.perf_counter
with open("/proc/self/stat") as f:
    ticks = int(f.read().rsplit(")", 1)[1].split()[19])
with open("/proc/uptime") as f:
    up = float(f.read().split()[0])
interpreter = time.time() - (time.time() - up + ticks / os.sysconf("SC_CLK_TCK"))
t = clock()
import dill, grpc, pulumi.runtime, pulumi.dynamic
from pulumi.runtime.proto import provider_pb2_grpc
sdk = clock() - t
blobs = json.loads(sys.stdin.read())
first, again = {}, {}
for kind, blob in blobs.items():
    raw = base64.b64decode(blob)
    t = clock(); dill.loads(raw); first[kind] = clock() - t
    t = clock(); dill.loads(raw); again[kind] = clock() - t
print(json.dumps({"interpreter_s": interpreter, "sdk_import_s": sdk, "first_unpickle_s": first,
                  "repeat_unpickle_s": again}))
"""


def _once(blobs: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(blobs),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(blobs: dict[str, str], repeats: int = 5) -> dict[str, Any]:
    """Median start-up figures over `repeats` fresh processes."""
    runs = [_once(blobs) for _ in range(repeats)]
    kinds = sorted(blobs)
    first = {kind: statistics.median(run["first_unpickle_s"][kind] for run in runs) for kind in kinds}
    again = {kind: statistics.median(run["repeat_unpickle_s"][kind] for run in runs) for kind in kinds}
    # The first unpickle of all types together imports every provider module once.
    all_first = statistics.median(sum(run["first_unpickle_s"].values()) for run in runs)
    return {
        "interpreter_s": statistics.median(run["interpreter_s"] for run in runs),
        "sdk_import_s": statistics.median(run["sdk_import_s"] for run in runs),
        "provider_import_s": all_first,
        "first_unpickle_s": first,
        "repeat_unpickle_s": again,
        "blob_chars": {kind: len(blobs[kind]) for kind in kinds},
    }
