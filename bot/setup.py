"""A community's setup: watched channels, the digest slot, its named admins, sharing attempt reports.

Every change is read-change-save in one unit of work through the `SettingsStore` port, with a history
row (who, when, before, after), so two admins changing things at once never lose one of the changes.
Channel and user references arrive as each platform writes them (`<#C123|general>` on Slack, `<#123>`
on Discord, a plain name on the console) and are stored as the ids the adapters report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.errors import InputError
from bot.policy import CommunitySettings
from bot.ports import Actor
from bot.schedule import WEEKDAYS, make_slot
from bot.spelling import SLASH, spell

CONSOLE_PREFIX = "console:"
_SLACK_CHANNEL = re.compile(r"^<#([A-Z0-9]{2,30})(?:\|[^>]*)?>$")
_DISCORD_CHANNEL = re.compile(r"^<#(\d{5,25})>$")
_SLACK_USER = re.compile(r"^<@([A-Z0-9]{2,30})(?:\|[^>]*)?>$")
_DISCORD_USER = re.compile(r"^<@!?(\d{5,25})>$")
_NAME = re.compile(r"^[\w][\w\-.]{0,79}$")
_BARE_ID = {"discord:": re.compile(r"^\d{5,25}$"), "slack:": re.compile(r"^[A-Z][A-Z0-9]{2,30}$")}
MAX_WATCHED = 100


class SetupError(InputError):
    """A setup change that can't be made as typed; the message says what would work."""


def channel_ref(text: str, community_id: str) -> str:
    """The channel id a reference names: `<#C123|name>` -> C123, `<#123>` -> 123, `#general` -> general."""
    raw = (text or "").strip()
    for pattern in (_SLACK_CHANNEL, _DISCORD_CHANNEL):
        m = pattern.match(raw)
        if m:
            return m.group(1)
    if _bare_id(raw, community_id):
        return raw  # what a Discord slash-command option or a Slack select hands over
    if raw.startswith("<@") or raw.startswith("@"):
        raise SetupError(f"{raw[:40]!r} is a person, not a channel. Mention the channel, e.g. #general.")
    if raw.startswith("<") or "://" in raw:
        raise SetupError(f"{raw[:40]!r} is not a channel. Mention the channel, e.g. #general.")
    if community_id.startswith(CONSOLE_PREFIX):
        name = raw.lstrip("#")
        if _NAME.match(name):
            return name
        raise SetupError(f"{raw[:40]!r} is not a channel name: letters, digits, '-', '_' or '.', up to 80.")
    raise SetupError(f"{raw[:40]!r} is not a channel. Mention it with # so I get its id, e.g. #general.")


def user_ref(text: str, community_id: str) -> str:
    """The user id a reference names: `<@U123>` -> U123, `<@123>` -> 123; a name on the console -> console:name."""
    raw = (text or "").strip()
    for pattern in (_SLACK_USER, _DISCORD_USER):
        m = pattern.match(raw)
        if m:
            return m.group(1)
    if _bare_id(raw, community_id):
        return raw
    if raw.startswith("<#") or raw.startswith("#"):
        raise SetupError(f"{raw[:40]!r} is a channel, not a person. Mention the person, e.g. @alice.")
    if community_id.startswith(CONSOLE_PREFIX) or not (community_id.startswith(("discord:", "slack:"))):
        name = raw.lstrip("@")
        if name.startswith(CONSOLE_PREFIX):
            name = name[len(CONSOLE_PREFIX):]
        if _NAME.match(name):
            return CONSOLE_PREFIX + name
        raise SetupError(f"{raw[:40]!r} is not a user name: letters, digits, '-', '_' or '.', up to 80.")
    raise SetupError(f"{raw[:40]!r} is not a person. Mention them with @ so I get their id.")


def _bare_id(raw: str, community_id: str) -> bool:
    return any(community_id.startswith(prefix) and pattern.match(raw) for prefix, pattern in _BARE_ID.items())


Change = Callable[[CommunitySettings], CommunitySettings]


class SettingsStore(Protocol):
    def update_settings(self, community_id: str, change: Change,
                        actor: str) -> tuple[CommunitySettings, CommunitySettings]: ...


@dataclass(frozen=True)
class SetupResult:
    """The community's settings after a change (or as they are, for `/setup show`)."""

    settings: CommunitySettings
    message: str
    changed: bool = True


