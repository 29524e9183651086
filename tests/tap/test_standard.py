"""The SDK's standard tap test suite, against a demo sandbox started at collection time."""

from __future__ import annotations

import atexit
import shutil
import tempfile

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from asana_sandbox.server import SandboxServer
from asana_webhooks.queue import EventQueue
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import FAST
from tests.webhooks.helpers import event

# The SDK's runner syncs during class setup, so the server must exist when the module is imported.
_SANDBOX = SandboxServer("demo", requests_per_minute=1_000_000).start()
atexit.register(_SANDBOX.stop)
# A webhook queue with a few events, so that `webhook_events` runs through the same checks.
_QUEUE_DIR = tempfile.mkdtemp(prefix="tap-standard-")
atexit.register(shutil.rmtree, _QUEUE_DIR, True)
with EventQueue(f"{_QUEUE_DIR}/queue.sqlite") as _queue:
    _queue.append("standardhook", [event(n) for n in range(3)], webhook_gid="4400")

TestTapAsana = get_tap_test_class(
    TapAsana,
    config={
        "access_token": _SANDBOX.token,
        "api_url": _SANDBOX.base_url,
        "start_date": "2000-01-01T00:00:00Z",
        "webhook_queue": f"{_QUEUE_DIR}/queue.sqlite",
        **FAST,
    },
    # `events` answers its first call with a 412 and a sync token, so a first run has no records.
    suite_config=SuiteConfig(max_records_limit=50, ignore_no_records_for_streams=["events"]),
)
