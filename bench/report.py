"""The benchmark report: a JSON document, the markdown tables and the plot.

`build()` turns the measurements into one JSON-able dict (what the smoke test reads);
`markdown()` renders its tables; `plot()` draws time against resources per operation.
"""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.measure import OPERATIONS, PREVIEW_RUNS, Costs, Operation, SizeResult

LABELS = {"up": "first up", "preview": "no-op preview", "noop_up": "no-op up", "refresh": "refresh"}


def _ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 2) if floor > 0 else None


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown")
    cli = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "cores": os.cpu_count() or 0,
        "cpu": model,
        "memory_gib": round(total_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pulumi_cli": cli,
        "pulumi_sdk": metadata.version("pulumi"),
        "dill": metadata.version("dill"),
        "grpcio": metadata.version("grpcio"),
    }


def _operation(op: Operation, floor: Operation, costs: Costs) -> dict[str, Any]:
    return {
        "provider": op.as_dict(costs),
        "baseline": floor.as_dict(costs),
        "wall_ratio": _ratio(op.wall_s, floor.wall_s),
        "provider_cpu_ratio": _ratio(op.provider.cpu_s, floor.provider.cpu_s),
    }


def build(results: list[SizeResult], startup: dict[str, Any], costs: Costs, *, smoke: bool) -> dict[str, Any]:
    sizes = []
    for result in results:
        sizes.append(
            {
                "size": result.size.as_dict(),
                "state_bytes": {"provider": result.provider_state_bytes, "baseline": result.baseline_state_bytes},
                "operations": {
                    name: _operation(result.provider[name], result.baseline[name], costs) for name in OPERATIONS
                },
            }
        )
    return {
        "smoke": smoke,
        # The projection's costs; `command_cost_s` (what a start costs) is kept for
        # `bench.sessions`, which reads reports written before the per-command figure.
        "session_start_s": costs.session_start_s,
        "command_s": costs.command_s,
        "command_cost_s": costs.session_start_s,
        "load_average": _load_average(),
        "machine": machine(),
        "startup": startup,
        "sizes": sizes,
        "targets": targets(sizes),
        "targets_27": targets_27(sizes),
    }


def _load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages when the report is written: a
    shared machine's load makes every wall longer."""
    return [round(value, 2) for value in os.getloadavg()]


