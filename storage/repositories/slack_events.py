"""Slack deliveries already taken, keyed by their id; the database decides, so several workers agree.

`take` is an `INSERT ... ON CONFLICT DO NOTHING`: of a delivery and its retry arriving at two
workers at once, exactly one inserts the row and answers; the other inserts nothing and stays quiet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.tables import SlackEvent


class SlackEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, event_id: str, team_id: str, now: datetime) -> bool:
        """True the first time `event_id` is seen; False for every later delivery of it."""
        conn = self.session.connection()
        t = SlackEvent.__table__
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t).values(event_id=event_id, team_id=team_id, received_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(t.c.event_id)
        return conn.execute(stmt).scalar() is not None

    def forget_before(self, cutoff: datetime) -> int:
        """Drop ids older than any retry Slack still sends (it gives up after about an hour)."""
        t = SlackEvent.__table__
        return self.session.connection().execute(delete(t).where(t.c.received_at < cutoff)).rowcount
