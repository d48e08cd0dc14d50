"""`python -m acceptance` (`make acceptance`): the scenarios against a real MITx Online.

    python -m acceptance                      every scenario, in priority order
    python -m acceptance --only seats --only drift
    python -m acceptance --list               the scenario names
    python -m acceptance --publish            also copy the report to docs/acceptance-report.*

The target comes from --target FILE, or $COURSEWARE_ACCEPTANCE_TARGET and the
COURSEWARE_ACCEPTANCE_* variables (acceptance/target.py, docs/acceptance.md). Without
one it prints one line saying what to set and exits 2. Reports go to
.state/acceptance/<prefix>/report.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import time
import traceback
from pathlib import Path

from acceptance.report import Report, ScenarioResult
from acceptance.scenarios import SCENARIOS, Record, Run, process_starts, starts
from acceptance.target import NoTarget, Prefix, load_target, new_prefix

REPO = Path(__file__).resolve().parents[1]
EXIT_NO_TARGET = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make acceptance", description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="the target settings file (default: $COURSEWARE_ACCEPTANCE_TARGET)")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS), help="run this scenario (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the scenario names and exit")
    parser.add_argument("--prefix", help="the run's prefix (default: T and five random letters or digits)")
    parser.add_argument("--publish", action="store_true", help="copy the report to docs/acceptance-report.{json,md}")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    try:
        target = load_target(args.target)
    except NoTarget as missing:
        print(missing)
        return EXIT_NO_TARGET
    prefix = Prefix(args.prefix or new_prefix())
    directory = REPO / ".state" / "acceptance" / prefix.value
    run = Run(target, prefix, directory)
    report = Report(
        prefix=prefix.value,
        mitxonline_commit=target.mitxonline_commit,
        mitxonline_url=target.mitxonline_url,
        edx=target.edx_lms_url,
        started=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    print(f"acceptance run {prefix.value} against {target.mitxonline_url} (MITx Online {target.mitxonline_commit})")
    begun = time.monotonic()
    for name in args.only or list(SCENARIOS):
        run.record = Record(name)
        before = starts(target.commands_log)
        started = time.monotonic()
        error = ""
        try:
            SCENARIOS[name](run)
        except Exception as failure:  # a scenario's failure is a line of the report, not the end of the run
            error = f"{type(failure).__name__}: {failure}"
            if not isinstance(failure, AssertionError):
                error += "\n" + "".join(traceback.format_exception(failure)[-6:])
        run.clean_up()
        seconds = time.monotonic() - started
        result = ScenarioResult(name, not error, seconds, process_starts(target, before), run.record, error)
        report.scenarios.append(result)
        print(f"{name}: {'pass' if result.passed else 'FAIL'} in {seconds:.0f} s", flush=True)
        if error:
            print("  " + error.strip().splitlines()[0][:300], flush=True)
    report.seconds = time.monotonic() - begun
    report.left = run.left
    as_json, as_markdown = report.write(directory)
    print(f"report: {as_markdown} and {as_json}")
    if args.publish:
        shutil.copy(as_json, REPO / "docs" / "acceptance-report.json")
        shutil.copy(as_markdown, REPO / "docs" / "acceptance-report.md")
    return 0 if all(s.passed for s in report.scenarios) else 1


if __name__ == "__main__":
    sys.exit(main())
