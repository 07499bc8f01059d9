"""Votes and their history, in the caller's unit of work."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlmodel import Session

from bot.consensus import LABELS, Vote
from bot.votes import ClipRef
from storage.tables import CheckRecord, Clip, VoteChange, VoteRow, utcnow

# The hot path of `/vote` as prepared text: building and caching expression statements cost more than the
# statements themselves on SQLite (bench/votes.py).
_CLIP_BY = {
    key: text(f"SELECT c.id, c.canonical_url, c.short_id FROM clip c WHERE c.{key} = :k AND EXISTS "
              "(SELECT 1 FROM check_record r WHERE r.community_id = :c AND r.clip_id = c.id)")
    for key in ("canonical_url", "short_id")
}
# The clip and the member's current vote on it in one round trip (SQLite, where the write lock is held).
_CLIP_AND_VOTE_BY = {
    key: text("SELECT c.id, c.canonical_url, c.short_id, v.label FROM clip c LEFT JOIN vote v ON "
              f"v.community_id = :c AND v.clip_id = c.id AND v.member = :m WHERE c.{key} = :k AND EXISTS "
              "(SELECT 1 FROM check_record r WHERE r.community_id = :c AND r.clip_id = c.id)")
    for key in ("canonical_url", "short_id")
}
_CURRENT = "SELECT label FROM vote WHERE community_id = :c AND clip_id = :i AND member = :m"
_CURRENT_LOCKED = {"postgresql": text(_CURRENT + " FOR UPDATE")}
_CURRENT_PLAIN = text(_CURRENT)  # SQLite: one writer at a time already
_INSERT = text("INSERT INTO vote (community_id, clip_id, member, label, created_at, updated_at) "
               "VALUES (:c, :i, :m, :l, :t, :t)")
_UPDATE = text("UPDATE vote SET label = :l, updated_at = :t WHERE community_id = :c AND clip_id = :i AND member = :m")
_CHANGE = text("INSERT INTO vote_change (community_id, clip_id, member, at, before, after) "
               "VALUES (:c, :i, :m, :t, :b, :l)")
# SQLite's driver begins a transaction only at the first write, so a read-then-write would read outside
# it and could act on a vote another process just changed; a write that matches nothing takes the
# file's write lock first, and every read after it sees the latest votes.
_SQLITE_WRITE_LOCK = text("UPDATE vote SET id = id WHERE 1 = 0")
_TALLY = text("SELECT label, count(*) FROM vote WHERE community_id = :c AND clip_id = :i GROUP BY label")


class VoteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_for_write(self) -> None:
        """Before reading what a vote will change: Postgres locks the rows it reads (FOR UPDATE); SQLite needs this."""
        conn = self.session.connection()
        if conn.dialect.name == "sqlite":
            conn.execute(_SQLITE_WRITE_LOCK)

    def checked_clip(self, community_id: str, canonical_url: str | None, short_id: str | None) -> ClipRef | None:
        """The clip if this community checked it (one indexed probe of check_record)."""
        if canonical_url is not None:
            stmt, key = _CLIP_BY["canonical_url"], canonical_url
        else:
            stmt, key = _CLIP_BY["short_id"], short_id
        row = self.session.connection().execute(stmt, {"k": key, "c": community_id}).first()
        return ClipRef(row[0], row[1], row[2] or "") if row else None

    def clip_and_vote(self, community_id: str, canonical_url: str | None, short_id: str | None,
                      member: str) -> tuple[ClipRef, str | None] | None:
        """The checked clip and the member's vote on it; only under SQLite's write lock (`lock_for_write`)."""
        key = "canonical_url" if canonical_url is not None else "short_id"
        row = self.session.connection().execute(
            _CLIP_AND_VOTE_BY[key], {"k": canonical_url if canonical_url is not None else short_id,
                                     "c": community_id, "m": member}).first()
        return (ClipRef(row[0], row[1], row[2] or ""), row[3]) if row else None

    def set_vote(self, community_id: str, clip_id: int, member: str, label: str, before: str | None) -> None:
        """Write a vote whose current value the caller read under the write lock, with its history row."""
        if before == label:
            return
        conn = self.session.connection()
        params = {"c": community_id, "i": clip_id, "m": member, "l": label, "t": utcnow(), "b": before}
        conn.execute(_INSERT if before is None else _UPDATE, params)
        conn.execute(_CHANGE, params)

    def tallies(self, community_id: str, clip_ids: list[int]) -> dict[int, dict[str, int]]:
        """Several clips' tallies in one query (a batch of votes answers each voter with their clip's)."""
        v = VoteRow.__table__
        out = {i: dict.fromkeys(LABELS, 0) for i in clip_ids}
        for clip_id, label, n in self.session.connection().execute(
            select(v.c.clip_id, v.c.label, func.count()).where(v.c.community_id == community_id,
                                                                 v.c.clip_id.in_(clip_ids))
            .group_by(v.c.clip_id, v.c.label)
        ):
            if label in out[clip_id]:
                out[clip_id][label] = int(n)
        return out

    def cast(self, community_id: str, clip_id: int, member: str, label: str) -> str | None:
        """Set the member's vote and add a history row when it changed; returns the vote before.

        The current row is read FOR UPDATE (Postgres), so two changes by one member queue up and each
        history row's `before` is what was really there. Two first votes racing both insert; the unique
        (community, clip, member) key refuses the second, whose unit of work is then retried as a change.
        """
        conn = self.session.connection()
        params = {"c": community_id, "i": clip_id, "m": member, "l": label}
        before = conn.execute(_CURRENT_LOCKED.get(conn.dialect.name, _CURRENT_PLAIN), params).scalar()
        if before == label:
            return before
        params |= {"t": utcnow(), "b": before}
        conn.execute(_INSERT if before is None else _UPDATE, params)
        conn.execute(_CHANGE, params)
        return before

    def tally(self, community_id: str, clip_id: int) -> dict[str, int]:
        out = dict.fromkeys(LABELS, 0)
        for label, n in self.session.connection().execute(_TALLY, {"c": community_id, "i": clip_id}):
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

    def count(self, community_id: str) -> int:
        v = VoteRow.__table__
        return int(self.session.connection().execute(
            select(func.count()).select_from(v).where(v.c.community_id == community_id)).scalar() or 0)

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
