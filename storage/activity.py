"""What the weekly digest needs from votes and attempts (`bot.digest.CommunityActivity`), on the database.

Each method is one short read; the digest job runs them on the storage thread once a week per
community, so they favour plain queries over caches.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from bot.consensus import LABELS, Vote, community_consensus
from bot.digest import AttemptMover, AttemptSummary, ConsensusReached, ContestedClip
from bot.hitrate import Attempt, hit_rate
from storage.tables import AttemptRow, Clip, VoteChange, VoteRow
from storage.uow import UnitOfWorkFactory


class SqlCommunityActivity:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def _voted_clips(self, community_id: str, since: datetime, until: datetime) -> set[int]:
        c = VoteChange.__table__
        with self.uow() as uow:
            return set(uow.session.connection().execute(
                select(c.c.clip_id).where(c.c.community_id == community_id, c.c.at >= since, c.c.at < until)
                .distinct()).scalars())

    def _current_votes(self, community_id: str) -> tuple[list[tuple[int, str, str]], dict[int, tuple[str, str]]]:
        v, clip = VoteRow.__table__, Clip.__table__
        with self.uow() as uow:
            conn = uow.session.connection()
            rows = [(r.clip_id, r.member, r.label) for r in conn.execute(
                select(v.c.clip_id, v.c.member, v.c.label).where(v.c.community_id == community_id))]
            ids = {r[0] for r in rows}
            clips = {r.id: (r.short_id or "", r.canonical_url) for r in conn.execute(
                select(clip.c.id, clip.c.short_id, clip.c.canonical_url).where(clip.c.id.in_(ids)))} if ids else {}
        return rows, clips

    def contested_clips(self, community_id: str, since: datetime, until: datetime,
                        limit: int = 3) -> list[ContestedClip]:
        """Clips voted on this week whose current votes split between labels; the closest split first."""
        active = self._voted_clips(community_id, since, until)
        if not active:
            return []
        rows, clips = self._current_votes(community_id)
        tallies: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LABELS, 0))
        for clip_id, _member, label in rows:
            if clip_id in active and label in LABELS:
                tallies[clip_id][label] += 1
        ranked = []
        for clip_id, votes in tallies.items():
            counts = sorted(votes.values(), reverse=True)
            if counts[1] == 0:
                continue  # everyone agreed: not contested
            ranked.append(((-counts[1], -sum(counts), clips.get(clip_id, ("", ""))[1]), clip_id, votes))
        ranked.sort()
        return [ContestedClip(clips[c][0], clips[c][1], v) for _, c, v in ranked[:limit] if c in clips]

    def consensus_reached(self, community_id: str, since: datetime, until: datetime) -> list[ConsensusReached]:
        """Clips voted on this week that now have a consensus (by the same rule `/verdicts` uses)."""
        active = self._voted_clips(community_id, since, until)
        if not active:
            return []
        rows, clips = self._current_votes(community_id)
        result = community_consensus(Vote(member, str(clip_id), label) for clip_id, member, label in rows)
        out = []
        for clip_key, c in sorted(result.items()):
            clip_id = int(clip_key)
            if clip_id in active and c.consensus is not None and clip_id in clips:
                out.append(ConsensusReached(clips[clip_id][0], clips[clip_id][1], c.consensus.label,
                                            c.consensus.basis))
        return out

    def _attempts(self, community_id: str, until: datetime) -> list[tuple[Attempt, datetime]]:
        a = AttemptRow.__table__
        with self.uow() as uow:
            return [(Attempt(r.member, r.model_id, r.capability_id, r.tries, r.usable), r.created_at)
                    for r in uow.session.connection().execute(
                        select(a.c.member, a.c.model_id, a.c.capability_id, a.c.tries, a.c.usable, a.c.created_at)
                        .where(a.c.community_id == community_id, a.c.created_at < until))]

    @staticmethod
    def _aware(at: datetime, like: datetime) -> datetime:
        return at.replace(tzinfo=like.tzinfo) if at.tzinfo is None and like.tzinfo is not None else at

    def attempt_summary(self, community_id: str, since: datetime, until: datetime) -> AttemptSummary:
        week = [a for a, at in self._attempts(community_id, until) if self._aware(at, since) >= since]
        return AttemptSummary(len(week), sum(a.tries for a in week), sum(a.usable for a in week))

    def attempt_movers(self, community_id: str, since: datetime, until: datetime,
                       limit: int = 5) -> list[AttemptMover]:
        """Model x capability pairs reported this week, the biggest change of the hit rate first."""
        before: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
        after: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
        moved: set[tuple[str, str]] = set()
        for attempt, at in self._attempts(community_id, until):
            key = (attempt.model, attempt.capability)
            after[key].append(attempt)
            if self._aware(at, since) >= since:
                moved.add(key)
            else:
                before[key].append(attempt)
        out = []
        for key in moved:
            now = hit_rate(key[0], key[1], after[key])
            then = hit_rate(key[0], key[1], before[key]) if before[key] else None
            out.append(AttemptMover(key[0], key[1], then.rate if then else None, now.rate, now.tries, now.usable))
        out.sort(key=lambda m: (-abs(m.after - (m.before if m.before is not None else 0.0)), m.model, m.capability))
        return out[:limit]

    def working_capabilities(self, community_id: str, until: datetime) -> frozenset[str]:
        pooled: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
        for attempt, _at in self._attempts(community_id, until):
            pooled[(attempt.model, attempt.capability)].append(attempt)
        return frozenset(cap for (model, cap), items in pooled.items() if hit_rate(model, cap, items).confirms)
