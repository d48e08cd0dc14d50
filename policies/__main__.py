"""The courseware policy pack: `pulumi preview --policy-pack policies`.

Every policy's enforcement level can be changed with `--policy-pack-config`, e.g.
`{"source-run-conventions": "mandatory"}`. The policies are in `pack.py`, their rules
in `rules.py`.
"""

from pack import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="courseware", policies=POLICIES)
