"""Parse and canonicalise the clip links users paste into chat.

Two users sharing the same clip rarely paste the same text: one copies a ``youtu.be`` share link
with a ``?si=`` tracker, another the ``/shorts/`` page, a third the ``music.`` mirror. The core keys
its verdicts by ``canonical_url`` so all of them land on one record, and it must refuse anything
that could make the bot fetch something it should not (local addresses, odd ports, disguised
hosts). Everything here is pure string work: no network access, so short links that can only be
resolved by fetching them are kept as they are.

One parser (``urllib.parse.urlsplit``) is used, once per link, so the host we check is the host we
canonicalise; inputs that parsers are known to read differently (backslashes, ``@`` in the
authority, control characters) are refused rather than guessed at.

The package splits that work by job: `text` (characters and chat decoration), `hosts` (one normal
form of a host), `platforms` (each video site's canonical form and id), `canonical` (one link to its
canonical form) and `finding` (the links in a message).
"""

from bot.links.canonical import canonicalize, parse_link
from bot.links.finding import find_links
from bot.links.platforms import VENDOR_PLATFORMS
from bot.links.text import MAX_FOUND_LINKS, MAX_URL_LENGTH, ClipLink, LinkError, _trim_trailing

__all__ = ["MAX_FOUND_LINKS", "MAX_URL_LENGTH", "VENDOR_PLATFORMS", "ClipLink", "LinkError", "_trim_trailing",
           "canonicalize", "find_links", "parse_link"]
