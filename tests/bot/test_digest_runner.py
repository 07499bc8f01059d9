"""Posting due digests: the runner and the scheduler loop, on a real SQLite ledger with an injected clock."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from adapters.json_render import to_json
from adapters.text_render import render
from bot.digest import (
    AttemptMover,
    AttemptSummary,
    ConsensusReached,
    ContestedClip,
    DigestService,
    NoActivity,
)
from bot.digest_chart import draw_digest_chart
from bot.policy import CommunitySettings
from bot.ports import Actor
from bot.schedule import make_slot
from bot.scheduler import DigestRunner, DigestScheduler, digest_set_up_at, digest_slot
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from storage.gateways import SqlDigestLedger
from tests.conftest import make_tiny_kb

# Monday 2026-12-07 09:00 in Paris is 08:00 UTC; ISO week 2026-W50.
SET_UP = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SLOT_W50 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


class Recorder:
    def __init__(self, fail: int = 0) -> None:
        self.posts: list[tuple[str | None, object]] = []
        self.fail = fail

    async def post(self, channel, digest) -> None:  # type: ignore[no-untyped-def]
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the platform is down")
        self.posts.append((channel, digest))


@pytest.fixture
def st(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    storage = Storage.on(engine, version_check_interval=0.0)
    storage.knowledge.import_knowledge(make_tiny_kb())
    yield storage
    storage.close()


def set_up(st: Storage, community: str = "discord:1", when: datetime | None = SET_UP, channel: str = "news",
           weekday: int = 0, hour: int = 9, tz: str = "Europe/Paris") -> None:
    st.settings.save_settings(CommunitySettings(community, digest_channel=channel, digest_weekday=weekday,
                                                digest_hour=hour, digest_timezone=tz,
                                                digest_set_up_at=when.isoformat() if when else None), "admin")


def runner(st: Storage, poster, owner: str = "p1", **kw) -> DigestRunner:  # type: ignore[no-untyped-def]
    digests = DigestService(st.checks, st.knowledge.knowledge_base)
    return DigestRunner(SqlDigestLedger(st.uow), st.settings, digests, poster, owner=owner, io=st.threads, **kw)


def run(r: DigestRunner, now: datetime):  # type: ignore[no-untyped-def]
    return asyncio.run(r.run_due(now))


def test_posted_once_at_the_slot_and_not_before(st):
    set_up(st)
    poster = Recorder()
    r = runner(st, poster)
    assert run(r, SLOT_W50 - timedelta(seconds=1)) == []
    [posted] = run(r, SLOT_W50)
    assert (posted.community_id, posted.week, posted.channel, posted.late) == ("discord:1", "2026-W50", "news",
                                                                               False)
    assert run(r, SLOT_W50 + timedelta(minutes=1)) == []
    assert run(runner(st, poster, owner="p2"), SLOT_W50 + timedelta(hours=3)) == []  # another process too
    assert [(c, d.week) for c, d in poster.posts] == [("news", "2026-W50")]
    [posted] = run(r, SLOT_W50 + timedelta(days=7))
    assert posted.week == "2026-W51"


def test_a_community_that_never_set_up_its_digest_gets_none(st):
    set_up(st, when=None)
    poster = Recorder()
    assert run(runner(st, poster), SLOT_W50 + timedelta(days=30)) == []
    assert poster.posts == []


def test_missed_weeks_give_one_late_digest_of_the_latest_week(st):
    set_up(st)
    poster = Recorder()
    r = runner(st, poster)
    back = SLOT_W50 + timedelta(days=21, hours=5)  # down for three slots
    [posted] = run(r, back)
    assert posted.week == "2026-W53" and posted.late
    assert run(r, back + timedelta(hours=1)) == []
    assert [d.week for _, d in poster.posts] == ["2026-W53"]


def test_a_failed_post_is_retried_after_the_claim_timeout_and_then_sent_once(st):
    set_up(st)
    set_up(st, community="discord:2", channel="digests")
    poster = Recorder(fail=1)
    r = runner(st, poster, claim_timeout=timedelta(minutes=10))
    first = run(r, SLOT_W50)
    assert len(first) == 1  # the other community was posted despite the failure
    assert run(runner(st, poster, owner="p2"), SLOT_W50 + timedelta(minutes=5)) == []  # claim still fresh
    [retried] = run(runner(st, poster, owner="p2"), SLOT_W50 + timedelta(minutes=11))
    assert run(r, SLOT_W50 + timedelta(minutes=30)) == []
    assert sorted((d.community_id, d.week) for _, d in poster.posts) == [("discord:1", "2026-W50"),
                                                                         ("discord:2", "2026-W50")]
    history = {row["community"]: row for row in SqlDigestLedger(st.uow).history()}
    failed = {"discord:1", "discord:2"} - {first[0].community_id}
    assert retried.community_id in failed and history[retried.community_id]["attempts"] == 2


def test_the_digest_covers_the_seven_days_before_its_slot(st):
    set_up(st)
    svc = CheckService(st.knowledge, check_log=st.checks, io=st.threads)
    a = Actor("discord:1", "u1")
    for caption in ("Sora: a woman eating noodles", "Sora: a forest", "Kling: a man eating a burger"):
        asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption=caption, fetch=False), a))
    with st.engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM check_record ORDER BY id"))]
        at = {ids[0]: "2026-12-01 10:00:00", ids[1]: "2026-12-06 23:00:00", ids[2]: "2026-12-07 08:30:00"}
        for i, when in at.items():
            conn.execute(text("UPDATE check_record SET created_at = :w WHERE id = :i"), {"w": when, "i": i})
    poster = Recorder()
    [posted] = run(runner(st, poster), SLOT_W50 + timedelta(hours=2))
    f = posted.digest.base.figures
    assert f.checks == 2  # the check after the slot belongs to next week
    assert f.by_model == {"sora": 2}
    assert f.by_level["stress_test"] == 1
    assert posted.digest.base.usage_lines == ()
    assert "eating" not in posted.digest.not_shown_working and "walking" in posted.digest.not_shown_working


class Activity(NoActivity):
    def contested_clips(self, community_id, since, until, limit=3):  # type: ignore[no-untyped-def]
        return [ContestedClip("abc123abc123", "https://www.youtube.com/watch?v=X1",
                              {"representative": 6, "cherry_picked": 5, "misleading_workflow": 0, "cant_tell": 1})]

    def consensus_reached(self, community_id, since, until):  # type: ignore[no-untyped-def]
        return [ConsensusReached("def456def456", "https://vimeo.com/1", "cherry_picked", "wilson 0.62 of 14")]

    def attempt_summary(self, community_id, since, until):  # type: ignore[no-untyped-def]
        return AttemptSummary(reports=4, tries=40, usable=9)

    def attempt_movers(self, community_id, since, until, limit=5):  # type: ignore[no-untyped-def]
        return [AttemptMover("sora", "walking", 0.5, 0.25, 40, 9)]

    def working_capabilities(self, community_id, until):  # type: ignore[no-untyped-def]
        return frozenset({"walking"})


def test_votes_and_attempts_reach_the_digest_text_json_and_chart(st, tmp_path):
    set_up(st)
    poster = Recorder()
    r = runner(st, poster, activity=Activity(), chart=lambda d: draw_digest_chart(d, tmp_path / "charts"))
    [posted] = run(r, SLOT_W50)
    d = posted.digest
    assert d.most_contested is not None and d.most_contested.short_id == "abc123abc123"
    assert "walking" not in d.not_shown_working and "talking" in d.not_shown_working  # confirmed by attempts
    assert d.chart == tmp_path / "charts" / "digest-discord_1-2026-W50.png"
    assert d.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and d.chart.stat().st_size > 5000
    out = " ".join(render(d).split())  # long lines are wrapped
    assert "Weekly digest for discord:1, week 2026-W50" in out
    assert "Most contested clip: https://www.youtube.com/watch?v=X1 (6 representative, 5 cherry-picked, 1 can't tell)" \
        in out
    assert "https://vimeo.com/1: cherry-picked (wilson 0.62 of 14)" in out
    assert "Attempt reports: 4 new (9 usable of 40 tries)." in out
    assert "Sora x walking: hit rate 50% -> 25% (9/40)" in out
    assert "Shots nobody has shown working yet: talking" in out
    obj = json.loads(json.dumps(to_json(d)))
    assert obj["type"] == "digest" and obj["community"] == "discord:1" and obj["week"] == "2026-W50"
    assert obj["most_contested"]["votes"]["cherry_picked"] == 5
    assert obj["consensus_reached"][0]["label"] == "cherry_picked"
    assert obj["movers"] == [{"model": "sora", "capability": "walking", "before": 0.5, "after": 0.25,
                              "tries": 40, "usable": 9}]
    assert SqlDigestLedger(st.uow).history()[0]["summary"] == {
        "checks": 0, "by_level": {}, "kb_changes": 0, "consensus_reached": 1, "attempt_reports": 4}


def test_a_broken_chart_does_not_stop_the_digest(st):
    set_up(st)
    poster = Recorder()

    def broken(digest):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    [posted] = run(runner(st, poster, chart=broken), SLOT_W50)
    assert posted.digest.chart is None and len(poster.posts) == 1


def test_the_scheduler_loop_posts_each_week_once_on_its_own_clock(st):
    set_up(st)
    poster = Recorder()
    clock = [SLOT_W50 - timedelta(hours=2)]
    passes = []

    async def fake_sleep(seconds: float) -> None:
        passes.append(clock[0])
        clock[0] += timedelta(seconds=seconds)
        if clock[0] > SLOT_W50 + timedelta(days=8):
            raise asyncio.CancelledError

    async def main() -> None:
        sched = DigestScheduler(runner(st, poster), clock=lambda: clock[0], interval=1800, sleep=fake_sleep)
        task = sched.start()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert len(passes) == (8 * 24 + 2) * 2 + 1  # every half hour from 06:00 on the 7th to 08:00 on the 15th
    assert [d.week for _, d in poster.posts] == ["2026-W50", "2026-W51"]


def test_the_scheduler_survives_a_failing_pass_and_stops_cleanly():
    calls = []

    class Flaky:
        async def run_due(self, now):  # type: ignore[no-untyped-def]
            calls.append(now)
            if len(calls) == 1:
                raise RuntimeError("database away")
            return []

    async def main() -> None:
        sched = DigestScheduler(Flaky(), clock=lambda: SLOT_W50, interval=0.001)  # type: ignore[arg-type]
        sched.start()
        while len(calls) < 3:
            await asyncio.sleep(0.005)
        await sched.stop()

    asyncio.run(main())
    assert len(calls) >= 3


def test_set_up_time_is_read_from_the_settings_or_missing():
    base = CommunitySettings("c")
    assert digest_set_up_at(base) is None
    assert digest_set_up_at(dataclasses.replace(base, extra={"digest_set_up_at": "2026-12-01T10:00:00"})) == \
        datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # naive is UTC
    assert digest_set_up_at(dataclasses.replace(base, extra={"digest_set_up_at": "last tuesday"})) is None


class FlakyLedger:
    """The real ledger, whose first `failures` mark_sent calls fail as a locked database would."""

    def __init__(self, ledger: SqlDigestLedger, failures: int) -> None:
        self.ledger = ledger
        self.failures = failures
        self.calls = 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.ledger, name)

    def mark_sent(self, *args):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("database is locked")
        return self.ledger.mark_sent(*args)


def test_marking_a_sent_digest_is_retried_so_it_is_not_posted_twice(st):
    set_up(st)
    poster = Recorder()
    ledger = FlakyLedger(SqlDigestLedger(st.uow), failures=2)
    digests = DigestService(st.checks, st.knowledge.knowledge_base)
    r = DigestRunner(ledger, st.settings, digests, poster, owner="p1", io=st.threads, mark_wait=0.001)
    [posted] = run(r, SLOT_W50)
    assert ledger.calls == 3 and SqlDigestLedger(st.uow).sent_weeks("discord:1") == frozenset({"2026-W50"})
    assert run(runner(st, poster, owner="p2"), SLOT_W50 + timedelta(hours=1)) == []
    assert len(poster.posts) == 1


def test_the_running_bot_looks_for_due_digests_every_minute_on_the_real_utc_clock():
    """The Discord adapter builds its scheduler with the defaults: a pass a minute, on the machine's clock."""
    seen: list[datetime] = []
    waits: list[float] = []

    class Runner:
        async def run_due(self, now):  # type: ignore[no-untyped-def]
            seen.append(now)
            return []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise asyncio.CancelledError

    async def main() -> None:
        with pytest.raises(asyncio.CancelledError):
            await DigestScheduler(Runner(), sleep=fake_sleep).start()  # type: ignore[arg-type]

    before = datetime.now(UTC)
    asyncio.run(main())
    after = datetime.now(UTC)
    assert waits == [60.0, 60.0]  # a slot at 09:00 is posted by 09:01
    assert len(seen) == 2 and all(n.tzinfo is not None and before <= n <= after for n in seen)


