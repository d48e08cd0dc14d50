"""`python -m bench` (`make bench`): preview, up and refresh against catalogs of growing size.

    python -m bench                 every size, then docs/benchmarks.{md,json,png}
    python -m bench --smoke         the smallest size only, report in .state/bench/smoke/report.json
    python -m bench --programs      10 programs of 5 courses sold to 50 contracts (issue 26),
                                    report in .state/bench/programs/report.json
    python -m bench --session-start 25 --command-time 0.125 --max-resources 500
    python -m bench --session off   one process per command, as before command sessions

Nothing here asserts anything about time; `tests/bench/test_bench_smoke.py` checks the
smoke report's structure and counts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from bench import report, startup
from bench.catalogs import FULL, PROGRAMS, SMOKE
from bench.measure import REPO, Costs, SizeResult, measure_size, write_wrapper

DOCS = REPO / "docs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the smallest size only; the docs are left alone")
    parser.add_argument(
        "--programs", action="store_true", help="the catalog with programs only; the docs are left alone"
    )
    parser.add_argument(
        "--session-start",
        type=float,
        default=Costs.session_start_s,
        help=f"seconds a `manage` process start (a command session) costs on a real MITx Online "
        f"(default {Costs.session_start_s:g}, measured; docs/benchmarks.md)",
    )
    parser.add_argument(
        "--command-time",
        type=float,
        default=Costs.command_s,
        help=f"seconds one command costs inside a session (default {Costs.command_s:g}, measured)",
    )
    parser.add_argument("--clone-delay", type=float, default=0.0, help="the sandbox's edX clone delay (default 0)")
    parser.add_argument(
        "--session",
        type=_session,
        default=True,
        help="courseware:mitxonline.session: on (default), off (one process per command) or a pool size",
    )
    parser.add_argument("--max-resources", type=int, default=None, help="skip sizes with more resources than this")
    parser.add_argument("--workdir", type=Path, default=REPO / ".state" / "bench", help="where stacks and sandboxes go")
    parser.add_argument("--output", type=Path, default=None, help="the JSON report (default: see above)")
    args = parser.parse_args(argv)

    alone = "smoke" if args.smoke else "programs" if args.programs else None
    if alone is not None:
        sizes = [SMOKE if args.smoke else PROGRAMS]
    else:
        sizes = [s for s in FULL if args.max_resources is None or s.resources <= args.max_resources]
    workdir = (args.workdir / (alone or "full")).resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    wrapper = write_wrapper(workdir)

    results: list[SizeResult] = []
    for size in sizes:
        started = time.monotonic()
        print(f"bench: {size.resources} resources ({size.label})...", file=sys.stderr, flush=True)
        results.append(measure_size(size, workdir, wrapper, args.clone_delay, args.session))
        print(
            f"bench: {size.resources} resources done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True
        )
    blobs = results[-1].blobs
    start = startup.measure(blobs) if blobs else {}
    built = report.build(results, start, Costs(args.session_start, args.command_time), smoke=alone is not None)

    output = args.output or (workdir / "report.json" if alone else DOCS / "benchmarks.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n")
    text = report.markdown(built)
    if alone:
        print(text)
    else:
        drawn = report.plot(built, DOCS / "benchmarks.png")
        if drawn:
            text += "\n![wall time against resources](benchmarks.png)\n"
        else:
            print("bench: matplotlib is missing (pip install -e '.[bench]'): no plot", file=sys.stderr)
        report.splice(DOCS / "benchmarks.md", text)
    print(f"bench: report in {output}", file=sys.stderr)
    return 0


def _session(text: str) -> bool | int:
    if text in ("on", "off"):
        return text == "on"
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
