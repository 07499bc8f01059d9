"""Host names: one normal form, refusal of numeric and private-suffix tricks, tracking parameters."""

from __future__ import annotations

import re

from bot.links.text import LinkError
from bot.netguard import private_name_suffix

_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_TLD_RE = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
# WHATWG URL parsing treats a host whose last label is a number (decimal, octal, hex) as IPv4,
# so "2130706433", "0x7f000001", "0177.0.0.1" and "127.1" all mean 127.0.0.1 in a browser.
_NUMERIC_LABEL_RE = re.compile(r"0x[0-9a-f]*|[0-9]+")


try:  # IDNA 2008 + UTS 46 as browsers do it; installed with aiohttp (via yarl).
    import idna as _idna
except ImportError:  # pragma: no cover - the stdlib codec (IDNA 2003) is close enough as a fallback
    _idna = None


def _to_ascii(host: str) -> str:
    """Unicode host to punycode; raises UnicodeError/ValueError when it is not valid IDNA."""
    if _idna is not None:
        return _idna.encode(host, uts46=True).decode("ascii")
    return host.encode("idna").decode("ascii")


def _valid_a_label(label: str) -> bool:
    """True when an ``xn--`` label decodes and re-encodes to itself (so it is real punycode)."""
    try:
        if _idna is not None:
            return _idna.encode(_idna.decode(label)).decode("ascii") == label
        return label.encode("ascii").decode("idna").encode("idna").decode("ascii").lower() == label
    except (UnicodeError, ValueError, IndexError):
        return False


def _normalise_host(hostname: str) -> str:
    """Return the lowercase ASCII (punycode) host, refusing anything that is not a public name."""
    h = hostname[:-1] if hostname.endswith(".") else hostname
    if not h:
        raise LinkError("That link has no site name.")
    if h.isascii():
        ascii_h = h.lower()
    else:
        try:
            ascii_h = _to_ascii(h).lower()
        except (UnicodeError, ValueError, IndexError):
            raise LinkError("That link's site name is not a valid international domain name.") from None
        if ascii_h.endswith("."):
            ascii_h = ascii_h[:-1]
    labels = ascii_h.split(".")
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        raise LinkError(
            "That link points to a numeric IP address rather than a site name; clip links always use a name."
        )
    if ascii_h == "localhost" or ascii_h.endswith(".localhost"):
        raise LinkError("That link points to this computer (localhost), not to a public site.")
    if len(labels) == 1:
        raise LinkError("That link's site name has no domain ending (like .com), so it isn't a public site.")
    if len(ascii_h) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise LinkError("That link's site name is not valid.")
    if not _TLD_RE.fullmatch(labels[-1]):
        raise LinkError("That link's site name does not end in a real domain ending.")
    suffix = private_name_suffix(ascii_h)
    if suffix is not None:
        raise LinkError(f"That link points to a private network name (.{suffix}), not to a public site.")
    if any(label.startswith("xn--") and not _valid_a_label(label) for label in labels):
        raise LinkError("That link's site name is not a valid international domain name.")
    return ascii_h


def _host_is(host: str, *domains: str) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


# --------------------------------------------------------------------------------------------
# Paths and queries
# --------------------------------------------------------------------------------------------

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$'()*+,;=-._~?"

# Parameters that identify the sharer or the campaign, never the content.
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "igsh",
        "si", "ref", "ref_src", "ref_url", "share_id", "_hsenc", "_hsmkt", "mkt_tok", "yclid", "spm",
        "from", "vero_id", "vero_conv", "twclid", "ttclid", "li_fat_id", "_ga", "_gl", "oly_anon_id",
        "oly_enc_id", "rb_clickid", "s_cid", "sc_cid", "wickedid", "epik", "trk", "srsltid",
        "spm_id_from", "vd_source", "share_source", "share_medium", "share_plat", "share_session_id",
        "is_from_webapp", "sender_device",
    }
)  # fmt: skip


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING or k.startswith("utm_")
