"""The core's storage ports, each method one unit of work: what `bot/` sees of the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from bot.curation import ChangeRecord, Decide, State
from bot.digest import DigestFigures
from bot.knowledge import KnowledgeBase
from bot.overrides import layer
from bot.policy import CommunitySettings
from bot.ports import CachedMetadata, CheckRecordIn
from storage.repositories import ImportReport
from storage.tables import GLOBAL
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory


def _write_lock(uow: SqlUnitOfWork, name: str) -> None:
    """Serialise read-change-save use cases of one community, held until the unit of work ends.

    Postgres: a transaction-scoped advisory lock. SQLite: a write statement first, so the transaction
    holds the write lock before it reads (in WAL mode a read-then-write transaction would otherwise
    fail or overwrite another process's change).
    """
    if uow.engine.dialect.name == "postgresql":
        uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": name})
    else:
        uow.session.execute(text("UPDATE kb_meta SET value = value WHERE key = :k"), {"k": name})


class KnowledgeCache:
    """The read side of the knowledge base: immutable snapshots, rebuilt only when a version moves.

    The key is the global version plus the community's override version, polled at most once per
    `interval` seconds, so curation by another process shows up within a second and a check in
    between costs a dictionary lookup. `cached()` never touches the database (for the event loop).
    """

    def __init__(self, uow: UnitOfWorkFactory, interval: float = 1.0) -> None:
        self.uow = uow
        self.interval = interval
        self._global: KnowledgeBase | None = None
        self._by_community: dict[str, tuple[tuple[str, str], KnowledgeBase, float]] = {}
        self._lock = threading.Lock()

    def cached(self, community_id: str = GLOBAL) -> KnowledgeBase | None:
        entry = self._by_community.get(community_id)
        if entry is not None and time.monotonic() - entry[2] < self.interval:
            return entry[1]
        return None

    def invalidate(self) -> None:
        self._by_community.clear()

    def knowledge_base(self, community_id: str = GLOBAL) -> KnowledgeBase:
        hit = self.cached(community_id)
        if hit is not None:
            return hit
        with self.uow() as uow:
            versions = uow.knowledge.versions(community_id)
            entry = self._by_community.get(community_id)
            if entry is not None and entry[0] == versions:
                kb = entry[1]
            else:
                with self._lock:
                    glob = self._global
                    if glob is None or glob.version != (versions[0] or "empty"):
                        glob = uow.knowledge.load_global(versions[0])
                        self._global = glob
                    kb = glob
                    if versions[1]:
                        kb = layer(glob, uow.knowledge.override_rows(community_id),
                                   uow.knowledge.override_claims(community_id), versions[1])
        self._by_community[community_id] = (versions, kb, time.monotonic())
        return kb

    def is_empty(self) -> bool:
        with self.uow() as uow:
            return uow.knowledge.is_empty()

    def import_knowledge(self, kb: KnowledgeBase, actor: str = "seed") -> ImportReport:
        with self.uow() as uow:
            report = uow.knowledge.import_knowledge(kb, actor)
            uow.commit()
        self.invalidate()  # this process sees its own import at once
        return report


class SqlMetadataCache:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def cached_metadata(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None:
        with self.uow() as uow:
            return uow.metadata.get(canonical_url, max_age)

    def save_metadata(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None:
        with self.uow() as uow:
            uow.metadata.save(canonical_url, metadata, source)
            uow.commit()


class SqlCheckLog:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def record_checks(self, records: Sequence[CheckRecordIn]) -> None:
        """Every clip and check of `records` in one transaction: all stored or none.

        Two processes checking the same new clip at once race on its row. The clip upsert's ON CONFLICT
        names canonical_url, but Postgres may see the clash first on the other unique index (short_id) and
        refuse the row instead of updating it; by then the other transaction has committed, so one more try
        finds the clip and updates it. A row refused for any other reason is refused again and goes up.
        """
        from sqlalchemy.exc import IntegrityError

        from storage.db import DatabaseError

        for attempt in (1, 2):
            try:
                with self.uow() as uow:
                    uow.checks.record(records)
                    uow.commit()
                return
            except DatabaseError as exc:
                if attempt == 2 or not isinstance(exc.__cause__, IntegrityError):
                    raise

    def canonical_url(self, short_id: str) -> str | None:
        with self.uow() as uow:
            return uow.checks.canonical_url(short_id)

    def count_checks(self, community_id: str | None = None) -> int:
        with self.uow() as uow:
            return uow.checks.count(community_id)

    def recent_checks(self, community_id: str, limit: int = 20) -> list[dict]:
        with self.uow() as uow:
            return uow.checks.recent(community_id, limit)

    def digest_figures(self, community_id: str, since: datetime, until: datetime | None = None) -> DigestFigures:
        with self.uow() as uow:
            return uow.checks.digest_figures(community_id, since, until)


class SqlSettings:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def settings(self, community_id: str) -> CommunitySettings:
        with self.uow() as uow:
            return uow.settings.get(community_id)

    def save_settings(self, settings: CommunitySettings, actor: str) -> None:
        with self.uow() as uow:
            uow.settings.save(settings, actor)
            uow.commit()

    def update_settings(self, community_id: str, change: Callable[[CommunitySettings], CommunitySettings],
                        actor: str) -> tuple[CommunitySettings, CommunitySettings]:
        """Read, change and save in one unit of work, so two admins' changes never overwrite each other."""
        with self.uow() as uow:
            _write_lock(uow, f"settings:{community_id}")
            before = uow.settings.get(community_id)
            after = change(before)
            uow.settings.save(after, actor)
            uow.commit()
        return before, after

    def settings_history(self, community_id: str) -> list[dict]:
        with self.uow() as uow:
            return uow.settings.history(community_id)


class SqlCuration:
    """A community's curation: each change, its history row and the version bump in one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, knowledge: KnowledgeCache | None = None) -> None:
        self.uow = uow
        self.knowledge = knowledge

    def change(self, community_id: str, kind: str, key: str, decide: Decide, actor: str,
               glob: State = None, undoes: int | None = None) -> ChangeRecord:
        if community_id == GLOBAL:
            raise ValueError("the global knowledge base is curated through its files, not as a community")
        with self.uow() as uow:
            _write_lock(uow, f"kb:{community_id}")
            before = uow.curation.state(community_id, kind, key) or glob
            action, after = decide(before)
            uow.curation.put(community_id, kind, key, after, actor)
            uow.session.flush()
            if after is None or "doc" not in after:
                after = glob if after is None and action == "undo" and glob is not None else after
            record = uow.curation.record(community_id, kind, key, action, before, after, actor, undoes)
            uow.knowledge.bump_override_version(community_id)
            uow.commit()
        if self.knowledge is not None:
            self.knowledge.invalidate()  # this process sees its own change at once
        return record

    def find_change(self, community_id: str, change_id: int) -> ChangeRecord | None:
        with self.uow() as uow:
            return uow.curation.find(community_id, change_id)

    def history(self, community_id: str, thing: str | None, limit: int) -> list[ChangeRecord]:
        with self.uow() as uow:
            return uow.curation.history(community_id, thing, limit)

class SqlDigestLedger:
    """`bot.ports.DigestLedger` on the database: each call its own short transaction, committed at once.

    The claim commits before anything is sent, so a second process sees it (or waits on the row) and
    a crash after it leaves a visible, retryable row.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def digest_communities(self) -> list[str]:
        with self.uow() as uow:
            return uow.digests.digest_communities()

    def sent_weeks(self, community_id: str) -> frozenset[str]:
        with self.uow() as uow:
            return uow.digests.sent_weeks(community_id)

    def claim(self, community_id: str, week: str, slot_at: datetime, owner: str, now: datetime,
              stale_before: datetime) -> bool:
        with self.uow() as uow:
            won = uow.digests.claim(community_id, week, slot_at, owner, now, stale_before)
            uow.commit()
            return won

    def mark_sent(self, community_id: str, week: str, owner: str, now: datetime, channel: str | None,
                  summary: dict[str, Any]) -> bool:
        with self.uow() as uow:
            done = uow.digests.mark_sent(community_id, week, owner, now, channel, summary)
            uow.commit()
            return done

    def history(self, community_id: str | None = None) -> list[dict[str, Any]]:
        with self.uow() as uow:
            return uow.digests.history(community_id)

    def pending(self, community_id: str | None = None) -> list[dict[str, Any]]:
        with self.uow() as uow:
            return uow.digests.pending(community_id)
