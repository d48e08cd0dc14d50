"""Run the operations of one catalog size and measure them.

For each size two stacks go through the same operations with the real Pulumi CLI on a
private file backend (`tests/e2e/harness.PulumiProject`):

- **provider**: the shipped program (`stacks/`) with the generated catalog, against a
  fresh sandbox started with no command delay (the delay is projected, not slept);
- **baseline**: `bench/baseline_program/`, as many `courseware:Baseline` resources (no
  I/O) as the catalog has resources.

Operations, in order: the first `up`, a no-op `preview`, a no-op `up`, a `refresh`
(`up` and `refresh` with `--skip-preview`, so each is one pass over the resources).
The no-op preview, a few seconds that one run's noise moves by a third, then runs
`PREVIEW_RUNS - 1` more times on each stack, the two stacks alternating; its wall is the
median of its runs (`Operation.walls` holds them all).

HTTP requests are counted by caller (the log's `caller`): the provider's own, and the
calls the emulated MITx Online makes to edX itself inside its commands and clone task
(a JWT per operation, as the real one, docs/platforms/mitxonline.md §9), which the
provider does not choose.

CPU: PULUMI_PYTHON_CMD points at a wrapper that runs the real interpreter on
`bench/probe.py`, which records each provider and program process's own rusage and
start-up from inside (see its docstring). Platform calls: the sandbox log, sliced by
its length before and after each operation.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.catalogs import Size, catalog
from tests.e2e.harness import PulumiProject
from tests.sandbox.helpers import Sandbox, start_sandbox

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "stacks"
BASELINE_PROGRAM = Path(__file__).resolve().parent / "baseline_program"
PROBE = Path(__file__).resolve().parent / "probe.py"
STACK = "bench"
OPERATIONS = ("up", "preview", "noop_up", "refresh")
# Runs of the no-op preview per stack (the first within `run_all`, then alternating).
PREVIEW_RUNS = 3
# An operation that takes longer than this is a hung engine, not a slow one.
OPERATION_TIMEOUT = 3600

# Management commands that only read (the listings and codes `shell`s, exports; the bare
# `b2b_list` and `b2b_codes output` of older versions and of hand-made setups).
READ_COMMANDS = {("b2b_list", ""), ("shell", ""), ("b2b_contract", "export"), ("b2b_codes", "output")}
# An HTTP request that is neither a read nor a platform write: the edX token.
TOKEN_PATH = "/oauth2/access_token"
# The log's `caller` of the emulated MITx Online's own calls to edX (sandbox/log.py).
PLATFORM_CALLER = "mitxonline"
_RUN_PATH = "/api/v1/course_runs/"


@dataclass
class ProcessCost:
    """The summed probe records of one role (provider or program) in one operation."""

    processes: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    children_cpu_s: float = 0.0
    max_rss_kb: int = 0
    interpreter_ready_s: float = 0.0
    sdk_imported_s: float = 0.0
    serving_s: float = 0.0
    loads: int = 0
    loads_s: float = 0.0
    first_load_s: float = 0.0
    dumps: int = 0
    dumps_s: float = 0.0
    process_starts: int = 0
    methods: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class PlatformCalls:
    """What the sandbox log saw during one operation. `http_*` and `by_endpoint` are the
    provider's requests; `platform_*` those MITx Online made to edX on its own."""

    http_reads: int = 0
    http_writes: int = 0
    http_token: int = 0
    # Runs MITx Online cloned in edX (its clone task's POST), and the provider's Studio
    # reads of those runs (its clone wait, or any other read of them) and of run lists.
    clones: int = 0
    studio_reads_of_clones: int = 0
    platform_http: int = 0
    platform_token: int = 0
    platform_by_endpoint: dict[str, int] = field(default_factory=dict)
    # `manage` processes started: each pays Django's start-up on a real deployment. One
    # per command without command sessions; one per session with them.
    process_starts: int = 0
    commands: int = 0
    command_writes: int = 0
    command_reads: int = 0
    by_command: dict[str, int] = field(default_factory=dict)
    by_endpoint: dict[str, int] = field(default_factory=dict)

    @property
    def http(self) -> int:
        return self.http_reads + self.http_writes + self.http_token

    @property
    def writes(self) -> int:
        return self.http_writes + self.command_writes

    @property
    def studio_reads_per_clone(self) -> float | None:
        return round(self.studio_reads_of_clones / self.clones, 3) if self.clones else None


