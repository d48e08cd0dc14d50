"""The baseline stack: `courseware:count` resources of `courseware:Baseline` (no I/O).

The engine and the dynamic-provider process do for these everything they do for the
platform resources (check, diff, create, read, pickled `__provider`), with no platform
behind them: the floor the benchmark compares the provider with.
"""

import pulumi
from baseline import Baseline

for index in range(pulumi.Config().require_int("count")):
    Baseline(f"baseline-{index:05d}", value=f"value-{index:05d}")