def test_a_failing_pass_is_logged_for_the_operator_and_stop_cancels_the_loop(caplog):
    class Broken:
        async def run_due(self, now):  # type: ignore[no-untyped-def]
            raise RuntimeError("database away")

    async def main() -> asyncio.Task[None]:
        sched = DigestScheduler(Broken(), clock=lambda: SLOT_W50, interval=0.001)  # type: ignore[arg-type]
        task = sched.start()
        assert task.get_name() == "yuntai-digests"  # how an operator finds it in a task dump
        assert sched.start() is task  # starting twice runs one loop
        while not caplog.records:
            await asyncio.sleep(0)  # let the loop's first pass run
        await sched.stop()
        assert task.cancelled()
        return task

    with caplog.at_level("ERROR", logger="bot.scheduler"):
        asyncio.run(main())
    record = caplog.records[0]
    assert record.getMessage() == "digest pass failed; retrying in 0.001 s"
    assert record.exc_info is not None and "database away" in str(record.exc_info[1])


def test_set_up_time_keeps_its_own_offset_and_an_unreadable_one_is_logged_once_per_read(caplog):
    base = CommunitySettings("discord:5")
    paris = datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert digest_set_up_at(dataclasses.replace(base, digest_set_up_at=paris.isoformat())) == paris
    assert digest_set_up_at(dataclasses.replace(base, digest_set_up_at=paris)) == paris
    assert digest_set_up_at(dataclasses.replace(base, digest_set_up_at=paris)).utcoffset() == timedelta(hours=1)
    typed = "next tuesday after the meeting, around noon or so"
    with caplog.at_level("WARNING", logger="bot.scheduler"):
        assert digest_set_up_at(dataclasses.replace(base, digest_set_up_at=typed)) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"community discord:5: unreadable digest_set_up_at {typed[:40]!r}; no digest until it is set up again"]


