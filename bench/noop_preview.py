"""`python -m bench.noop_preview`: a no-op preview with command sessions on and off,
interleaved on one stack, to tell a real difference from the machine's noise.

A no-op preview runs no command either way, so the setting should not change its
time. One catalog size (default: the smallest), one sandbox, one `up`; then `--rounds`
rounds of `pulumi preview --expect-no-changes` with `courseware:mitxonline.session` set
to false, then to true (the order alternates each round, so a drift of the machine's
load falls on both). Prints each wall and the median of each setting; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

from bench.catalogs import FULL, SMOKE, catalog
from bench.measure import PROGRAM, REPO, Stack, use_sandbox, write_wrapper
from tests.sandbox.helpers import start_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.noop_preview", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="previews per setting (default 5)")
    parser.add_argument("--resources", type=int, default=SMOKE.resources, help="a size of bench/catalogs.py")
    parser.add_argument("--workdir", type=Path, default=REPO / ".state" / "bench" / "noop-preview")
    args = parser.parse_args(argv)
    [size] = [s for s in FULL if s.resources == args.resources]
    workdir = args.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    sandbox = start_sandbox(workdir / "sandbox", "--command-delay", "0", "--clone-delay", "0")
    walls: dict[bool, list[float]] = {False: [], True: []}
    try:
        stack = Stack(workdir / "provider", PROGRAM, write_wrapper(workdir), sandbox)
        use_sandbox(stack.project, sandbox.info, True)
        stack.project.set_config("catalog", catalog(size))
        stack.operation("up", "up", "--yes", "--skip-preview")
        mitxonline = {
            "url": sandbox.info["mitxonline_url"],
            "manageCommand": sandbox.info["manage_command"],
        }
        for round_ in range(args.rounds):
            for session in (False, True) if round_ % 2 == 0 else (True, False):
                stack.project.set_config("mitxonline", {**mitxonline, "session": session})
                done = stack.operation("preview", "preview", "--expect-no-changes")
                walls[session].append(done.wall_s)
                print(
                    f"round {round_ + 1} session={str(session).lower()}: {walls[session][-1]:.2f} s, "
                    f"{done.calls.commands} commands, {done.calls.process_starts} process starts",
                    flush=True,
                )
    finally:
        sandbox.cli("stop")
    print(
        json.dumps(
            {
                "resources": size.resources,
                "rounds": args.rounds,
                "session_off_s": [round(w, 2) for w in walls[False]],
                "session_on_s": [round(w, 2) for w in walls[True]],
                "median_off_s": round(statistics.median(walls[False]), 2),
                "median_on_s": round(statistics.median(walls[True]), 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
