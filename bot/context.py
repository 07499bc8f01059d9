"""What a handler is given: who is asking (rights already decided), their community's settings, the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.policy import CommunitySettings, Requester
from bot.ports import Actor, SettingsSource

if TYPE_CHECKING:
    from bot.attempts import AttemptService
    from bot.curation import Curation
    from bot.digest import DigestService
    from bot.registry import Registry
    from bot.reports import ModelReports
    from bot.service import CheckService
    from bot.setup import Setup
    from bot.votes import VoteService


class NoSettings:
    """Where nothing is stored (tests, a throw-away process): every community has the defaults."""

    def settings(self, community_id: str) -> CommunitySettings:
        return CommunitySettings(community_id)

    def save_settings(self, settings: CommunitySettings, actor: str) -> None:
        raise RuntimeError("settings cannot be saved without storage")


@dataclass
class Services:
    """The composition root fills this once; handlers reach every service through it."""

    checks: CheckService
    reports: ModelReports
    digests: DigestService | None = None
    usage: Callable[[str], Any] | None = None  # community id -> an object with .lines(); None without an LLM
    settings: SettingsSource | None = None
    fetch: bool = True
    curation: Curation | None = None  # /kb: a community's own layer of the knowledge base
    setup: Setup | None = None  # /setup: watched channels, digest slot, admins, sharing
    votes: VoteService | None = None
    attempts: AttemptService | None = None


@dataclass(frozen=True)
class CommandContext:
    actor: Actor
    requester: Requester
    settings: CommunitySettings
    services: Services
    registry: Registry
