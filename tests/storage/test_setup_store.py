"""Setup and curation through the dispatcher on real storage (SQLite and Postgres): what admins change takes effect."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from bot.chat import ChatCore
from bot.commands import REGISTRY
from bot.context import Services
from bot.curation import Curation, CurationResult
from bot.policy import Requester
from bot.reports import ModelReports
from bot.results import CheckResult
from bot.service import CheckService
from bot.setup import Setup, SetupResult
from storage.bootstrap import Storage
from storage.tables import GLOBAL

YT = "https://youtu.be/dQw4w9WgXcQ"
ADMIN = Requester("slack:T1", "U0ADMIN", platform_admin=True, channel_id="C0CLIPS")
MEMBER = Requester("slack:T1", "U0MEMBER", channel_id="C0CLIPS")


def core(st: Storage) -> ChatCore:
    checks = CheckService(st.knowledge, check_log=st.checks, io=st.threads)
    curation = Curation(st.curation, st.knowledge.knowledge_base, lambda: st.knowledge.knowledge_base(GLOBAL))
    services = Services(checks, ModelReports(checks), settings=st.settings, fetch=False, curation=curation,
                        setup=Setup(st.settings, clock=lambda: datetime(2026, 11, 27, 9, 30, tzinfo=UTC)))
    return ChatCore(REGISTRY, services)


def test_a_watched_channel_makes_pasted_links_checked_there(storage):
    chat = core(storage)
    assert asyncio.run(chat.handle_text(f"{YT} Sora: a man walking", MEMBER)) is None  # not watched yet
    done = asyncio.run(chat.handle_text("/setup watch <#C0CLIPS|clips>", ADMIN))
    assert isinstance(done, SetupResult) and done.settings.watched_channels == frozenset({"C0CLIPS"})
    assert isinstance(asyncio.run(chat.handle_text(f"{YT} Sora: a man walking", MEMBER)), CheckResult)
    asyncio.run(chat.handle_text("/setup unwatch <#C0CLIPS>", ADMIN))
    assert asyncio.run(chat.handle_text(f"{YT} Sora: a man walking", MEMBER)) is None


def test_the_digest_slot_and_its_set_up_time_are_stored_with_history(storage):
    chat = core(storage)
    asyncio.run(chat.handle_text("/setup digest <#C0WEEKLY|weekly> sunday 9 America/New_York", ADMIN))
    s = storage.settings.settings("slack:T1")
    assert (s.digest_channel, s.digest_weekday, s.digest_hour, s.digest_timezone, s.digest_set_up_at) == (
        "C0WEEKLY", 6, 9, "America/New_York", "2026-11-27T09:30:00+00:00")
    history = storage.settings.settings_history("slack:T1")
    assert len(history) == 1 and history[0]["actor"] == "U0ADMIN" and history[0]["before"] is None
    assert history[0]["after"]["digest_set_up_at"] == "2026-11-27T09:30:00+00:00"


def test_two_admins_changing_settings_at_once_lose_nothing(storage):
    """Read-change-save in one unit of work: 2 x 10 channels watched from two threads, all 20 kept."""
    setup = Setup(storage.settings)
    from bot.ports import Actor

    def watch(prefix: str) -> None:
        for i in range(10):
            setup.watch(Actor("slack:T1", prefix, is_admin=True), f"C0{prefix}{i}", True)

    threads = [threading.Thread(target=watch, args=(p,)) for p in ("AA", "BB")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    watched = storage.settings.settings("slack:T1").watched_channels
    assert watched == frozenset({f"C0AA{i}" for i in range(10)} | {f"C0BB{i}" for i in range(10)})


def test_a_community_override_changes_that_communitys_checks(storage):
    chat = core(storage)
    before = asyncio.run(chat.handle_text(f"/check {YT} Sora: a man walking down a street", ADMIN))
    assert isinstance(before, CheckResult) and before.level == "stress_test"
    change = asyncio.run(chat.handle_text(
        "/kb add claim sora walking strength https://example.com/tests/sora-walks", ADMIN))
    assert isinstance(change, CurationResult)
    after = asyncio.run(chat.handle_text(f"/check {YT} Sora: a man walking down a street", ADMIN))
    assert after.level != "stress_test"
    assert ("walking", "strength") in {(c.capability, c.rating) for c in after.verdict.claims}
    other = Requester("slack:T2", "U0OTHER", platform_admin=True)
    elsewhere = asyncio.run(chat.handle_text(f"/check {YT} Sora: a man walking down a street", other))
    assert elsewhere.level == "stress_test"


def test_a_community_capability_and_its_words_reach_that_communitys_checks(storage):
    chat = core(storage)
    caption = "Sora: a cat doing a backflip"
    before = asyncio.run(chat.handle_text(f"/check {YT} {caption}", ADMIN))
    assert "backflip" not in [s.id for s in before.signals.shown]
    for line in ("/kb add capability backflip 'Back flip' parent:sports backflip, back flip",
                 "/kb add claim sora backflip weakness https://example.com/tests/sora-flips"):
        assert isinstance(asyncio.run(chat.handle_text(line, ADMIN)), CurationResult)
    after = asyncio.run(chat.handle_text(f"/check {YT} {caption}", ADMIN))
    assert "backflip" in [s.id for s in after.signals.shown]
    assert after.level == "stress_test"
    other = Requester("slack:T2", "U0OTHER", platform_admin=True)
    elsewhere = asyncio.run(chat.handle_text(f"/check {YT} {caption}", other))
    assert "backflip" not in [s.id for s in elsewhere.signals.shown]


def test_settings_history_lists_every_change_oldest_first_with_its_time(storage):
    """`/setup history`: who changed what and when, in the order it happened; a save that changes nothing adds none."""
    from bot.policy import CommunitySettings

    first = CommunitySettings("slack:T1", watched_channels=frozenset({"C0A"}))
    storage.settings.save_settings(first, "U0ONE")
    storage.settings.save_settings(first, "U0ONE")
    storage.settings.save_settings(CommunitySettings("slack:T1", watched_channels=frozenset({"C0A", "C0B"})), "U0TWO")
    history = storage.settings.settings_history("slack:T1")
    assert [(h["actor"], h["before"] and h["before"]["watched_channels"], h["after"]["watched_channels"])
            for h in history] == [("U0ONE", None, ["C0A"]), ("U0TWO", ["C0A"], ["C0A", "C0B"])]
    assert all(datetime.fromisoformat(h["at"]).year >= 2026 for h in history)
    assert storage.settings.settings_history("slack:T2") == []
