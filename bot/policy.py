"""Who may do what, decided in the core from facts the adapter supplies and the community's settings.

Adapters never decide rights: Discord hands over the member's permissions and roles, Slack whether
the user is a workspace admin or owner, the console whether the operator said `--admin`. The policy
turns those facts and the community's own settings (admins it named, watched channels) into a
decision, so the same rules hold on every platform and a forged button or a stale slash-command
permission cannot get past them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ports import Actor
from bot.registry import Command, Right
from bot.spelling import SLASH, spell


@dataclass(frozen=True)
class Requester:
    """Facts about who is asking, as the platform reports them; no decision in here."""

    community_id: str
    user_id: str
    display_name: str = ""
    roles: tuple[str, ...] = ()
    platform_admin: bool = False  # Discord Manage Server, Slack workspace admin/owner, the console's operator
    channel_id: str | None = None
    direct: bool = False  # a direct conversation (the console, a DM): pasted links are always read
    command_prefix: str = SLASH  # how commands are typed here: "/" (Discord, console), "/yuntai " (Slack)


@dataclass(frozen=True)
class CommunitySettings:
    """What a community's admins chose; the defaults are what a new community gets."""

    community_id: str
    admins: frozenset[str] = frozenset()  # user ids the community named as admins
    admin_roles: frozenset[str] = frozenset()  # role ids whose members are admins
    watched_channels: frozenset[str] = frozenset()
    digest_channel: str | None = None
    digest_weekday: int | None = None  # 0 Monday .. 6 Sunday
    digest_hour: int | None = None
    digest_timezone: str = "UTC"
    share_attempts: bool = False
    digest_set_up_at: str | None = None  # ISO 8601 UTC: when the slot was chosen; the first due slot is after it
    extra: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


class AccessPolicy:
    def is_admin(self, who: Requester, settings: CommunitySettings) -> bool:
        if who.platform_admin or who.user_id in settings.admins:
            return True
        return any(role in settings.admin_roles for role in who.roles)

    def actor(self, who: Requester, settings: CommunitySettings) -> Actor:
        """The decided identity services receive: rights already settled."""
        return Actor(who.community_id, who.user_id, who.display_name, self.is_admin(who, settings),
                     command_prefix=who.command_prefix)

    def may_run(self, command: Command, path: tuple[str, ...], who: Requester,
                settings: CommunitySettings) -> Decision:
        if command.right is Right.ADMIN and not self.is_admin(who, settings):
            return Decision(False, f"{spell(path, who.command_prefix)} is for this community's admins.")
        return Decision(True)

    def reads_pasted_links(self, who: Requester, settings: CommunitySettings) -> bool:
        """Pasted links are checked only in watched channels (and direct conversations)."""
        if who.direct:
            return True
        return who.channel_id is not None and who.channel_id in settings.watched_channels
