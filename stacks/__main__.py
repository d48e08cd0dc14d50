"""The Pulumi program: validate the stack file's catalog and build its resources."""

import pulumi

from provider.program import build

build(pulumi.Config())
