"""Attempt reports, summed per capability and member by the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from bot.attempts import MemberTotal
from storage.tables import AttemptRow, CommunitySettingsRow, utcnow


class AttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, community_id: str, member: str, model_id: str, capability_id: str, tries: int, usable: int,
            note: str) -> int:
        a = AttemptRow.__table__
        return int(self.session.connection().execute(
            a.insert().values(community_id=community_id, member=member, model_id=model_id,
                              capability_id=capability_id, tries=tries, usable=usable, note=note,
                              created_at=utcnow()).returning(a.c.id)).scalar_one())

    def sharing_communities(self) -> list[str]:
        """Communities whose settings say share_attempts (settings are one small JSON row per community)."""
        s = CommunitySettingsRow.__table__
        return sorted(cid for cid, doc in self.session.connection().execute(select(s.c.community_id, s.c.settings))
                      if isinstance(doc, dict) and doc.get("share_attempts") is True)

    def totals(self, communities: list[str], model_id: str, capabilities: list[str] | None) -> list[MemberTotal]:
        a = AttemptRow.__table__
        where = [a.c.model_id == model_id, a.c.community_id.in_(communities)]
        if capabilities is not None:
            where.append(a.c.capability_id.in_(capabilities))
        rows = self.session.connection().execute(
            select(a.c.capability_id, a.c.member, func.sum(a.c.tries), func.sum(a.c.usable), func.count())
            .where(*where).group_by(a.c.capability_id, a.c.member))
        return [MemberTotal(cap, member, int(t), int(u), int(n)) for cap, member, t, u, n in rows]