@dataclass
class Operation:
    name: str
    wall_s: float
    exit_code: int
    provider: ProcessCost
    program: ProcessCost
    calls: PlatformCalls
    # Every run's wall when the operation ran more than once (`wall_s` is then their median).
    walls: list[float] = field(default_factory=list)

    def projected_s(self, costs: Costs) -> float:
        """Wall time on a real deployment: each `manage` process start pays
        `costs.session_start_s` and each command `costs.command_s`, one after the other
        (an upper bound: the engine overlaps up to 4 per core). The sandbox's own time for the
        commands is in `wall_s` too, so the commands are counted twice, a few ms each."""
        return self.wall_s + self.calls.process_starts * costs.session_start_s + self.calls.commands * costs.command_s

    def as_dict(self, costs: Costs) -> dict[str, Any]:
        data = asdict(self)
        data["calls"]["http"] = self.calls.http
        data["calls"]["writes"] = self.calls.writes
        data["calls"]["studio_reads_per_clone"] = self.calls.studio_reads_per_clone
        data["projected_s"] = self.projected_s(costs)
        return data


@dataclass(frozen=True)
class Costs:
    """What the projection charges on a real deployment (docs/benchmarks.md, "Projected
    time"): a `manage` process start (a command session's start, or a command's own
    process without sessions) and each command run inside a session."""

    session_start_s: float = 25.0
    command_s: float = 0.125


def _command_name(argv: list[str]) -> tuple[str, str]:
    command = argv[0] if argv else ""
    sub = argv[1] if len(argv) > 1 and command in ("b2b_contract", "b2b_codes", "b2b_courseware") else ""
    return command, sub


def _endpoint(path: str) -> str:
    """A path with its keys and ids folded, so counts group by endpoint."""
    parts = []
    for part in path.split("/"):
        if part.startswith("course-v1:") or part.isdigit():
            parts.append("{key}")
        else:
            parts.append(part)
    return "/".join(parts)


def platform_calls(entries: list[dict[str, Any]]) -> PlatformCalls:
    calls = PlatformCalls()
    commands: Counter[str] = Counter()
    endpoints: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    # MITx Online's clone task reads the target first, which must answer 404: those
    # paths are the cloned runs' (the log keeps no request body).
    cloned_paths: set[str] = set()
    studio_gets: Counter[str] = Counter()
    for entry in entries:
        if entry.get("kind") == "process":
            calls.process_starts += 1
        elif entry.get("kind") == "command":
            argv = entry["argv"] if isinstance(entry["argv"], list) else json.loads(entry["argv"])
            name = _command_name(argv)
            commands[" ".join(part for part in name if part)] += 1
            calls.commands += 1
            if name in READ_COMMANDS:
                calls.command_reads += 1
            else:
                calls.command_writes += 1
        elif entry.get("kind") == "http":
            path = str(entry.get("path", ""))
            method = str(entry.get("method", "GET")).upper()
            endpoint = f"{entry.get('app')} {method} {_endpoint(path)}"
            if entry.get("caller") == PLATFORM_CALLER:
                theirs[endpoint] += 1
                calls.platform_http += 1
                if path.rstrip("/").endswith(TOKEN_PATH):
                    calls.platform_token += 1
                elif entry.get("app") == "studio" and method == "POST" and path.endswith("/clone/"):
                    calls.clones += 1
                elif entry.get("app") == "studio" and method == "GET" and entry.get("status") == 404:
                    cloned_paths.add(path)
                continue
            endpoints[endpoint] += 1
            if path.rstrip("/").endswith(TOKEN_PATH):
                calls.http_token += 1
            elif method in ("GET", "HEAD", "OPTIONS"):
                calls.http_reads += 1
                if entry.get("app") == "studio":
                    studio_gets[path] += 1
            else:
                calls.http_writes += 1
    calls.studio_reads_of_clones = sum(studio_gets[path] for path in cloned_paths) + studio_gets[_RUN_PATH]
    calls.by_command = dict(sorted(commands.items()))
    calls.by_endpoint = dict(sorted(endpoints.items()))
    calls.platform_by_endpoint = dict(sorted(theirs.items()))
    return calls