def test_a_slot_needs_a_channel_a_weekday_and_an_hour_and_is_utc_without_a_time_zone(caplog):
    full = CommunitySettings("discord:5", digest_channel="news", digest_weekday=0, digest_hour=9)
    slot = digest_slot(full)
    assert slot is not None and slot == make_slot(0, 9, "UTC")
    assert digest_slot(dataclasses.replace(full, digest_timezone="")) == slot  # none chosen: UTC
    for missing in ({"digest_channel": None}, {"digest_weekday": None}, {"digest_hour": None}):
        assert digest_slot(dataclasses.replace(full, **missing)) is None, missing
    with caplog.at_level("WARNING", logger="bot.scheduler"):
        assert digest_slot(dataclasses.replace(full, digest_timezone="Mars/Olympus")) is None
    [record] = caplog.records
    assert record.getMessage().startswith("community discord:5: digest slot not usable (")
    assert "Mars/Olympus" in record.getMessage()


def test_a_community_with_a_slot_but_never_set_up_is_skipped_quietly(st, caplog):
    set_up(st, when=None)
    poster = Recorder()
    with caplog.at_level("INFO", logger="bot.scheduler"):
        assert run(runner(st, poster), SLOT_W50 + timedelta(days=30)) == []
    assert poster.posts == [] and caplog.records == []  # nothing failed, nothing to say


