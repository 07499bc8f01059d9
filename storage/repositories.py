"""Repository functions the core calls through its ports; the only place that builds queries."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from bot.digest import DigestFigures
from bot.knowledge import Capability, Claim, KnowledgeBase, Model, Source
from bot.ports import Actor, CachedMetadata
from bot.results import CheckResult
from storage.db import DatabaseError, explain
from storage.tables import (
    GLOBAL,
    CheckRecord,
    Clip,
    KbAlias,
    KbCapability,
    KbChange,
    KbClaim,
    KbMeta,
    KbModel,
    MetadataCache,
    utcnow,
)

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
KB_VERSION_KEY = "kb_version"


@dataclass
class ImportReport:
    models: int = 0
    capabilities: int = 0
    claims_created: int = 0
    claims_updated: int = 0
    claims_retired: int = 0
    claims_unchanged: int = 0
    version: str = ""
    notes: list[str] = field(default_factory=list)


def _claim_key(model: str, capability: str, derived_from: str, sources: list[dict[str, Any]]) -> tuple:
    first = sources[0]["url"] if sources else ""
    return (model, capability, derived_from or "", first)


def _claim_row_json(row: KbClaim) -> dict[str, Any]:
    return {
        "model": row.model_id,
        "capability": row.capability_id,
        "rating": row.rating,
        "note": row.note,
        "derived_from": row.derived_from,
        "sources": row.sources,
    }


def _insert_for(dialect: str):  # type: ignore[no-untyped-def]
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _translated(fn: F) -> F:
    """Database failures leave as DatabaseError with a one-line explanation, never a raw driver error."""

    @functools.wraps(fn)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            log.warning("database error in %s: %s", fn.__name__, type(exc).__name__)
            raise DatabaseError(explain(exc, self.engine.url.render_as_string(hide_password=True))) from exc

    return wrapper  # type: ignore[return-value]


class Store:
    """One engine, short sessions; implements KnowledgeSource, MetadataCache and CheckLog."""

    def __init__(self, engine: Engine, version_check_interval: float = 1.0) -> None:
        self.engine = engine
        self.version_check_interval = version_check_interval
        self._kb: KnowledgeBase | None = None
        self._kb_checked_at = float("-inf")
        self._kb_lock = threading.Lock()

    # -- knowledge base -----------------------------------------------------------------------

    @_translated
    def kb_version(self) -> str:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa_select(KbMeta.value).where(KbMeta.key == KB_VERSION_KEY)  # type: ignore[arg-type]
            ).scalar()
            return value or ""

    @_translated
    def knowledge_base(self, community_id: str = GLOBAL) -> KnowledgeBase:
        """The current snapshot; rebuilt only when the stored version changes.

        Per-community overrides will layer on top of the global snapshot here.
        """
        kb = self._kb
        now = time.monotonic()
        if kb is not None and now - self._kb_checked_at < self.version_check_interval:
            return kb  # another process's curation shows up within the interval
        version = self.kb_version()
        self._kb_checked_at = now
        if kb is not None and kb.version == version:
            return kb
        with self._kb_lock:
            if self._kb is None or self._kb.version != version:
                self._kb = self._load_kb(version)
            return self._kb

    def _load_kb(self, version: str) -> KnowledgeBase:
        with Session(self.engine) as s:
            aliases: dict[str, list[str]] = {}
            for a in s.exec(select(KbAlias).order_by(KbAlias.model_id, KbAlias.position)):
                aliases.setdefault(a.model_id, []).append(a.alias)
            models = tuple(
                Model(
                    id=m.id, name=m.name, vendor=m.vendor, released=m.released,
                    aliases=tuple(aliases.get(m.id, ())), sites=tuple(m.sites), hashtags=tuple(m.hashtags),
                    workflows=tuple(m.workflows), notes=m.notes, official_accounts=tuple(m.official_accounts),
                )
                for m in s.exec(select(KbModel).where(KbModel.retired == False).order_by(KbModel.id))  # noqa: E712
            )
            caps = tuple(
                Capability(
                    id=c.id, name=c.name, parent=c.parent_id, terms=tuple(c.terms),
                    not_terms=tuple(c.not_terms), description=c.description, implies=tuple(c.implies),
                    unless=tuple(c.unless),
                )
                for c in s.exec(select(KbCapability).order_by(KbCapability.position, KbCapability.id))
            )
            live = {m.id for m in models}
            claims = tuple(
                Claim(
                    model=c.model_id, capability=c.capability_id, rating=c.rating, note=c.note,
                    sources=tuple(Source(str(x.get("url", "")), str(x.get("date", "")), str(x.get("note", "")))
                                  for x in c.sources),
                    derived_from=c.derived_from, id=c.id,
                )
                for c in s.exec(
                    select(KbClaim)
                    .where(KbClaim.community_id == GLOBAL, KbClaim.retired_at.is_(None))  # type: ignore[union-attr]
                    .order_by(KbClaim.id)
                )
                if c.model_id in live
            )
        return KnowledgeBase(models, caps, claims, version=version or "empty")

    @_translated
    def is_kb_empty(self) -> bool:
        with Session(self.engine) as s:
            return (s.exec(select(func.count()).select_from(KbModel)).one() or 0) == 0

    @_translated
    def import_knowledge(self, kb: KnowledgeBase, actor: str = "seed") -> ImportReport:
        """Upsert models, capabilities and claims from files; one transaction, history kept.

        Claims are matched on (model, capability, derived_from, first source URL). Claims this
        importer created earlier and that are no longer in the files are retired, never deleted;
        claims curated by people through the bot are left alone.
        """
        report = ImportReport()
        now = utcnow()
        with Session(self.engine) as s:
            existing_models = {m.id: m for m in s.exec(select(KbModel))}
            for m in kb.models:
                row = existing_models.get(m.id) or KbModel(id=m.id, name=m.name)
                row.name, row.vendor, row.released = m.name, m.vendor, m.released
                row.sites, row.hashtags, row.workflows = list(m.sites), list(m.hashtags), list(m.workflows)
                row.notes, row.retired, row.updated_at = m.notes, False, now
                row.official_accounts = list(m.official_accounts)
                s.add(row)
                report.models += 1
            s.flush()
            for a in s.exec(select(KbAlias)):
                s.delete(a)
            s.flush()
            seen_alias: set[str] = set()
            for m in kb.models:
                for i, alias in enumerate(m.aliases):
                    key = alias.lower()
                    if key in seen_alias:
                        report.notes.append(f"alias {alias!r} of {m.id} skipped: already used")
                        continue
                    seen_alias.add(key)
                    s.add(KbAlias(model_id=m.id, alias=key, position=i))
            existing_caps = {c.id: c for c in s.exec(select(KbCapability))}
            for i, c in enumerate(kb.capabilities):
                row = existing_caps.get(c.id) or KbCapability(id=c.id, name=c.name)
                row.name, row.parent_id, row.description = c.name, c.parent, c.description
                row.terms, row.not_terms, row.position = list(c.terms), list(c.not_terms), i
                row.implies, row.unless = list(c.implies), list(c.unless)
                s.add(row)
                report.capabilities += 1
            s.flush()

            current = {
                _claim_key(r.model_id, r.capability_id, r.derived_from, r.sources): r
                for r in s.exec(select(KbClaim).where(KbClaim.community_id == GLOBAL))
            }
            wanted: set[tuple] = set()
            for c in kb.claims:
                sources = [{"url": x.url, "date": x.date, "note": x.note} for x in c.sources]
                key = _claim_key(c.model, c.capability, c.derived_from, sources)
                if key in wanted:
                    continue
                wanted.add(key)
                row = current.get(key)
                if row is None:
                    row = KbClaim(
                        model_id=c.model, capability_id=c.capability, rating=c.rating, note=c.note,
                        derived_from=c.derived_from, sources=sources, curated_by=actor,
                    )
                    s.add(row)
                    s.flush()
                    s.add(KbChange(actor=actor, entity="claim", entity_id=str(row.id), action="create",
                                   after=_claim_row_json(row)))
                    report.claims_created += 1
                    continue
                before = _claim_row_json(row)
                if row.rating == c.rating and row.note == c.note and row.sources == sources and \
                        row.retired_at is None:
                    report.claims_unchanged += 1
                    continue
                row.rating, row.note, row.sources, row.retired_at, row.updated_at = (
                    c.rating, c.note, sources, None, now,
                )
                s.add(row)
                s.add(KbChange(actor=actor, entity="claim", entity_id=str(row.id), action="update",
                               before=before, after=_claim_row_json(row)))
                report.claims_updated += 1
            for key, row in current.items():
                if key in wanted or row.retired_at is not None or row.curated_by != actor:
                    continue
                before = _claim_row_json(row)
                row.retired_at = now
                s.add(row)
                s.add(KbChange(actor=actor, entity="claim", entity_id=str(row.id), action="retire",
                               before=before))
                report.claims_retired += 1
            s.flush()
            report.version = self._bump_version(s)
            s.commit()
        self._kb_checked_at = float("-inf")  # this process sees its own import at once
        return report

    def _bump_version(self, s: Session) -> str:
        """The version is a hash of the live content, so equal knowledge means equal version."""
        digest = hashlib.sha256()
        for m in s.exec(select(KbModel).order_by(KbModel.id)):
            digest.update(json.dumps([m.id, m.name, m.sites, m.hashtags, m.workflows, m.retired,
                                      m.official_accounts]).encode())
        for a in s.exec(select(KbAlias).order_by(KbAlias.alias)):
            digest.update(f"a:{a.model_id}:{a.alias}".encode())
        for c in s.exec(select(KbCapability).order_by(KbCapability.id)):
            digest.update(json.dumps([c.id, c.parent_id, c.name, c.terms, c.not_terms, c.implies, c.unless,
                                      c.position]).encode())
        for r in s.exec(select(KbClaim).where(KbClaim.retired_at.is_(None)).order_by(KbClaim.id)):  # type: ignore[union-attr]
            digest.update(json.dumps([r.id, r.community_id, _claim_row_json(r)], sort_keys=True).encode())
        version = digest.hexdigest()[:12]
        row = s.get(KbMeta, KB_VERSION_KEY) or KbMeta(key=KB_VERSION_KEY)
        row.value = version
        s.add(row)
        return version

    @_translated
    def claim_history(self, claim_id: int) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            rows = s.exec(
                select(KbChange).where(KbChange.entity == "claim", KbChange.entity_id == str(claim_id))
                .order_by(KbChange.id)
            )
            return [{"actor": r.actor, "at": r.at.isoformat(), "action": r.action, "before": r.before,
                     "after": r.after} for r in rows]

    # -- metadata cache -----------------------------------------------------------------------

    @_translated
    def cached_metadata(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None:
        t = MetadataCache.__table__
        with self.engine.connect() as conn:
            row = conn.execute(sa_select(t).where(t.c.canonical_url == canonical_url)).first()
        if row is None:
            return None
        fetched_at = row.fetched_at if row.fetched_at.tzinfo else row.fetched_at.replace(tzinfo=UTC)
        if datetime.now(UTC) - fetched_at > max_age:
            return None
        return CachedMetadata(row.fetched, row.title, row.description, row.author, row.error, row.is_video)

    @_translated
    def save_metadata(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None:
        with Session(self.engine) as s:
            row = s.get(MetadataCache, canonical_url) or MetadataCache(canonical_url=canonical_url, fetched=False)
            row.fetched, row.title, row.description = metadata.fetched, metadata.title, metadata.description
            row.author, row.error, row.source, row.fetched_at = (
                metadata.author, (metadata.error or None) and metadata.error[:500], source, utcnow(),
            )
            row.is_video = metadata.video
            s.add(row)
            s.commit()

    # -- checks -------------------------------------------------------------------------------

    @_translated
    def record_check(
        self, actor: Actor, platform: str, video_id: str | None, caption: str | None, result: CheckResult
    ) -> None:
        """Clip and check in one transaction: either both are stored or neither.

        Core statements rather than ORM objects: this runs on every check and is the hot path.
        """
        clips, checks = Clip.__table__, CheckRecord.__table__
        url = result.clip.canonical_url
        with self.engine.begin() as conn:
            clip_id = conn.execute(sa_select(clips.c.id).where(clips.c.canonical_url == url)).scalar()
            if clip_id is None:
                insert = _insert_for(conn.dialect.name)(clips).values(
                    canonical_url=url, platform=platform, video_id=video_id, first_seen_at=utcnow()
                )
                conn.execute(insert.on_conflict_do_nothing(index_elements=["canonical_url"]))
                clip_id = conn.execute(sa_select(clips.c.id).where(clips.c.canonical_url == url)).scalar_one()
            conn.execute(checks.insert().values(
                community_id=actor.community_id, actor_id=actor.user_id, clip_id=clip_id, url=result.clip.url,
                caption=caption, model_id=result.signals.model.id if result.signals.model else None,
                level=result.level, kb_version=result.kb_version, result=result.to_json(), created_at=utcnow(),
            ))

    @_translated
    def recent_checks(self, community_id: str, limit: int = 20) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            rows = s.exec(
                select(CheckRecord).where(CheckRecord.community_id == community_id)
                .order_by(CheckRecord.id.desc()).limit(limit)  # type: ignore[union-attr]
            )
            return [{"url": r.url, "level": r.level, "model": r.model_id, "at": r.created_at.isoformat()}
                    for r in rows]

    @_translated
    def digest_figures(self, community_id: str, since: datetime) -> DigestFigures:
        """This community's checks since `since`: levels, models and kinds of shot, plus curation count."""
        from collections import Counter

        levels: Counter[str] = Counter()
        models: Counter[str] = Counter()
        shown: Counter[str] = Counter()
        checks = 0
        t = CheckRecord.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa_select(t.c.level, t.c.model_id, t.c.result)
                .where(t.c.community_id == community_id, t.c.created_at >= since)
                .order_by(t.c.id.desc()).limit(20_000)
            )
            for level, model_id, result in rows:
                checks += 1
                levels[level] += 1
                if model_id:
                    models[model_id] += 1
                for item in (result or {}).get("shown", []):
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        shown[item["id"]] += 1
            c = KbChange.__table__
            changes = conn.execute(
                sa_select(func.count()).select_from(c)
                .where(c.c.at >= since, c.c.community_id.in_([GLOBAL, community_id]), c.c.actor != "seed")
            ).scalar() or 0
        return DigestFigures(checks, dict(levels), dict(models), dict(shown), changes)

    @_translated
    def count_checks(self, community_id: str | None = None) -> int:
        with Session(self.engine) as s:
            q = select(func.count()).select_from(CheckRecord)
            if community_id is not None:
                q = q.where(CheckRecord.community_id == community_id)
            return s.exec(q).one()
