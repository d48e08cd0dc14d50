"""Registers one courseware:Baseline from the installed provider package.

Its value comes from stack config, so the test changes the declaration between runs.
"""

import pulumi

from provider.baseline import Baseline

note = Baseline("note", value=pulumi.Config().require("value"))
pulumi.export("value", note.value)
