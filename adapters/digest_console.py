"""The console's digest poster: the posted digest printed to stdout, as text or as one JSON object a line.

Cron runs `yuntai digest run --json` and reads stdout, so in JSON mode nothing but the digests goes there
(logs go to stderr), and each line is flushed before the digest is marked sent.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from adapters.json_render import to_json
from adapters.text_render import render


class ConsoleDigestPoster:
    def __init__(self, json_mode: bool = False, stream: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.stream = stream

    async def post(self, channel: str | None, digest: Any) -> None:
        out = self.stream or sys.stdout
        if self.json_mode:
            out.write(json.dumps({**to_json(digest), "channel": channel}, ensure_ascii=False) + "\n")
        else:
            out.write(f"[to {channel or 'the console'}]\n{render(digest)}\n\n")
        out.flush()