def targets_27(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 27's targets at each size: first `up` within 2x the baseline's wall, a
    no-op preview within 1.2x, edX tokens no more than provider processes, Studio reads
    per cloned run no more than 2."""
    rows = []
    for entry in sizes:
        ops = entry["operations"]
        up = ops["up"]["provider"]
        rows.append(
            {
                "resources": entry["size"]["resources"],
                "up_wall_s": up["wall_s"],
                "up_baseline_wall_s": ops["up"]["baseline"]["wall_s"],
                "up_wall_ratio": ops["up"]["wall_ratio"],
                "preview_wall_ratio": ops["preview"]["wall_ratio"],
                "up_token_requests": up["calls"]["http_token"],
                "up_provider_processes": up["provider"]["processes"],
                "up_clones": up["calls"]["clones"],
                "up_studio_reads_per_clone": up["calls"]["studio_reads_per_clone"],
                "up_platform_token_requests": up["calls"]["platform_token"],
                "up_projected_s": up["projected_s"],
            }
        )
    return rows


def targets(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets with the values measured at each size."""
    rows = []
    for entry in sizes:
        size, ops = entry["size"], entry["operations"]
        refresh = ops["refresh"]["provider"]["calls"]
        reads = refresh["http_reads"] + refresh["command_reads"]
        up = ops["up"]["provider"]
        rows.append(
            {
                "resources": size["resources"],
                "contracts": size["contracts"],
                "preview_writes": ops["preview"]["provider"]["calls"]["writes"],
                "preview_commands": ops["preview"]["provider"]["calls"]["commands"],
                "noop_up_writes": ops["noop_up"]["provider"]["calls"]["writes"],
                "noop_up_commands": ops["noop_up"]["provider"]["calls"]["commands"],
                "up_commands": up["calls"]["commands"],
                "runbook_commands": size["runbook_commands"],
                "up_process_starts": up["provider"]["process_starts"],
                "refresh_commands": refresh["commands"],
                "refresh_process_starts": refresh["process_starts"],
                "refresh_reads": reads,
                "refresh_reads_per_resource": round(reads / size["resources"], 3),
                "preview_wall_ratio": ops["preview"]["wall_ratio"],
                "preview_provider_cpu_ratio": ops["preview"]["provider_cpu_ratio"],
            }
        )
    return rows


def _load(report: dict[str, Any]) -> str:
    load = report.get("load_average")
    return " / ".join(f"{value:.2f}" for value in load) + " (1 / 5 / 15 min)" if load else "not recorded"


def _s(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def markdown(report: dict[str, Any]) -> str:
    start_s = report.get("session_start_s", report["command_cost_s"])
    command_s = report.get("command_s", 0.0)
    m = report["machine"]
    lines = [
        f"Measured on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}, Pulumi CLI {m['pulumi_cli']}, SDK {m['pulumi_sdk']}, dill {m['dill']}, "
        f"grpcio {m['grpcio']}. Projected: each `manage` process start at {start_s:g} s, each command at "
        f"{command_s * 1000:g} ms. Load average when written: {_load(report)}.",
        "",
        "### Time and CPU per operation",
        "",
        "Wall: the `pulumi` command, end to end; for the no-op preview, the median of "
        f"{PREVIEW_RUNS} runs per stack, the two stacks alternating. Provider CPU: user + system of the "
        "dynamic-provider process (`python -m pulumi.dynamic`). Program CPU: the Python program. Commands: management "
        "commands seen by the sandbox (their own processes' CPU is not in provider CPU). Starts: `manage` "
        "processes started (one per command without command sessions). Projected: wall (which holds the "
        f"commands' own time) + starts x {start_s:g} s + commands x {command_s * 1000:g} ms (serial, an upper "
        "bound). HTTP: the provider's requests; MITx Online's own calls to edX are listed apart below.",
        "",
        "| resources | operation | wall s | baseline wall s | wall ratio | provider CPU s | baseline provider "
        "CPU s | CPU ratio | program CPU s | baseline program CPU s | HTTP reads / writes | commands (writes) "
        "| starts | projected s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in report["sizes"]:
        resources = entry["size"]["resources"]
        for name in OPERATIONS:
            op = entry["operations"][name]
            p, b = op["provider"], op["baseline"]
            calls = p["calls"]
            lines.append(
                f"| {resources} | {LABELS[name]} | {_s(p['wall_s'])} | {_s(b['wall_s'])} | {_x(op['wall_ratio'])} "
                f"| {_s(p['provider']['cpu_s'])} | {_s(b['provider']['cpu_s'])} | {_x(op['provider_cpu_ratio'])} "
                f"| {_s(p['program']['cpu_s'])} | {_s(b['program']['cpu_s'])} "
                f"| {calls['http_reads']} / {calls['http_writes']} | {calls['commands']} ({calls['command_writes']}) "
                f"| {calls['process_starts']} | {_s(p['projected_s'])} |"
            )
    lines += [
        "",
        "### Targets of issue 9, per size",
        "",
        "| resources | contracts | no-op preview writes / commands | no-op up writes / commands | up commands "
        "| runbook commands | up process starts | refresh commands (process starts) | refresh reads "
        "| reads per resource | no-op preview vs baseline (wall / provider CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["targets"]:
        lines.append(
            f"| {row['resources']} | {row['contracts']} | {row['preview_writes']} / {row['preview_commands']} "
            f"| {row['noop_up_writes']} / {row['noop_up_commands']} | {row['up_commands']} "
            f"| {row['runbook_commands']} | {row['up_process_starts']} "
            f"| {row['refresh_commands']} ({row['refresh_process_starts']}) "
            f"| {row['refresh_reads']} | {row['refresh_reads_per_resource']:.2f} "
            f"| {_x(row['preview_wall_ratio'])} / {_x(row['preview_provider_cpu_ratio'])} |"
        )
    if report.get("targets_27"):
        lines += [
            "",
            "### Targets of issue 27, per size (first `up`)",
            "",
            "| resources | wall s | baseline wall s | wall ratio | no-op preview ratio | edX tokens (provider) "
            "| provider processes | clones | Studio reads per cloned run | edX tokens (MITx Online's own) "
            "| projected s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in report["targets_27"]:
            per_clone = row["up_studio_reads_per_clone"]
            lines.append(
                f"| {row['resources']} | {_s(row['up_wall_s'])} | {_s(row['up_baseline_wall_s'])} "
                f"| {_x(row['up_wall_ratio'])} | {_x(row['preview_wall_ratio'])} | {row['up_token_requests']} "
                f"| {row['up_provider_processes']} | {row['up_clones']} "
                f"| {'-' if per_clone is None else f'{per_clone:.2f}'} | {row['up_platform_token_requests']} "
                f"| {_s(row['up_projected_s'])} |"
            )
    lines += ["", "### Commands and requests per operation (provider stack)", ""]
    for entry in report["sizes"]:
        resources = entry["size"]["resources"]
        for name in ("up", "refresh"):
            calls = entry["operations"][name]["provider"]["calls"]
            commands = ", ".join(f"{k} {v}" for k, v in calls["by_command"].items()) or "none"
            endpoints = ", ".join(f"`{k}` {v}" for k, v in calls["by_endpoint"].items()) or "none"
            line = f"- {resources} resources, {LABELS[name]}: commands: {commands}; HTTP: {endpoints}"
            theirs = calls.get("platform_by_endpoint")
            if theirs:
                line += "; MITx Online's own calls to edX: " + ", ".join(f"`{k}` {v}" for k, v in theirs.items())
            lines.append(line)
    lines += ["", "### Inside the provider process", ""]
    lines += [
        "| resources | operation | start-up to serving s | unpickles (first, total s) | process starts "
        "| Check | Diff | Create | Read | Update |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in report["sizes"]:
        resources = entry["size"]["resources"]
        for name in OPERATIONS:
            prov = entry["operations"][name]["provider"]["provider"]
            cells = []
            for method in ("Check", "Diff", "Create", "Read", "Update"):
                stats = prov["methods"].get(method)
                cells.append(
                    "-"
                    if not stats
                    else f"{int(stats['calls'])}: {_s(stats['wall_s'])} s wall, {_s(stats['cpu_s'])} s CPU"
                )
            lines.append(
                f"| {resources} | {LABELS[name]} | {_s(prov['serving_s'])} | {prov['loads']} "
                f"({_s(prov['first_load_s'])}, {_s(prov['loads_s'])}) | {prov['process_starts']} | "
                + " | ".join(cells)
                + " |"
            )
    start = report["startup"]
    if start:
        lines += [
            "",
            "### Provider start-up (fresh processes, median)",
            "",
            f"- interpreter: {start['interpreter_s']:.3f} s; SDK imports (grpc, dill, pulumi.runtime): "
            f"{start['sdk_import_s']:.3f} s; first unpickle of every provider type (imports the provider "
            f"modules): {start['provider_import_s']:.3f} s",
            "- first unpickle per type (s): "
            + ", ".join(f"{k.rsplit('/', 1)[-1]} {v:.3f}" for k, v in start["first_unpickle_s"].items()),
            "- repeat unpickle per type (ms): "
            + ", ".join(f"{k.rsplit('/', 1)[-1]} {v * 1000:.2f}" for k, v in start["repeat_unpickle_s"].items()),
            "- `__provider` size per resource (base64 characters): "
            + ", ".join(f"{k.rsplit('/', 1)[-1]} {v}" for k, v in start["blob_chars"].items()),
        ]
    lines += [
        "",
        "### State size",
        "",
        "| resources | provider stack bytes | baseline stack bytes |",
        "|---:|---:|---:|",
    ]
    for entry in report["sizes"]:
        st = entry["state_bytes"]
        lines.append(f"| {entry['size']['resources']} | {st['provider']} | {st['baseline']} |")
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> bool:
    """Wall time against resources, one panel per operation; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(1, len(OPERATIONS), figsize=(4 * len(OPERATIONS), 3.6), sharex=True)
    xs = [entry["size"]["resources"] for entry in report["sizes"]]
    for axis, name in zip(axes, OPERATIONS, strict=True):
        provider = [entry["operations"][name]["provider"]["wall_s"] for entry in report["sizes"]]
        baseline = [entry["operations"][name]["baseline"]["wall_s"] for entry in report["sizes"]]
        axis.plot(xs, provider, marker="o", label="provider")
        axis.plot(xs, baseline, marker="s", label="baseline (no I/O)")
        axis.set_title(LABELS[name])
        axis.set_xlabel("resources")
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel("wall time (s)")
    axes[0].legend()
    figure.suptitle("courseware benchmarks: wall time against resources (sandbox, no command delay)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


BEGIN = "<!-- bench:begin (generated by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


def splice(document: Path, generated: str) -> None:
    """Replace the generated part of `document` (between the markers), keeping the rest."""
    text = document.read_text() if document.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    document.write_text(f"{head}{BEGIN}\n{generated}{END}{tail}")
