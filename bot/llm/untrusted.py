"""Untrusted text (clip titles and captions) made safe to show a model as data.

Spotlighting (Hines et al., arXiv:2403.14720): the text is normalised, stripped of characters a
person cannot see, capped, and "datamarked" -- every run of whitespace becomes a random
per-request marker -- inside random delimiters. The model is told that marked text is data, and
the validator rejects any output that echoes the marker (it copied the caption). This reduces
injection; it does not prevent it, which is why the verdict never depends on the model.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

TITLE_LIMIT = 200
CAPTION_LIMIT = 600

# Zero-width, joiners, bidi embeddings/overrides/isolates, word joiner and invisible operators, BOM,
# the Unicode tag block (ASCII smuggling) and variation selectors. All but the last are category Cf
# and would go anyway; listed so the intent is readable.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
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
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t\r" or cat == "Zs":
            kept.append(" ")
        elif cat[0] == "C":  # Cc, Cf, Cs, Co, Cn: controls, format, surrogates, private use, unassigned
            continue
        else:
            kept.append(ch)
    text = "".join(kept)
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


def datamark(text: str, marker: Marker) -> str:
    """Join the words of already-cleaned text with the marker: `a^1f2e^b^1f2e^c`."""
    return marker.mark.join(text.split())


def untrusted_block(title: str | None, caption: str | None, marker: Marker) -> str:
    """The delimited, datamarked block of everything in the request that a stranger wrote."""
    t = datamark(clean(title, TITLE_LIMIT), marker) or "(none)"
    c = datamark(clean(caption, CAPTION_LIMIT), marker) or "(none)"
    return f"{marker.begin}\ntitle: {t}\ncaption: {c}\n{marker.end}"