def process_cost(records: list[dict[str, Any]], role: str) -> ProcessCost:
    cost = ProcessCost()
    for record in records:
        if record["role"] != role:
            continue
        cost.processes += 1
        cost.wall_s += record["wall_s"]
        cost.cpu_s += record["user_s"] + record["system_s"]
        cost.children_cpu_s += record["children_user_s"] + record["children_system_s"]
        cost.max_rss_kb = max(cost.max_rss_kb, int(record["max_rss_kb"]))
        marks = record["marks"]
        cost.interpreter_ready_s = max(cost.interpreter_ready_s, marks.get("interpreter_ready", 0.0))
        cost.sdk_imported_s = max(cost.sdk_imported_s, marks.get("sdk_imported", 0.0))
        cost.serving_s = max(cost.serving_s, marks.get("serving", 0.0))
        pickle = record["pickle"]
        cost.loads += int(pickle["loads"])
        cost.loads_s += pickle["loads_s"]
        cost.first_load_s = max(cost.first_load_s, pickle["first_loads_s"])
        cost.dumps += int(pickle["dumps"])
        cost.dumps_s += pickle["dumps_s"]
        cost.process_starts += int(record.get("process_starts", 0))
        for name, entry in record["methods"].items():
            total = cost.methods.setdefault(name, {"calls": 0, "wall_s": 0.0, "cpu_s": 0.0})
            for key, value in entry.items():
                total[key] += value
    return cost


