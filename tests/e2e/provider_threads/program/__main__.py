"""Registers `courseware:count` independent `Meeting` resources (meeting.py, beside this
program) that each wait in `create` until all of them are there."""

import pulumi
from meeting import Meeting

config = pulumi.Config()
for index in range(config.require_int("count")):
    Meeting(f"meeting-{index}", room=config.require("room"), expected=config.require_int("count"))
