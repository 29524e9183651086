"""The SDK's standard tap test suite, against a demo sandbox started at collection time."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from asana_sandbox.server import SandboxServer
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import FAST

# The SDK's runner syncs during class setup, so the server must exist when the module is imported.
_SANDBOX = SandboxServer("demo", requests_per_minute=1_000_000).start()
atexit.register(_SANDBOX.stop)

TestTapAsana = get_tap_test_class(
    TapAsana,
    config={
        "access_token": _SANDBOX.token,
        "api_url": _SANDBOX.base_url,
        "start_date": "2000-01-01T00:00:00Z",
        **FAST,
    },
    suite_config=SuiteConfig(max_records_limit=50),
)
