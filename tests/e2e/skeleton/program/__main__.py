"""Registers one courseware:Baseline, the benchmark's no-I/O resource
(bench/baseline_program/baseline.py, which the test copies beside this program).

Its value comes from stack config, so the test changes the declaration between runs.
"""

import pulumi
from baseline import Baseline

note = Baseline("note", value=pulumi.Config().require("value"))
pulumi.export("value", note.value)
