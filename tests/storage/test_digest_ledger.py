"""The digest ledger on SQLite and Postgres: one claim per (community, week), stale claims taken over once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.policy import CommunitySettings
from storage.bootstrap import Storage
from storage.db import make_engine
from storage.gateways import SqlDigestLedger

SLOT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC)
STALE = NOW - timedelta(minutes=10)


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request):
    url = request.getfixturevalue("migrated_db_url" if request.param == "sqlite" else "migrated_postgres_url")
    engine = make_engine(url)  # migrated: a copy of a template built once per test process
    st = Storage.on(engine)
    yield st
    st.close()


def test_a_week_is_claimed_once_and_sent_once(storage):
    ledger = SqlDigestLedger(storage.uow)
    assert ledger.claim("discord:1", "2026-W50", SLOT, "a", NOW, STALE) is True
    assert ledger.claim("discord:1", "2026-W50", SLOT, "b", NOW, STALE) is False
    assert ledger.claim("discord:2", "2026-W50", SLOT, "b", NOW, STALE) is True  # another community
    assert ledger.sent_weeks("discord:1") == frozenset()  # claimed is not sent
    assert ledger.mark_sent("discord:1", "2026-W50", "b", NOW, "#news", {}) is False  # not b's claim
    assert ledger.mark_sent("discord:1", "2026-W50", "a", NOW, "#news", {"checks": 3}) is True
    assert ledger.mark_sent("discord:1", "2026-W50", "a", NOW, "#news", {"checks": 3}) is False  # once
    assert ledger.sent_weeks("discord:1") == frozenset({"2026-W50"})
    later = NOW + timedelta(hours=5)
    assert ledger.claim("discord:1", "2026-W50", SLOT, "c", later, later - timedelta(minutes=10)) is False
    [row] = ledger.history("discord:1")
    assert (row["community"], row["week"], row["channel"], row["summary"], row["attempts"]) == (
        "discord:1", "2026-W50", "#news", {"checks": 3}, 1)
    assert [r["community"] for r in ledger.history()] == ["discord:1"]  # discord:2 was claimed, never sent
    assert [p["community"] for p in ledger.pending()] == ["discord:2"]


def test_a_stale_unsent_claim_is_taken_over_by_one_process_only(storage):
    ledger = SqlDigestLedger(storage.uow)
    assert ledger.claim("slack:T1", "2026-W50", SLOT, "dead", NOW, STALE)
    five_min = NOW + timedelta(minutes=5)
    assert not ledger.claim("slack:T1", "2026-W50", SLOT, "b", five_min, five_min - timedelta(minutes=10))
    retry = NOW + timedelta(minutes=11)
    stale_before = retry - timedelta(minutes=10)
    assert ledger.claim("slack:T1", "2026-W50", SLOT, "b", retry, stale_before) is True
    assert ledger.claim("slack:T1", "2026-W50", SLOT, "c", retry, stale_before) is False  # b's claim is fresh
    assert ledger.mark_sent("slack:T1", "2026-W50", "dead", retry, "c1", {}) is False  # the dead owner lost it
    assert ledger.mark_sent("slack:T1", "2026-W50", "b", retry, "c1", {}) is True
    [row] = ledger.history()
    assert row["attempts"] == 2


def test_threads_racing_for_one_week_get_one_winner(storage):
    ledger = SqlDigestLedger(storage.uow)
    barrier = threading.Barrier(8)
    wins: list[str] = []

    def race(owner: str) -> None:
        barrier.wait()
        if ledger.claim("discord:9", "2026-W50", SLOT, owner, NOW, STALE):
            wins.append(owner)

    threads = [threading.Thread(target=race, args=(f"p{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def test_digest_communities_are_those_with_a_channel_and_slot(storage):
    storage.settings.save_settings(CommunitySettings("discord:1", digest_channel="news", digest_weekday=0,
                                                     digest_hour=9), "admin")
    storage.settings.save_settings(CommunitySettings("discord:2", watched_channels=frozenset({"a"})), "admin")
    storage.settings.save_settings(CommunitySettings("discord:3", digest_channel="news"), "admin")
    assert SqlDigestLedger(storage.uow).digest_communities() == ["discord:1"]


def test_settings_keep_keys_this_version_does_not_model(storage):
    """A key a newer version writes must survive a save by code that predates it."""
    storage.settings.save_settings(CommunitySettings("discord:1", digest_channel="news", digest_weekday=0,
                                                     digest_hour=9,
                                                     extra={"digest_style": "compact"}), "a")
    got = storage.settings.settings("discord:1")
    assert got.extra == {"digest_style": "compact"}
    storage.settings.save_settings(CommunitySettings("discord:1", digest_channel="other", digest_weekday=0,
                                                     digest_hour=9, extra=got.extra), "a")
    assert storage.settings.settings("discord:1").extra["digest_style"] == "compact"


def test_a_stale_claim_on_another_week_does_not_give_away_this_one(storage):
    """The takeover is of the same (community, week); an old unsent week elsewhere changes nothing."""
    ledger = SqlDigestLedger(storage.uow)
    assert ledger.claim("discord:1", "2026-W49", SLOT - timedelta(days=7), "dead", STALE - timedelta(hours=1),
                        STALE) is True
    assert ledger.claim("discord:1", "2026-W50", SLOT, "a", NOW, STALE) is True
    assert ledger.claim("discord:1", "2026-W50", SLOT, "b", NOW, STALE) is False
    assert ledger.mark_sent("discord:1", "2026-W50", "b", NOW, "#news", {}) is False
    assert [(p["week"], p["claimed_by"]) for p in ledger.pending("discord:1")] == [("2026-W49", "dead"),
                                                                                   ("2026-W50", "a")]


def test_a_claim_is_taken_over_only_once_it_is_older_than_the_cut_off(storage):
    ledger = SqlDigestLedger(storage.uow)
    assert ledger.claim("discord:1", "2026-W50", SLOT, "a", NOW, STALE)
    assert ledger.claim("discord:1", "2026-W50", SLOT, "b", NOW + timedelta(minutes=10), NOW) is False  # exactly
    assert ledger.claim("discord:1", "2026-W50", SLOT, "b", NOW + timedelta(minutes=10),
                        NOW + timedelta(microseconds=1)) is True


def test_marking_one_week_sent_leaves_the_owners_other_claims_pending(storage):
    ledger = SqlDigestLedger(storage.uow)
    for week in ("2026-W49", "2026-W50"):
        assert ledger.claim("discord:1", week, SLOT, "a", NOW, STALE)
    assert ledger.claim("discord:2", "2026-W50", SLOT, "a", NOW, STALE)
    assert ledger.mark_sent("discord:1", "2026-W50", "a", NOW, "#news", {}) is True
    assert ledger.sent_weeks("discord:1") == frozenset({"2026-W50"})
    assert ledger.sent_weeks("discord:2") == frozenset()  # the same week, another community: not sent
    assert [(p["community"], p["week"]) for p in ledger.pending()] == [("discord:1", "2026-W49"),
                                                                       ("discord:2", "2026-W50")]


def test_history_and_pending_rows_are_complete_and_in_order(storage):
    """What `yuntai digest history` shows: sent posts newest slot first (then by community), claims in order."""
    ledger = SqlDigestLedger(storage.uow)
    earlier, sent = SLOT - timedelta(days=7), NOW + timedelta(minutes=1)
    for community, week, slot in [("slack:T1", "2026-W49", earlier), ("slack:T1", "2026-W50", SLOT),
                                  ("discord:2", "2026-W50", SLOT), ("discord:1", "2026-W50", SLOT)]:
        assert ledger.claim(community, week, slot, "p1", NOW, STALE)
    for community, week in [("slack:T1", "2026-W49"), ("slack:T1", "2026-W50"), ("discord:2", "2026-W50")]:
        assert ledger.mark_sent(community, week, "p1", sent, "#news", {"checks": 2})
    assert ledger.history() == [
        {"community": "discord:2", "week": "2026-W50", "slot_at": SLOT.isoformat(), "sent_at": sent.isoformat(),
         "channel": "#news", "attempts": 1, "summary": {"checks": 2}},
        {"community": "slack:T1", "week": "2026-W50", "slot_at": SLOT.isoformat(), "sent_at": sent.isoformat(),
         "channel": "#news", "attempts": 1, "summary": {"checks": 2}},
        {"community": "slack:T1", "week": "2026-W49", "slot_at": earlier.isoformat(), "sent_at": sent.isoformat(),
         "channel": "#news", "attempts": 1, "summary": {"checks": 2}},
    ]
    assert [r["week"] for r in ledger.history("slack:T1")] == ["2026-W50", "2026-W49"]
    assert ledger.pending() == [{"community": "discord:1", "week": "2026-W50", "claimed_at": NOW.isoformat(),
                                 "claimed_by": "p1", "attempts": 1}]
    assert ledger.pending("discord:1") == ledger.pending()
    assert ledger.pending("slack:T1") == []


def test_a_digest_hour_alone_does_not_make_a_digest_community(storage):
    storage.settings.save_settings(CommunitySettings("discord:4", digest_hour=9), "admin")
    storage.settings.save_settings(CommunitySettings("discord:5", digest_weekday=0, digest_hour=9), "admin")
    assert SqlDigestLedger(storage.uow).digest_communities() == []