def test_the_runner_tells_the_operator_what_it_posted_and_when_it_was_late(st, caplog):
    set_up(st, community="discord:1", hour=9)  # 08:00 UTC
    set_up(st, community="discord:2", hour=8, channel="digests")  # 07:00 UTC
    r = runner(st, Recorder())
    with caplog.at_level("INFO", logger="bot.scheduler"):
        posted = run(r, SLOT_W50 + timedelta(hours=1))  # exactly an hour after the first, two after the other
        assert run(r, SLOT_W50 + timedelta(hours=2)) == []  # both sent: nothing to claim, nothing to say
    assert {(p.community_id, p.late) for p in posted} == {("discord:1", False), ("discord:2", True)}
    assert sorted(rec.getMessage() for rec in caplog.records) == [
        "posted digest discord:1 2026-W50 to news", "posted digest discord:2 2026-W50 to digests (late)"]
    history = {row["community"]: row for row in SqlDigestLedger(st.uow).history()}
    assert (history["discord:1"]["channel"], history["discord:2"]["channel"]) == ("news", "digests")
    with pytest.raises(ValueError, match="^now must be timezone-aware$"):
        run(r, SLOT_W50.replace(tzinfo=None))


def test_a_claim_held_elsewhere_a_broken_chart_and_a_failed_post_are_logged_by_community_and_week(st, caplog):
    set_up(st)
    held = runner(st, Recorder(fail=1), owner="p1")
    with caplog.at_level("INFO", logger="bot.scheduler"):
        assert run(held, SLOT_W50) == []
        assert SqlDigestLedger(st.uow).pending()[0]["claimed_by"] == "p1"  # who holds it, for the operator
        assert run(runner(st, Recorder(), owner="p2"), SLOT_W50 + timedelta(minutes=1)) == []

        def broken(digest):  # type: ignore[no-untyped-def]
            raise OSError("disk full")

        assert len(run(runner(st, Recorder(), owner="p3", chart=broken), SLOT_W50 + timedelta(minutes=11))) == 1
    messages = [(rec.levelname, rec.getMessage()) for rec in caplog.records]
    assert messages == [
        ("ERROR", "digest for discord:1 failed"),
        ("INFO", "digest discord:1 2026-W50: claimed by another process"),
        ("ERROR", "digest chart for discord:1 2026-W50 failed; posting without it"),
        ("INFO", "posted digest discord:1 2026-W50 to news"),
    ]
    assert "the platform is down" in str(caplog.records[0].exc_info[1])


