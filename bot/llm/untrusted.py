"""Untrusted text cleaned before any of it goes near a model, and the per-request marker.

Titles and captions used to be sent as spotlighted data (Hines et al., arXiv:2403.14720:
normalised, capped, "datamarked" with a random per-request marker inside random delimiters).
That reduces injection but does not prevent it, and a summary is cached per clip and shown to
every member who checks it, so since prompt version 2 no title or caption is sent at all (issue 7
point 4). What remains: `clean` for the short evidence phrases the prompt still carries, and the
`Marker`, whose echo the validator still refuses.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from bot.text import clean as normalise

TITLE_LIMIT = 200
CAPTION_LIMIT = 600

_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.\-]*://|www\.)\S+")
_FAKE_DELIMITER = re.compile(r"<{2,}|>{2,}|\^{1,}")
_SPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[\W_]+")


def clean(text: str | None, limit: int) -> str:
    """NFKC-normalise, drop invisible/control/unassigned characters, replace links, cap the length.

    Links are replaced because links in a summary come from the knowledge base, never from a
    caption; delimiter-like runs are removed so the text cannot fake the end of the data block.
    """
    if not isinstance(text, str) or not text:
        return ""
    text = normalise(text, limit=len(text))  # bot.text.clean: the one normaliser (NFKC, no invisibles)
    text = "".join(" " if ch in "\n\t" or unicodedata.category(ch) == "Zs" else ch for ch in text)
    text = _URL.sub("[link]", text)
    text = _FAKE_DELIMITER.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[: limit] else text[:limit]
        text = cut.rstrip() + " [cut]"
    return text


@dataclass(frozen=True)
class Marker:
    """A per-request random token; `mark` is what stands between the words of untrusted text."""

    token: str

    @classmethod
    def new(cls) -> Marker:
        return cls(secrets.token_hex(4))

    @property
    def mark(self) -> str:
        return f"^{self.token}^"

    @property
    def begin(self) -> str:
        return f"<<untrusted {self.token}>>"

    @property
    def end(self) -> str:
        return f"<<end untrusted {self.token}>>"

    def echoed_in(self, text: str) -> bool:
        """True when an output contains the token: the model copied marked text.

        Searched in the NFKC form with everything but letters and digits removed, so full-width
        ("ａｂ１２ｃｄ３４"), split ("ab12 cd34") or hyphenated ("ab12-cd34") copies count too.
        """
        squeezed = _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).lower())
        return _NON_ALNUM.sub("", self.token.lower()) in squeezed
