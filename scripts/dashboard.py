"""`make dashboard`: build the dashboard from `output/asana.duckdb` and serve it on 127.0.0.1.

Runs the demo first when there is no DuckDB file yet. `--screenshot PATH` renders the page in headless
Chromium instead of serving it (how docs/dashboard.png is made).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import DUCKDB_PATH, OUTPUT, REPO, PipelineError, chromium_command, ensure_plugins, log, meltano

DASHBOARD_DIR = OUTPUT / "dashboard"


def screenshot(page: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = chromium_command(page.resolve().as_uri(), f"--screenshot={target.resolve()}", window="1400,2300")
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    log(f"screenshot written to {target}")


def serve(port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(DASHBOARD_DIR))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"\nDashboard: {url}   (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8050, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--no-serve", action="store_true", help="build only")
    parser.add_argument("--screenshot", type=Path, help="write a PNG of the page instead of serving it")
    args = parser.parse_args()

    if not DUCKDB_PATH.exists():
        log(f"{DUCKDB_PATH.relative_to(REPO)} does not exist: running the demo first")
        subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py"), "--no-dashboard"], check=True)
    ensure_plugins()
    log("meltano invoke dashboard:build")
    meltano("invoke", "dashboard:build", env={"MELTANO_ENVIRONMENT": "sandbox"})
    page = DASHBOARD_DIR / "index.html"
    if args.screenshot:
        screenshot(page, args.screenshot)
    elif not args.no_serve:
        serve(args.port)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (PipelineError, subprocess.CalledProcessError) as exc:
        print(f"DASHBOARD FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