def test_a_post_slower_than_the_claim_timeout_is_posted_twice_and_says_so(st, caplog):
    """The trade-off the claim makes (late rather than never): the operator is told it happened."""
    set_up(st)
    other_posts = Recorder()

    class Slow(Recorder):
        async def post(self, channel, digest) -> None:  # type: ignore[no-untyped-def]
            # while this post hangs, another process finds the claim stale and posts the week itself
            assert len(await runner(st, other_posts, owner="p2").run_due(SLOT_W50 + timedelta(minutes=11))) == 1
            await super().post(channel, digest)

    slow = Slow()
    with caplog.at_level("WARNING", logger="bot.scheduler"):
        [posted] = run(runner(st, slow, owner="p1"), SLOT_W50)
    assert len(slow.posts) == len(other_posts.posts) == 1 and posted.week == "2026-W50"
    assert [rec.getMessage() for rec in caplog.records] == [
        "digest discord:1 2026-W50 was sent but its claim had been taken over (post slower than 0:10:00)"]


def test_marking_sent_retries_five_times_backing_off_from_half_a_second_then_gives_up_with_the_error(
        st, monkeypatch, caplog):
    set_up(st)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", no_wait)  # tenacity's waits only; nothing else here sleeps
    digests = DigestService(st.checks, st.knowledge.knowledge_base)
    down = FlakyLedger(SqlDigestLedger(st.uow), failures=100)
    poster = Recorder()
    with caplog.at_level("ERROR", logger="bot.scheduler"):
        assert run(DigestRunner(down, st.settings, digests, poster, owner="p1"), SLOT_W50) == []
    assert down.calls == 5 and waits == [0.5, 1.0, 2.0, 4.0] and len(poster.posts) == 1
    [record] = caplog.records
    assert record.getMessage() == "digest for discord:1 failed"
    assert isinstance(record.exc_info[1], RuntimeError) and str(record.exc_info[1]) == "database is locked"
    waits.clear()
    set_up(st, community="discord:2")
    slow = FlakyLedger(SqlDigestLedger(st.uow), failures=4)
    [posted] = run(DigestRunner(slow, st.settings, digests, Recorder(), owner="p1", mark_wait=2.0), SLOT_W50)
    assert posted.community_id == "discord:2" and waits == [2.0, 4.0, 5.0, 5.0]  # at most five seconds apart


def test_the_runner_has_its_own_threads_and_owner_unless_given(st):
    set_up(st)
    digests = DigestService(st.checks, st.knowledge.knowledge_base)
    ledger = SqlDigestLedger(st.uow)
    given = DigestRunner(ledger, st.settings, digests, Recorder(), owner="discord:42:all")
    assert given.owner == "discord:42:all"
    mine = DigestRunner(ledger, st.settings, digests, Recorder())
    host, pid, nonce = mine.owner.rsplit(":", 2)
    assert host and pid == str(os.getpid()) and len(nonce) == 8
    assert len(run(mine, SLOT_W50)) == 1  # through its own ThreadIO
