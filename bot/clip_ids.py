"""Short clip ids: what a vote button carries instead of a URL.

A Discord `custom_id` holds 100 characters and a Slack `action_id` 255; a canonical URL can be 2,048.
The id is derived from the canonical URL (60 bits of its sha256 in base32), so it is known before
anything is stored and the same clip has the same id in every process and database.
"""

from __future__ import annotations

import base64
import hashlib
import re

SHORT_ID_LENGTH = 12
_SHAPE = re.compile(rf"^[a-z2-7]{{{SHORT_ID_LENGTH}}}$")


def short_clip_id(canonical_url: str) -> str:
    digest = hashlib.sha256(canonical_url.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:SHORT_ID_LENGTH].lower()


def is_short_clip_id(text: str) -> bool:
    return bool(_SHAPE.match(text))
