"""The Slack adapter's ledger of deliveries already taken, one unit of work per call.

Why in storage and not in memory: Slack may redeliver an event to another worker behind the load
balancer, and only the shared database sees both deliveries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.uow import UnitOfWorkFactory

KEEP = timedelta(hours=2)  # Slack retries for about an hour; ids older than this cannot come back


class SqlSlackEvents:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def take(self, event_id: str, team_id: str) -> bool:
        """True for the first delivery of `event_id` anywhere; the row is committed before anything is sent."""
        now = datetime.now(UTC)
        with self.uow() as uow:
            won = uow.slack_events.take(event_id, team_id, now)
            uow.commit()
        return won

    def forget_old(self, now: datetime | None = None) -> int:
        with self.uow() as uow:
            gone = uow.slack_events.forget_before((now or datetime.now(UTC)) - KEEP)
            uow.commit()
        return gone
