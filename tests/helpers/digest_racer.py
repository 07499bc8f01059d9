"""One process of a digest race: waits for a shared instant, then posts what is due (or dies mid-post).

Run as `python -m tests.helpers.digest_racer --now ISO [--ready-dir DIR --racers N] [--crash]` with
DATABASE_URL set; each racer, once imported and connected, leaves a file in DIR and waits until N are
there, so they all reach the claim together. Prints one JSON line per digest this process posted, so
the test can count posts across processes. `--crash` kills the process (os._exit, no cleanup) inside
the poster: claimed, never marked sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path


class PrintPoster:
    def __init__(self, crash: bool) -> None:
        self.crash = crash

    async def post(self, channel, digest) -> None:  # type: ignore[no-untyped-def]
        if self.crash:
            os._exit(3)
        print(json.dumps({"community": digest.community_id, "week": digest.week, "pid": os.getpid()}), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--now", required=True)
    ap.add_argument("--ready-dir")
    ap.add_argument("--racers", type=int, default=1)
    ap.add_argument("--crash", action="store_true")
    args = ap.parse_args()
    from adapters.wiring import build_app, build_digest_runner
    from bot.config import Settings

    app = build_app(Settings.from_env(), fetch=False)
    runner = build_digest_runner(app, PrintPoster(args.crash))
    if args.ready_dir:
        ready = Path(args.ready_dir)
        (ready / str(os.getpid())).touch()
        deadline = time.monotonic() + 60
        while len(list(ready.iterdir())) < args.racers and time.monotonic() < deadline:
            time.sleep(0.002)
    try:
        asyncio.run(runner.run_due(datetime.fromisoformat(args.now)))
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
