"""Registers the edX course runs listed in stack config `courseware:runs`.

Each entry is `{"name": ..., <CourseRun inputs>}`, so a test changes the declaration by
rewriting the config between runs.
"""

import pulumi

from provider.edx.course_run import CourseRun

for entry in pulumi.Config().require_object("runs"):
    spec = dict(entry)
    name = spec.pop("name")
    run = CourseRun(name, **spec)
    pulumi.export(name, run.course_key)
