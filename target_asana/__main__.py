"""`python -m target_asana`."""

from target_asana.target import TargetAsana

TargetAsana.cli()
