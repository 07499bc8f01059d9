"""The digest ledger: which community's digest for which week is claimed, by whom, and whether it went out.

Exactly once across processes rests on the database, not on timing: a claim is an
`INSERT ... ON CONFLICT (community_id, week) DO NOTHING`, so of two processes waking at the same second
one inserts the row and the other inserts nothing. A claim whose process died before marking it sent is
taken over by a conditional UPDATE (`sent_at IS NULL AND claimed_at < stale`), which also lets exactly
one of several retrying processes win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.tables import CommunitySettingsRow, DigestPost


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, community_id: str, week: str, slot_at: datetime, owner: str, now: datetime,
              stale_before: datetime) -> bool:
        """True when `owner` now holds the (community, week) post: a fresh claim or a takeover of a stale one."""
        conn = self.session.connection()
        t = DigestPost.__table__
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t).values(community_id=community_id, week=week, slot_at=slot_at, claimed_at=now,
                                claimed_by=owner, attempts=1)
        stmt = stmt.on_conflict_do_nothing(index_elements=["community_id", "week"]).returning(t.c.id)
        if conn.execute(stmt).scalar() is not None:
            return True
        taken = conn.execute(
            update(t)
            .where(t.c.community_id == community_id, t.c.week == week, t.c.sent_at.is_(None),
                   t.c.claimed_at < stale_before)
            .values(claimed_at=now, claimed_by=owner, attempts=t.c.attempts + 1)
        )
        return taken.rowcount == 1

    def mark_sent(self, community_id: str, week: str, owner: str, now: datetime, channel: str | None,
                  summary: dict[str, Any]) -> bool:
        """False when the claim is no longer ours (another process took it over while we were slow)."""
        t = DigestPost.__table__
        done = self.session.connection().execute(
            update(t)
            .where(t.c.community_id == community_id, t.c.week == week, t.c.claimed_by == owner,
                   t.c.sent_at.is_(None))
            .values(sent_at=now, channel=channel, summary=summary)
        )
        return done.rowcount == 1

    def sent_weeks(self, community_id: str) -> frozenset[str]:
        t = DigestPost.__table__
        rows = self.session.connection().execute(
            sa_select(t.c.week).where(t.c.community_id == community_id, t.c.sent_at.is_not(None))
        )
        return frozenset(r.week for r in rows)

    def history(self, community_id: str | None = None) -> list[dict[str, Any]]:
        """Digests sent, newest slot first; a claim still in flight is not a posted digest."""
        t = DigestPost.__table__
        q = sa_select(t).where(t.c.sent_at.is_not(None))
        if community_id is not None:
            q = q.where(t.c.community_id == community_id)
        rows = self.session.connection().execute(q.order_by(t.c.slot_at.desc(), t.c.community_id))
        return [{"community": r.community_id, "week": r.week, "slot_at": r.slot_at.isoformat(),
                 "sent_at": r.sent_at.isoformat(), "channel": r.channel, "attempts": r.attempts,
                 "summary": r.summary or {}} for r in rows]

    def pending(self, community_id: str | None = None) -> list[dict[str, Any]]:
        """Claims not marked sent: a post in flight, or one whose process died (retried after the timeout)."""
        t = DigestPost.__table__
        q = sa_select(t).where(t.c.sent_at.is_(None))
        if community_id is not None:
            q = q.where(t.c.community_id == community_id)
        return [{"community": r.community_id, "week": r.week, "claimed_at": r.claimed_at.isoformat(),
                 "claimed_by": r.claimed_by, "attempts": r.attempts}
                for r in self.session.connection().execute(q.order_by(t.c.id))]

    def digest_communities(self) -> list[str]:
        """Communities whose settings name a digest channel and slot; the scheduler reads each one's settings."""
        t = CommunitySettingsRow.__table__
        found = []
        for cid, doc in self.session.connection().execute(sa_select(t.c.community_id, t.c.settings)):
            doc = doc or {}
            if doc.get("digest_channel") and doc.get("digest_weekday") is not None \
                    and doc.get("digest_hour") is not None:
                found.append(cid)
        return sorted(found)
