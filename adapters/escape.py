"""Text that strangers wrote (titles, captions, evidence), made inert for each place it is shown.

One function per platform because each one has its own traps: a terminal obeys escape sequences
(ESC, CSI, OSC 8 links, cursor moves that can hide a line), Discord turns `@everyone`, `<@123>`
and `[text](url)` into pings and disguised links, Slack turns `<!channel>` and `<url|text>` into
the same. Renderers escape at the very end, on the finished text, so nothing added later slips
through. `for_console` is idempotent (renderers may nest); the chat ones are applied once, by the adapter.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but newline and tab, DEL, C1 controls (U+009B is a one-character CSI in some terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates: they reorder what a reader sees ("Trojan Source").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_ZWSP = "\u200b"

_DISCORD_MARKDOWN = re.compile(r"([\\*_~|`>\[\]()#<:-])")
_DISCORD_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def _visible_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def for_console(text: str) -> str:
    """Terminal-safe: control characters shown as \\xNN, bidi controls removed, lines kept."""
    if text.isascii():  # no bidi, surrogate or unassigned characters possible
        return _CONTROL.sub(_visible_control, text) if not text.isprintable() else text
    text = _BIDI.sub("", text)
    text = _CONTROL.sub(_visible_control, text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cs", "Co", "Cn"})


def for_discord(text: str) -> str:
    """Discord markdown and mentions made literal.

    Every markdown character gets a backslash (Discord shows it as the plain character), so
    `[click](https://x)`, `||spoiler||`, `~~strike~~`, `> quote`, `# heading` and `<@123>`/`<#1>`
    stay text; `@everyone`/`@here` get a zero-width space after the @ so they cannot ping even if
    the adapter forgets allowed_mentions. Controls are handled as on the console.
    """
    text = for_console(text)
    text = _DISCORD_MARKDOWN.sub(r"\\\1", text)
    return _DISCORD_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


def for_slack(text: str) -> str:
    """Slack mrkdwn: the three characters Slack asks to escape.

    `<` and `>` build mentions (`<!channel>`, `<@U1>`) and links (`<https://x|click>`); escaping
    them and `&` leaves every other character as typed. Controls are handled as on the console.
    """
    text = for_console(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
