"""What a clip's page said (title, author, whether it declares a video), cached by canonical URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from bot.ports import CachedMetadata
from storage.tables import MetadataCache, utcnow

_TABLE = MetadataCache.__table__
# Built once: every check reads the cache, and building the select each time cost more than running it.
_BY_URL = sa_select(_TABLE).where(_TABLE.c.canonical_url == bindparam("canonical_url"))


class MetadataRepository:
    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock  # one clock for the age written and the age read, so a test can stand on `max_age`

    def get(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None:
        row = self.session.connection().execute(_BY_URL, {"canonical_url": canonical_url}).first()
        if row is None:
            return None
        fetched_at = row.fetched_at if row.fetched_at.tzinfo else row.fetched_at.replace(tzinfo=UTC)
        if self.clock() - fetched_at > max_age:
            return None
        return CachedMetadata(row.fetched, row.title, row.description, row.author, row.error, row.is_video)

    def save(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None:
        s = self.session
        row = s.get(MetadataCache, canonical_url) or MetadataCache(canonical_url=canonical_url, fetched=False)
        row.fetched, row.title, row.description = metadata.fetched, metadata.title, metadata.description
        row.author, row.error, row.source, row.fetched_at = (
            metadata.author, (metadata.error or None) and metadata.error[:500], source, self.clock(),
        )
        row.is_video = metadata.video
        s.add(row)
