"""Clips and the checks members ran on them: the hot path of every check, and the digest's figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, text
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from bot.digest import DigestFigures
from bot.ports import CheckRecordIn
from storage.tables import GLOBAL, CheckRecord, Clip, KbChange, utcnow


def _insert_for(dialect: str):  # type: ignore[no-untyped-def]
    return pg_insert if dialect == "postgresql" else sqlite_insert


_CLIP_UPSERTS: dict[str, Any] = {}


def _clip_upsert(dialect: str) -> Any:
    """The clip upsert, built once per dialect with bound parameters.

    Building it with literal `.values(...)` on every check cost more than the database work itself:
    SQLAlchemy re-derived the statement and its cache key each time (bench/check_speed.py).
    """
    stmt = _CLIP_UPSERTS.get(dialect)
    if stmt is None:
        clips = Clip.__table__
        stmt = _insert_for(dialect)(clips).values(
            canonical_url=bindparam("canonical_url"), platform=bindparam("platform"),
            video_id=bindparam("video_id"), first_seen_at=bindparam("first_seen_at"),
            short_id=bindparam("short_id"),
        )
        stmt = stmt.on_conflict_do_update(index_elements=["canonical_url"],
                                          set_={"short_id": stmt.excluded.short_id}).returning(clips.c.id)
        _CLIP_UPSERTS[dialect] = stmt
    return stmt


class CheckRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, records: Sequence[CheckRecordIn]) -> None:
        """Each clip upserted and its check inserted, in the caller's transaction.

        Core statements rather than ORM objects, and one upsert with RETURNING per clip instead of a
        select-insert-select: this runs on every check.
        """
        if not records:
            return
        conn = self.session.connection()
        checks = CheckRecord.__table__
        upsert = _clip_upsert(conn.dialect.name)
        now = utcnow()
        clip_ids: dict[str, int] = {}
        rows = []
        for rec in records:
            url = rec.result.clip.canonical_url
            clip_id = clip_ids.get(url)
            if clip_id is None:
                clip_id = conn.execute(upsert, {
                    "canonical_url": url, "platform": rec.platform, "video_id": rec.video_id,
                    "first_seen_at": now, "short_id": rec.result.clip_id,
                }).scalar_one()
                clip_ids[url] = clip_id
            result = rec.result
            rows.append({
                "community_id": rec.community_id, "actor_id": rec.actor_id, "clip_id": clip_id,
                "url": result.clip.url, "caption": rec.caption,
                "model_id": result.signals.model.id if result.signals.model else None,
                "level": str(result.level), "kb_version": result.kb_version, "result": result.to_json(),
                "created_at": now, "shown_ids": [x.id for x in result.signals.shown],
            })
        conn.execute(checks.insert(), rows)

    def canonical_url(self, short_id: str) -> str | None:
        t = Clip.__table__
        return self.session.connection().execute(
            sa_select(t.c.canonical_url).where(t.c.short_id == short_id)
        ).scalar()

    def recent(self, community_id: str, limit: int = 20) -> list[dict[str, Any]]:
        t = CheckRecord.__table__
        rows = self.session.connection().execute(
            sa_select(t.c.url, t.c.level, t.c.model_id, t.c.created_at)
            .where(t.c.community_id == community_id).order_by(t.c.id.desc()).limit(limit)
        )
        return [{"url": r.url, "level": r.level, "model": r.model_id, "at": r.created_at.isoformat()} for r in rows]

    def count(self, community_id: str | None = None) -> int:
        t = CheckRecord.__table__
        q = sa_select(func.count()).select_from(t)
        if community_id is not None:
            q = q.where(t.c.community_id == community_id)
        return int(self.session.connection().execute(q).scalar() or 0)

    def digest_figures(self, community_id: str, since: datetime, until: datetime | None = None) -> DigestFigures:
        """This community's checks in [since, until): levels, models and kinds of shot, plus curation count.

        Everything is counted by the database, the kinds of shot too (from each stored result's `shown`),
        so a busy week is counted whole rather than cut off at some row limit, and no result crosses the
        wire: 100,000 checks a week took 8 s when streamed and parsed in Python (bench/digest_speed.py).
        """
        t = CheckRecord.__table__
        conn = self.session.connection()
        where = [t.c.community_id == community_id, t.c.created_at >= since]
        if until is not None:
            where.append(t.c.created_at < until)
        levels: Counter[str] = Counter()
        models: Counter[str] = Counter()
        for level, model_id, n in conn.execute(
            sa_select(t.c.level, t.c.model_id, func.count()).where(*where).group_by(t.c.level, t.c.model_id)
        ):
            levels[level] += n
            if model_id:
                models[model_id] += n
        shown = self._shown_counts(community_id, since, until)
        c = KbChange.__table__
        change_where = [c.c.at >= since, c.c.community_id.in_([GLOBAL, community_id]), c.c.actor != "seed"]
        if until is not None:
            change_where.append(c.c.at < until)
        changes = conn.execute(sa_select(func.count()).select_from(c).where(*change_where)).scalar() or 0
        return DigestFigures(sum(levels.values()), dict(levels), dict(models), shown, int(changes))

    def _shown_counts(self, community_id: str, since: datetime, until: datetime | None) -> dict[str, int]:
        """Capability id -> checks that showed it.

        From the small `shown_ids` column (migration 0010) where it is set; a row stored without it (by a
        process of an older version) is read from its full result instead, so no check goes uncounted.
        """
        conn = self.session.connection()
        params: dict[str, Any] = {"c": community_id, "since": since}
        window = "t.community_id = :c AND t.created_at >= :since"
        bind = CheckRecord.__table__.c.created_at.type  # the same UTC conversion as every other query here
        binds = [bindparam("since", type_=bind)]
        if until is not None:
            window += " AND t.created_at < :until"
            params["until"] = until
            binds.append(bindparam("until", type_=bind))
        if conn.dialect.name == "postgresql":
            fast = ("SELECT e, count(*) FROM check_record t CROSS JOIN LATERAL json_array_elements_text(t.shown_ids) e "
                    f"WHERE {window} AND json_typeof(t.shown_ids) = 'array' GROUP BY 1")
            old = ("SELECT e->>'id', count(*) FROM check_record t CROSS JOIN LATERAL json_array_elements("
                   "CASE WHEN json_typeof(t.result->'shown') = 'array' THEN t.result->'shown' ELSE '[]'::json END) e "
                   f"WHERE {window} AND json_typeof(t.shown_ids) IS DISTINCT FROM 'array' "
                   "AND json_typeof(e) = 'object' AND json_typeof(e->'id') = 'string' GROUP BY 1")
        else:
            fast = ("SELECT e.value, count(*) FROM check_record t, json_each(t.shown_ids) e "
                    f"WHERE {window} AND json_type(t.shown_ids) = 'array' AND e.type = 'text' GROUP BY 1")
            old = ("SELECT json_extract(e.value, '$.id'), count(*) "
                   "FROM check_record t, json_each(t.result, '$.shown') e "
                   f"WHERE {window} AND json_type(t.shown_ids) IS NOT 'array' "
                   "AND json_type(t.result, '$.shown') = 'array' AND e.type = 'object' "
                   "AND json_type(e.value, '$.id') = 'text' GROUP BY 1")
        counts: Counter[str] = Counter()
        for sql in (fast, old):
            for cap, n in conn.execute(text(sql).bindparams(*binds), params):
                counts[cap] += int(n)
        return dict(counts)
