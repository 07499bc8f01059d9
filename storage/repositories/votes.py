"""Votes and their history, in the caller's unit of work."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlmodel import Session

from bot.consensus import LABELS, Vote
from bot.votes import ClipRef
from storage.tables import CheckRecord, Clip, VoteChange, VoteRow, utcnow


class VoteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def checked_clip(self, community_id: str, canonical_url: str | None, short_id: str | None) -> ClipRef | None:
        """The clip if this community checked it (one indexed probe of check_record)."""
        c, r = Clip.__table__, CheckRecord.__table__
        where = c.c.canonical_url == canonical_url if canonical_url is not None else c.c.short_id == short_id
        checked = exists().where(r.c.community_id == community_id, r.c.clip_id == c.c.id)
        row = self.session.connection().execute(
            select(c.c.id, c.c.canonical_url, c.c.short_id).where(where, checked)
        ).first()
        return ClipRef(row.id, row.canonical_url, row.short_id or "") if row else None

    def cast(self, community_id: str, clip_id: int, member: str, label: str) -> str | None:
        """Set the member's vote and add a history row when it changed; returns the vote before.

        The current row is read FOR UPDATE (Postgres), so two changes by one member queue up and each
        history row's `before` is what was really there. Two first votes racing both insert; the unique
        (community, clip, member) key refuses the second, whose unit of work is then retried as a change.
        """
        v = VoteRow.__table__
        conn = self.session.connection()
        key = (v.c.community_id == community_id, v.c.clip_id == clip_id, v.c.member == member)
        before = conn.execute(select(v.c.label).where(*key).with_for_update()).scalar()
        if before == label:
            return before
        now = utcnow()
        if before is None:
            conn.execute(v.insert().values(community_id=community_id, clip_id=clip_id, member=member, label=label,
                                           created_at=now, updated_at=now))
        else:
            conn.execute(v.update().where(*key).values(label=label, updated_at=now))
        conn.execute(VoteChange.__table__.insert().values(community_id=community_id, clip_id=clip_id,
                                                          member=member, at=now, before=before, after=label))
        return before

    def tally(self, community_id: str, clip_id: int) -> dict[str, int]:
        v = VoteRow.__table__
        out = dict.fromkeys(LABELS, 0)
        for label, n in self.session.connection().execute(
            select(v.c.label, func.count()).where(v.c.community_id == community_id, v.c.clip_id == clip_id)
            .group_by(v.c.label)
        ):
            if label in out:
                out[label] = int(n)
        return out

    def tally_by_url(self, community_id: str, canonical_url: str) -> dict[str, int]:
        c = Clip.__table__
        clip_id = self.session.connection().execute(
            select(c.c.id).where(c.c.canonical_url == canonical_url)).scalar()
        return self.tally(community_id, clip_id) if clip_id is not None else dict.fromkeys(LABELS, 0)

    def version(self, community_id: str) -> int:
        h = VoteChange.__table__
        return int(self.session.connection().execute(
            select(func.max(h.c.id)).where(h.c.community_id == community_id)).scalar() or 0)

    def all_votes(self, community_id: str) -> list[Vote]:
        v = VoteRow.__table__
        rows = self.session.connection().execution_options(yield_per=50_000).execute(
            select(v.c.member, v.c.clip_id, v.c.label).where(v.c.community_id == community_id))
        return [Vote(m, str(c), lab) for m, c, lab in rows]

    def history(self, community_id: str, clip_id: int) -> list[dict[str, object]]:
        h = VoteChange.__table__
        rows = self.session.connection().execute(
            select(h.c.id, h.c.member, h.c.at, h.c.before, h.c.after)
            .where(h.c.community_id == community_id, h.c.clip_id == clip_id).order_by(h.c.id))
        return [{"id": r.id, "member": r.member, "at": r.at, "before": r.before, "after": r.after} for r in rows]

    def most_checked(self, community_id: str, model_id: str, limit: int = 5) -> list[tuple[ClipRef, int]]:
        """This model's clips checked most often in this community (ties: the earliest clip first)."""
        r, c = CheckRecord.__table__, Clip.__table__
        n = func.count().label("n")
        top = (select(r.c.clip_id, n).where(r.c.community_id == community_id, r.c.model_id == model_id)
               .group_by(r.c.clip_id).order_by(n.desc(), r.c.clip_id).limit(limit).subquery())
        rows = self.session.connection().execute(
            select(c.c.id, c.c.canonical_url, c.c.short_id, top.c.n).join(top, top.c.clip_id == c.c.id)
            .order_by(top.c.n.desc(), c.c.id))
        return [(ClipRef(x.id, x.canonical_url, x.short_id or ""), int(x.n)) for x in rows]
