"""The Slack delivery ledger on SQLite and Postgres: the first delivery of an id wins, everywhere.

Why threads: Slack's retry may reach another worker while the first is still answering; both ask
the same database at once, and exactly one may be told to reply.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage.bootstrap import Storage
from storage.db import make_engine
from storage.slack_ledger import SqlSlackEvents


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request):
    url = request.getfixturevalue("migrated_db_url" if request.param == "sqlite" else "migrated_postgres_url")
    engine = make_engine(url)  # migrated: a copy of a template built once per test process
    st = Storage.on(engine)
    yield st
    st.close()


def rows(st: Storage) -> list[tuple[str, str]]:
    with st.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT event_id, team_id FROM slack_event ORDER BY event_id"))]


def test_an_event_id_is_taken_once_and_other_ids_are_not_affected(storage):
    ledger = SqlSlackEvents(storage.uow)
    assert ledger.take("Ev001", "T1") is True
    assert ledger.take("Ev001", "T1") is False
    assert ledger.take("Ev002", "T1") is True
    assert rows(storage) == [("Ev001", "T1"), ("Ev002", "T1")]


def test_concurrent_deliveries_of_one_event_let_exactly_one_through(storage):
    ledger = SqlSlackEvents(storage.uow)
    with ThreadPoolExecutor(4) as pool:
        won = list(pool.map(lambda _: ledger.take("EvRACE", "T1"), range(8)))
    assert won.count(True) == 1


def test_old_ids_are_forgotten_and_recent_ones_kept(storage):
    ledger = SqlSlackEvents(storage.uow)
    ledger.take("EvOLD", "T1")
    ledger.take("EvNEW", "T1")
    with storage.engine.begin() as conn:
        conn.execute(text("UPDATE slack_event SET received_at = :at WHERE event_id = 'EvOLD'"),
                     {"at": datetime.now(UTC) - timedelta(hours=3)})
    assert ledger.forget_old() == 1
    assert rows(storage) == [("EvNEW", "T1")]


def test_an_id_exactly_as_old_as_the_retention_is_still_kept(storage):
    """Ids are kept for `KEEP`; one received exactly that long ago may still see a retry and is not forgotten."""
    from sqlalchemy import update

    from storage.slack_ledger import KEEP
    from storage.tables import SlackEvent

    ledger = SqlSlackEvents(storage.uow)
    ledger.take("EvEDGE", "T1")
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    with storage.engine.begin() as conn:  # through the column's type: stored exactly as a delivery would be
        conn.execute(update(SlackEvent.__table__).values(received_at=now - KEEP))
    assert ledger.forget_old(now) == 0
    assert ledger.forget_old(now + timedelta(microseconds=1)) == 1
    assert rows(storage) == []