def describe(s: CommunitySettings, prefix: str = SLASH) -> list[str]:
    watched = ", ".join(sorted(s.watched_channels)) or "none (pasted links are read only in direct messages)"
    if s.digest_channel and s.digest_weekday is not None and s.digest_hour is not None:
        digest = (f"{WEEKDAYS[s.digest_weekday].capitalize()}s at {s.digest_hour:02d}:00 {s.digest_timezone} "
                  f"in {s.digest_channel}")
    else:
        digest = f"not set up ({spell('setup digest', prefix)} <channel> <weekday> <hour> [timezone])"
    return [
        f"watched channels: {watched}",
        f"weekly digest: {digest}",
        f"admins named here: {', '.join(sorted(s.admins)) or 'none (platform admins only)'}",
        f"share attempt reports with other communities: {'on' if s.share_attempts else 'off'}",
    ]


class Setup:
    def __init__(self, store: SettingsStore, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))

    def _apply(self, actor: Actor, change: Change, message: str) -> SetupResult:
        before, after = self.store.update_settings(actor.community_id, change, actor.user_id)
        if before == after and before.digest_set_up_at == after.digest_set_up_at:
            # "The weekly digest ..." -> "the weekly digest ...", but "I now ..." and "U0AB12 is ..." stay as written
            first = message[0].lower() if message[1:2].islower() else message[0]
            return SetupResult(after, "Nothing to change: " + first + message[1:], changed=False)
        return SetupResult(after, message)

    def watch(self, actor: Actor, channel: str, on: bool) -> SetupResult:
        cid = channel_ref(channel, actor.community_id)

        def change(s: CommunitySettings) -> CommunitySettings:
            if on and cid not in s.watched_channels and len(s.watched_channels) >= MAX_WATCHED:
                raise SetupError(f"This community watches {MAX_WATCHED} channels already; unwatch one first.")
            if not on and cid not in s.watched_channels:
                watched = ", ".join(sorted(s.watched_channels)) or "none"
                raise SetupError(f"I don't watch {cid} here. Watched: {watched}.")
            chans = s.watched_channels | {cid} if on else s.watched_channels - {cid}
            return dataclasses.replace(s, watched_channels=frozenset(chans))

        verb = "I now check links pasted in" if on else "I no longer check links pasted in"
        return self._apply(actor, change, f"{verb} {cid}.")

    def digest(self, actor: Actor, channel: str, weekday: str, hour: str, timezone: str | None) -> SetupResult:
        cid = channel_ref(channel, actor.community_id)
        slot = make_slot(weekday, hour, timezone or "UTC")  # raises with close names for a wrong zone
        set_up_at = self.clock().astimezone(UTC).isoformat()

        def change(s: CommunitySettings) -> CommunitySettings:
            same = (s.digest_channel, s.digest_weekday, s.digest_hour, s.digest_timezone) == \
                (cid, slot.weekday, slot.hour, slot.timezone)
            return dataclasses.replace(s, digest_channel=cid, digest_weekday=slot.weekday, digest_hour=slot.hour,
                                       digest_timezone=slot.timezone,
                                       digest_set_up_at=s.digest_set_up_at if same else set_up_at)

        return self._apply(actor, change, f"The weekly digest goes to {cid} on {WEEKDAYS[slot.weekday].capitalize()}s "
                                          f"at {slot.hour:02d}:00 {slot.timezone}.")

    def admins(self, actor: Actor, action: str, user: str) -> SetupResult:
        uid = user_ref(user, actor.community_id)

        def change(s: CommunitySettings) -> CommunitySettings:
            if action == "add":
                return dataclasses.replace(s, admins=s.admins | {uid})
            if uid not in s.admins:
                raise SetupError(f"{uid} is not an admin named here. Named: {', '.join(sorted(s.admins)) or 'none'}.")
            if s.admins == {uid}:
                raise SetupError(f"{uid} is the last admin named here; add another admin before removing them.")
            return dataclasses.replace(s, admins=s.admins - {uid})

        verb = "is now an admin" if action == "add" else "is no longer an admin"
        return self._apply(actor, change, f"{uid} {verb} of this community.")

    def share_attempts(self, actor: Actor, on: bool) -> SetupResult:
        def change(s: CommunitySettings) -> CommunitySettings:
            return dataclasses.replace(s, share_attempts=on)

        text = ("This community's attempt reports now count in hit rates across communities that share theirs."
                if on else "This community's attempt reports now stay in this community.")
        return self._apply(actor, change, text)