def write_wrapper(directory: Path) -> Path:
    """The PULUMI_PYTHON_CMD of the benchmark: the real interpreter on the probe for the
    provider and the program, the real interpreter alone for anything else."""
    real, probe = shlex.quote(sys.executable), shlex.quote(str(PROBE))
    script = directory / "python-probe"
    script.write_text(
        "#!/bin/sh\n"
        "# Written by bench/measure.py: run the provider and the program under bench/probe.py.\n"
        'if [ "$1" = "-u" ] && [ "$2" = "-m" ] && [ "$3" = "pulumi.dynamic" ]; then\n'
        f'    shift 3; exec {real} -u {probe} provider "$@"\n'
        "fi\n"
        'for argument in "$@"; do\n'
        '    case "$argument" in *pulumi-language-python-exec) '
        f'exec {real} {probe} program "$@";; esac\n'
        "done\n"
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    return script


class Stack:
    """One project and stack, run under the probe."""

    def __init__(self, root: Path, program: Path, wrapper: Path, sandbox: Sandbox | None) -> None:
        self.project = PulumiProject(root, program, stack=STACK)
        self.root = root
        self.wrapper = wrapper
        self.sandbox = sandbox

    def operation(self, name: str, *args: str, expect: tuple[int, ...] = (0,)) -> Operation:
        probe_log = self.root / f"probe-{name}.jsonl"
        probe_log.unlink(missing_ok=True)
        before = self.sandbox.log() if self.sandbox else []
        env = {**self.project.env, "PULUMI_PYTHON_CMD": str(self.wrapper), "BENCH_PROBE_LOG": str(probe_log)}
        argv = ["pulumi", *args, "--non-interactive"]
        started = time.perf_counter()
        done = subprocess.run(
            argv,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=OPERATION_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - started
        (self.root / f"{name}.out").write_text(f"$ {' '.join(argv)}\n{done.stdout}\n--- stderr\n{done.stderr}")
        if done.returncode not in expect:
            raise RuntimeError(
                f"`{' '.join(argv)}` exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        after = self.sandbox.log() if self.sandbox else []
        # The probe writes at exit; a provider stopped by a signal writes from its handler.
        records = [json.loads(line) for line in probe_log.read_text().splitlines()] if probe_log.exists() else []
        return Operation(
            name=name,
            wall_s=wall,
            exit_code=done.returncode,
            provider=process_cost(records, "provider"),
            program=process_cost(records, "program"),
            calls=platform_calls(after[len(before) :]),
        )

    def run_all(self) -> dict[str, Operation]:
        return {
            "up": self.operation("up", "up", "--yes", "--skip-preview"),
            # Exit 7 would be a no-op preview that found changes: recorded, not fatal.
            "preview": self.operation("preview", "preview", "--expect-no-changes", expect=(0, 7)),
            "noop_up": self.operation("noop_up", "up", "--yes", "--skip-preview"),
            "refresh": self.operation("refresh", "refresh", "--yes", "--skip-preview"),
        }

    def state_bytes(self) -> int:
        found = list((self.root / "backend").rglob(f"{STACK}.json"))
        return sum(path.stat().st_size for path in found)

    def provider_blobs(self) -> dict[str, str]:
        """One serialised `__provider` per resource type, from the state."""
        done = self.project.run("stack", "export", "--show-secrets")
        blobs: dict[str, str] = {}
        for resource in json.loads(done.stdout)["deployment"].get("resources") or []:
            blob = (resource.get("outputs") or {}).get("__provider")
            if isinstance(blob, dict):  # a secret, shown as {"4dabf18193072939515e22adb298388d": ..., "plaintext": ...}
                blob = json.loads(blob.get("plaintext", "null"))
            if isinstance(blob, str):
                blobs.setdefault(resource["type"], blob)
        return blobs


def use_sandbox(project: PulumiProject, info: dict[str, Any], session: bool | int = True) -> None:
    """`PulumiProject.use_sandbox`, with each secret passed after `--`: a generated secret
    may start with `-`, which the harness's `config set KEY VALUE` reads as a flag.
    `session` is `courseware:mitxonline.session` (command sessions: on, a pool size, off)."""
    project.set_config(
        "edx",
        {"lmsUrl": info["edx_lms_url"], "studioUrl": info["edx_studio_url"], "clientId": info["edx_client_id"]},
    )
    project.set_config(
        "mitxonline", {"url": info["mitxonline_url"], "manageCommand": info["manage_command"], "session": session}
    )
    secrets = {"edxClientSecret": info["edx_client_secret"], "mitxonlineApiKey": info["mitxonline_api_key"]}
    for key, value in secrets.items():
        subprocess.run(
            ["pulumi", "config", "set", "--secret", "--non-interactive", f"courseware:{key}", "--", value],
            cwd=project.root,
            env=project.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )


@dataclass
class SizeResult:
    size: Size
    provider: dict[str, Operation]
    baseline: dict[str, Operation]
    provider_state_bytes: int
    baseline_state_bytes: int
    blobs: dict[str, str]


def measure_size(
    size: Size, workdir: Path, wrapper: Path, clone_delay: float, session: bool | int = True
) -> SizeResult:
    """Both stacks of one size; the provider stack on a sandbox of its own, which also runs
    (idle) while the two stacks' no-op previews alternate."""
    here = workdir / f"r{size.resources:05d}"
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    base = Stack(here / "baseline", BASELINE_PROGRAM, wrapper, None)
    base.project.set_config("count", size.resources)
    baseline = base.run_all()
    sandbox = start_sandbox(here / "sandbox", "--command-delay", "0", "--clone-delay", str(clone_delay))
    try:
        stack = Stack(here / "provider", PROGRAM, wrapper, sandbox)
        use_sandbox(stack.project, sandbox.info, session)
        stack.project.set_config("catalog", catalog(size))
        provider = stack.run_all()
        provider["preview"], baseline["preview"] = preview_again(stack, base, provider["preview"], baseline["preview"])
        blobs = stack.provider_blobs()
        provider_state = stack.state_bytes()
    finally:
        sandbox.cli("stop")
    return SizeResult(size, provider, baseline, provider_state, base.state_bytes(), blobs)


def preview_again(stack: Stack, base: Stack, first: Operation, first_base: Operation) -> tuple[Operation, Operation]:
    """Each stack's no-op preview with its wall the median of `PREVIEW_RUNS` runs, the
    stacks alternating (provider, baseline, then baseline, provider, ...) so that a
    change of the machine's load falls on both. The other figures are the first run's."""
    walls = {stack: [first.wall_s], base: [first_base.wall_s]}
    for run in range(1, PREVIEW_RUNS):
        for one in (base, stack) if run % 2 else (stack, base):
            again = one.operation(f"preview-{run + 1}", "preview", "--expect-no-changes", expect=(0, 7))
            walls[one].append(again.wall_s)
    return (
        replace(first, wall_s=statistics.median(walls[stack]), walls=walls[stack]),
        replace(first_base, wall_s=statistics.median(walls[base]), walls=walls[base]),
    )


def environment_note() -> dict[str, str]:
    """Variables that change what is measured, for the report."""
    return {key: os.environ[key] for key in ("PULUMI_PARALLEL",) if key in os.environ}
