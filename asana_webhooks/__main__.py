"""`python -m asana_webhooks` runs the `asana-webhooks` command."""

from asana_webhooks.cli import main

main()
