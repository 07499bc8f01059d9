"""Votes, their history and attempt reports in storage, on SQLite and Postgres, including faults and races."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.clip_ids import short_clip_id
from bot.policy import CommunitySettings
from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from bot.votes import VoteNotStored
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from storage.gateways_community import SqlCommunity
from storage.uow import UnitOfWorkFactory
from tests.conftest import make_tiny_kb

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"
ZERO = {"representative": 0, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 0}


def check(st: Storage, url: str = YT, community: str = "discord:1", caption: str = "Sora: a woman eating noodles",
          evidence=None):
    svc = CheckService(st.knowledge, check_log=st.checks, io=st.threads, evidence=evidence)
    return asyncio.run(svc.check(CheckRequest(url, caption=caption, fetch=False), Actor(community, "checker")))


def rows(st: Storage, sql: str) -> list[tuple]:
    with st.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def fast(st: Storage, attempts: int = 6) -> SqlCommunity:
    return SqlCommunity(st.uow, attempts=attempts, max_wait=0.01)


def test_a_vote_is_stored_changed_and_kept_in_history(storage):
    check(storage)
    c = fast(storage)
    first = c.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
    assert first.before is None and first.after == "cherry_picked"
    assert first.votes == ZERO | {"cherry_picked": 1}
    changed = c.cast_vote("discord:1", None, short_clip_id(YT), "ann", "representative")  # the button's id
    assert changed.before == "cherry_picked" and changed.votes == ZERO | {"representative": 1}
    again = c.cast_vote("discord:1", YT, None, "ann", "representative")
    assert again.before == "representative"
    c.cast_vote("discord:1", YT, None, "bob", "representative")
    assert rows(storage, "SELECT member, label FROM vote ORDER BY member") == [
        ("ann", "representative"), ("bob", "representative")]
    assert rows(storage, "SELECT member, before, after FROM vote_change ORDER BY id") == [
        ("ann", None, "cherry_picked"), ("ann", "cherry_picked", "representative"), ("bob", None, "representative")]
    history = c.vote_history("discord:1", first.clip.id)
    assert [h["at"] is not None for h in history] == [True, True, True]
    assert c.votes_version("discord:1") == max(h["id"] for h in history)


def test_a_clip_checked_only_in_another_community_takes_no_vote(storage):
    check(storage, community="discord:2")
    c = fast(storage)
    assert c.cast_vote("discord:1", YT, None, "ann", "representative") is None
    assert c.cast_vote("discord:1", VIMEO, None, "ann", "representative") is None  # never checked anywhere
    assert rows(storage, "SELECT count(*) FROM vote") == [(0,)]
    assert rows(storage, "SELECT count(*) FROM vote_change") == [(0,)]


def test_the_database_refuses_a_second_vote_row_for_the_same_member(storage):
    check(storage)
    fast(storage).cast_vote("discord:1", YT, None, "ann", "representative")
    with pytest.raises(IntegrityError), storage.engine.begin() as conn:
        conn.execute(text("INSERT INTO vote (community_id, clip_id, member, label, created_at, updated_at) "
                          "SELECT community_id, clip_id, member, 'cant_tell', created_at, updated_at FROM vote"))


class Faults:
    """Raise a database error on chosen statements, the way a locked file or a dropped connection does."""

    def __init__(self, engine, match: str, times: int, message: str = "database is locked") -> None:
        self.match, self.left, self.message, self.raised = match, times, message, 0
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        with self.lock:
            if self.match in statement and self.left > 0:
                self.left -= 1
                self.raised += 1
                raise OperationalError(statement, parameters, Exception(self.message))


def test_a_locked_database_is_retried_and_the_vote_lands_once(storage):
    check(storage)
    faults = Faults(storage.engine, "INSERT INTO vote_change", times=3)
    outcome = fast(storage).cast_vote("discord:1", YT, None, "ann", "misleading_workflow")
    assert faults.raised == 3
    assert outcome.before is None and outcome.votes == ZERO | {"misleading_workflow": 1}
    # the vote row written before each failure was rolled back with it: one vote, one history row
    assert rows(storage, "SELECT member, label FROM vote") == [("ann", "misleading_workflow")]
    assert rows(storage, "SELECT before, after FROM vote_change") == [(None, "misleading_workflow")]


def test_a_change_interrupted_mid_write_is_neither_lost_nor_doubled(storage):
    check(storage)
    c = fast(storage)
    c.cast_vote("discord:1", YT, None, "ann", "cant_tell")
    Faults(storage.engine, "INSERT INTO vote_change", times=1, message="server closed the connection unexpectedly")
    outcome = c.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
    assert outcome.before == "cant_tell"
    assert rows(storage, "SELECT label FROM vote") == [("cherry_picked",)]
    assert rows(storage, "SELECT before, after FROM vote_change ORDER BY id") == [
        (None, "cant_tell"), ("cant_tell", "cherry_picked")]


def test_when_retries_run_out_the_member_gets_one_polite_line_and_nothing_changes(storage, caplog):
    check(storage)
    c = fast(storage, attempts=3)
    c.cast_vote("discord:1", YT, None, "ann", "cant_tell")
    Faults(storage.engine, "UPDATE vote", times=10)
    with pytest.raises(VoteNotStored) as err:
        c.cast_vote("discord:1", YT, None, "ann", "representative")
    assert str(err.value).startswith("I couldn't store that just now") and "\n" not in str(err.value)
    assert "not stored after 3 attempts" in caplog.text
    assert rows(storage, "SELECT label FROM vote") == [("cant_tell",)]
    assert rows(storage, "SELECT count(*) FROM vote_change") == [(1,)]


def test_concurrent_members_and_changes_lose_and_double_nothing(storage):
    check(storage)
    check(storage, url=VIMEO)
    c = SqlCommunity(storage.uow, attempts=50, max_wait=0.05, deadline=60)
    labels = ["representative", "cherry_picked", "misleading_workflow", "cant_tell"]

    def member(i: int) -> None:
        for step in range(8):  # every member changes each vote several times
            for url in (YT, VIMEO):
                c.cast_vote("discord:1", url, None, f"m{i}", labels[(i + step) % 4])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(member, range(16)))
    assert rows(storage, "SELECT count(*), count(DISTINCT member) FROM vote") == [(32, 16)]
    final = dict(rows(storage, "SELECT member || clip_id, label FROM vote"))
    # each member's history on each clip is an unbroken chain ending at the stored vote
    chains: dict[str, list[tuple]] = {}
    for key, before, after in rows(storage, "SELECT member || clip_id, before, after FROM vote_change ORDER BY id"):
        chains.setdefault(key, []).append((before, after))
    assert set(chains) == set(final)
    for key, chain in chains.items():
        assert chain[0][0] is None and len(chain) == 8
        assert all(chain[k][1] == chain[k + 1][0] for k in range(len(chain) - 1))
        assert chain[-1][1] == final[key]


def test_two_first_votes_by_one_member_at_once_end_as_one_vote(storage):
    check(storage)
    c = SqlCommunity(storage.uow, attempts=20, max_wait=0.05)
    barrier = threading.Barrier(6)

    def cast(label: str) -> None:
        barrier.wait()
        c.cast_vote("discord:1", YT, None, "ann", label)

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(cast, ["representative", "cherry_picked"] * 3))
    assert rows(storage, "SELECT count(*) FROM vote") == [(1,)]
    (label,) = rows(storage, "SELECT label FROM vote")[0]
    history = rows(storage, "SELECT before, after FROM vote_change ORDER BY id")
    assert history[0][0] is None and history[-1][1] == label
    assert all(history[k][1] == history[k + 1][0] for k in range(len(history) - 1))


def test_hit_rates_pool_a_community_and_only_the_communities_that_share(storage):
    c = fast(storage)
    c.record_attempt("discord:1", "ann", "sora", "eating", 15, 2, "forks melt")
    c.record_attempt("discord:1", "bob", "sora", "eating", 5, 1, "")
    c.record_attempt("discord:2", "cid", "sora", "eating", 10, 9, "")
    c.record_attempt("discord:3", "dee", "sora", "eating", 100, 100, "")  # does not share
    c.record_attempt("discord:1", "ann", "sora", "walking", 4, 4, "")
    alone = c.attempt_pool("discord:1", "sora", ["eating"])
    assert alone.scope == "community" and alone.communities == 1
    assert sorted((t.member, t.tries, t.usable, t.reports) for t in alone.totals) == [("ann", 15, 2, 1),
                                                                                      ("bob", 5, 1, 1)]
    for community in ("discord:1", "discord:2"):
        storage.settings.save_settings(CommunitySettings(community, share_attempts=True), "admin")
    shared = c.attempt_pool("discord:1", "sora", ["eating"])
    assert shared.scope == "shared" and shared.communities == 2
    assert sorted((t.member, t.tries, t.usable) for t in shared.totals) == [("ann", 15, 2), ("bob", 5, 1),
                                                                            ("cid", 10, 9)]
    isolated = c.attempt_pool("discord:3", "sora", None)  # opted out: sees only its own
    assert [(t.member, t.tries) for t in isolated.totals] == [("dee", 100)]
    everything = c.attempt_pool("discord:1", "sora", None)
    assert sorted({t.capability for t in everything.totals}) == ["eating", "walking"]


def test_the_database_refuses_impossible_attempt_numbers(storage):
    with pytest.raises(IntegrityError), storage.engine.begin() as conn:
        conn.execute(text("INSERT INTO attempt (community_id, member, model_id, capability_id, tries, usable, note, "
                          "created_at) VALUES ('d', 'm', 'sora', 'eating', 3, 4, '', CURRENT_TIMESTAMP)"))


def test_every_check_carries_the_clips_tally_and_the_hit_rates_of_what_it_shows(storage):
    c = fast(storage)
    check(storage, evidence=c)
    c.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
    c.cast_vote("discord:1", YT, None, "bob", "cherry_picked")
    c.cast_vote("discord:1", YT, None, "cid", "cant_tell")
    c.record_attempt("discord:1", "ann", "sora", "eating", 15, 2, "")
    c.record_attempt("discord:1", "ann", "sora", "hockey", 15, 2, "")  # not shown: not in this check
    result = check(storage, evidence=c).to_json()
    assert result["community"]["votes"] == ZERO | {"cherry_picked": 2, "cant_tell": 1}
    (eating,) = result["community"]["attempts"]
    assert (eating["capability"], eating["tries"], eating["usable"], eating["members"]) == ("eating", 15, 2, 1)
    assert eating["band"] == "not_enough" and eating["scope"] == "community"
    other = check(storage, community="discord:9", evidence=c).to_json()  # another community sees neither
    assert other["community"] == {"votes": ZERO, "attempts": []}


def test_most_checked_clips_of_a_model_in_a_community(storage):
    for _ in range(3):
        check(storage, url=VIMEO)
    check(storage)
    check(storage, url="https://vimeo.com/1", caption="Kling: a dog")  # another model
    check(storage, url=YT, community="discord:2")
    top = fast(storage).most_checked("discord:1", "sora")
    assert [(clip.canonical_url, n) for clip, n in top] == [(VIMEO, 3), (YT, 1)]
    assert top[0][0].short_id == short_clip_id(VIMEO)


def test_a_faction_voting_along_party_lines_cannot_label_a_clip_but_agreement_does(sqlite_url):
    """Through storage and the cache: the larger faction is a majority on the party-line clips, and still no label."""
    from bot.votes import VoteIn, VoteService

    engine = make_engine(sqlite_url)
    upgrade(engine)
    st = Storage.on(engine)
    try:
        st.knowledge.import_knowledge(make_tiny_kb())
        urls = [f"https://vimeo.com/{7000 + i}" for i in range(12)]
        for url in urls:
            check(st, url=url)
        c = fast(st)
        batch = []
        for m in range(30):
            faction_a = m < 20
            for i, url in enumerate(urls):
                if i < 6:  # party line
                    label = "representative" if faction_a else "cherry_picked"
                else:  # both factions agree
                    label = "cherry_picked" if (m + i) % 10 else "cant_tell"
                batch.append(VoteIn("discord:1", url, None, f"m{m}", label))
        assert all(o is not None for o in c.cast_votes(batch))
        service = VoteService(c, st.threads)

        async def verdicts():
            return [await service.verdicts(Actor("discord:1", "reader"), url) for url in urls]

        results = asyncio.run(verdicts())
    finally:
        st.close()
    party, agreed = results[:6], results[6:]
    for r in party:
        assert r.consensus.votes["representative"] == 20 and r.consensus.votes["cherry_picked"] == 10
        assert r.consensus.wilson_lower >= 0.5  # the tally alone would have labelled it
        assert r.consensus.consensus is None and r.fresh
    for r in agreed:
        assert r.consensus.consensus is not None and r.consensus.consensus.label == "cherry_picked"


def test_the_fit_process_reads_a_big_communitys_votes_itself(storage, monkeypatch):
    import bot.votes as votes_module
    from bot.consensus import community_consensus
    from bot.votes import ConsensusCache

    check(storage)
    check(storage, url=VIMEO)
    c = fast(storage)
    for m in range(12):
        c.cast_vote("discord:1", YT, None, f"m{m}", "cherry_picked" if m % 4 else "cant_tell")
        c.cast_vote("discord:1", VIMEO, None, f"m{m}", "representative")
    assert c.count_votes("discord:1") == 24
    members, clips, labels = c.votes_loader("discord:1")()
    assert sorted(zip(members, clips, labels, strict=True)) == sorted(
        (v.member, v.clip, v.label) for v in c.community_votes("discord:1"))
    monkeypatch.setattr(votes_module, "PROCESS_FIT_VOTES", 10)
    fitted = asyncio.run(ConsensusCache(c, storage.threads, wait=60).community("discord:1"))
    assert fitted.fresh and fitted.clips == community_consensus(c.community_votes("discord:1"))


def test_a_community_with_settings_that_do_not_share_is_not_pooled(storage):
    """Only `share_attempts` True pools reports; having settings at all (a watched channel) is not consent."""
    c = fast(storage)
    c.record_attempt("discord:1", "ann", "sora", "eating", 15, 2, "")
    c.record_attempt("discord:2", "cid", "sora", "eating", 10, 9, "")
    storage.settings.save_settings(CommunitySettings("discord:1", share_attempts=True), "admin")
    storage.settings.save_settings(CommunitySettings("discord:2", watched_channels=frozenset({"C1"})), "admin")
    pool = c.attempt_pool("discord:1", "sora", ["eating"])
    assert [(t.member, t.tries) for t in pool.totals] == [("ann", 15)]


def test_a_clip_is_found_by_its_button_id_and_a_row_from_before_short_ids_still_answers(storage):
    check(storage)
    c = fast(storage)
    by_url = c.checked_clip("discord:1", YT, None)
    assert by_url is not None and by_url.short_id == short_clip_id(YT)
    assert c.checked_clip("discord:1", None, short_clip_id(YT)) == by_url
    assert c.checked_clip("discord:1", None, short_clip_id(VIMEO)) is None  # never checked
    with storage.engine.begin() as conn:  # a clip stored before migration 0007 gave clips a short id
        conn.execute(text("UPDATE clip SET short_id = NULL"))
    legacy = c.checked_clip("discord:1", YT, None)
    assert (legacy.id, legacy.canonical_url, legacy.short_id) == (by_url.id, YT, "")
    [(top, n)] = c.most_checked("discord:1", "sora")
    assert (top, n) == (legacy, 1)


def test_vote_history_is_one_clips_changes_in_one_community_oldest_first(storage):
    check(storage)
    check(storage, url=VIMEO)
    check(storage, community="discord:2")
    c = fast(storage)
    c.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
    c.cast_vote("discord:1", VIMEO, None, "ann", "cant_tell")  # another clip
    c.cast_vote("discord:2", YT, None, "ann", "representative")  # another community
    c.cast_vote("discord:1", YT, None, "ann", "representative")
    clip = c.checked_clip("discord:1", YT, None)
    history = c.vote_history("discord:1", clip.id)
    assert [(h["member"], h["before"], h["after"]) for h in history] == [("ann", None, "cherry_picked"),
                                                                         ("ann", "cherry_picked", "representative")]
    assert history[0]["id"] < history[1]["id"] and history[0]["at"] <= history[1]["at"]


def test_most_checked_keeps_the_top_five_by_count_then_the_earliest_clip(storage):
    urls = [f"https://vimeo.com/{100 + i}" for i in range(6)]
    for url, times in zip(urls, (1, 2, 1, 1, 1, 3), strict=True):
        for _ in range(times):
            check(storage, url=url)
    c = fast(storage)
    top = c.most_checked("discord:1", "sora")
    assert [(clip.canonical_url, n) for clip, n in top] == [(urls[5], 3), (urls[1], 2), (urls[0], 1), (urls[2], 1),
                                                            (urls[3], 1)]
    assert [clip.id for clip, _ in top] == [c.checked_clip("discord:1", u, None).id for u in
                                            (urls[5], urls[1], urls[0], urls[2], urls[3])]
    assert [n for _, n in c.most_checked("discord:1", "sora", limit=2)] == [3, 2]


def test_the_row_locking_vote_path_returns_the_vote_before_and_keeps_history(storage):
    """`VoteRepository.cast` is what Postgres uses (FOR UPDATE); run directly it keeps the same contract anywhere."""
    from storage.repositories.votes import VoteRepository

    check(storage)
    clip = fast(storage).checked_clip("discord:1", YT, None)
    with storage.uow() as uow:
        repo = VoteRepository(uow.session)
        assert repo.cast("discord:1", clip.id, "ann", "cherry_picked") is None
        assert repo.cast("discord:1", clip.id, "ann", "cherry_picked") == "cherry_picked"  # unchanged: no row
        assert repo.cast("discord:1", clip.id, "ann", "representative") == "cherry_picked"
        assert repo.cast("discord:1", clip.id, "bob", "cant_tell") is None
        uow.commit()
    assert rows(storage, "SELECT member, label FROM vote ORDER BY member") == [("ann", "representative"),
                                                                              ("bob", "cant_tell")]
    assert rows(storage, "SELECT community_id, member, before, after FROM vote_change ORDER BY id") == [
        ("discord:1", "ann", None, "cherry_picked"), ("discord:1", "ann", "cherry_picked", "representative"),
        ("discord:1", "bob", None, "cant_tell")]
    assert fast(storage).clip_votes("discord:1", clip.id) == ZERO | {"representative": 1, "cant_tell": 1}


def test_the_first_check_of_a_clip_shows_no_votes_yet(storage):
    result = check(storage, url="https://vimeo.com/424242", evidence=fast(storage)).to_json()
    assert result["community"]["votes"] == ZERO


def test_an_attempt_report_keeps_the_members_note(storage):
    fast(storage).record_attempt("discord:1", "ann", "sora", "eating", 15, 2, "forks melt into the noodles")
    assert rows(storage, "SELECT member, tries, usable, note FROM attempt") == [
        ("ann", 15, 2, "forks melt into the noodles")]


def test_a_vote_answers_with_its_clip_and_counts_are_per_community(storage):
    check(storage)
    check(storage, community="discord:2")
    c = fast(storage)
    assert (c.count_votes("discord:1"), c.votes_version("discord:1")) == (0, 0)
    first = c.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
    assert (first.clip.canonical_url, first.clip.short_id) == (YT, short_clip_id(YT))
    c.cast_vote("discord:2", YT, None, "bob", "representative")
    c.cast_vote("discord:2", YT, None, "cid", "representative")
    assert (c.count_votes("discord:1"), c.count_votes("discord:2"), c.count_votes("discord:9")) == (1, 2, 0)
    assert c.votes_version("discord:9") == 0
    with storage.engine.begin() as conn:  # a clip stored before clips had short ids
        conn.execute(text("UPDATE clip SET short_id = NULL"))
    legacy = c.cast_vote("discord:1", YT, None, "dee", "cant_tell")
    assert (legacy.clip.id, legacy.clip.canonical_url, legacy.clip.short_id) == (first.clip.id, YT, "")


def test_a_batch_of_votes_answers_each_voter_with_their_own_clips_tally(storage):
    from bot.votes import VoteIn

    check(storage)
    check(storage, url=VIMEO)
    check(storage, community="discord:2")
    c = fast(storage)
    c.cast_vote("discord:2", YT, None, "zed", "cherry_picked")  # another community's vote on the same clip
    out = c.cast_votes([VoteIn("discord:1", YT, None, "ann", "representative"),
                        VoteIn("discord:1", VIMEO, None, "ann", "cant_tell"),
                        VoteIn("discord:1", YT, None, "bob", "representative"),
                        VoteIn("discord:1", YT, None, "cid", "cant_tell"),
                        VoteIn("discord:1", VIMEO, None, "bob", "representative"),
                        VoteIn("discord:1", "https://vimeo.com/999", None, "ann", "cant_tell")])
    yt, vimeo = ZERO | {"representative": 2, "cant_tell": 1}, ZERO | {"representative": 1, "cant_tell": 1}
    assert [o.votes if o else None for o in out] == [yt, vimeo, yt, yt, vimeo, None]


def impatient(url: str):  # type: ignore[no-untyped-def]
    """Another process's engine that gives up on a held lock at once instead of waiting for it."""
    engine = make_engine(url)

    def at_once(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=0" if engine.dialect.name == "sqlite" else "SET lock_timeout = '1ms'")
        cur.close()
        dbapi_conn.commit()  # a Postgres SET inside a transaction that is rolled back would be undone

    event.listen(engine, "connect", at_once)
    return engine


def test_a_change_arriving_between_another_changes_read_and_write_is_held_off_not_lost(storage):
    """A vote's unit of work locks what it reads before reading the member's current vote: SQLite's file write
    lock (`lock_for_write`), Postgres's row lock (`FOR UPDATE` in `cast`).

    Another process changing the same vote exactly between that read and the write (the hook below runs it
    there) finds it locked, gives up at once (see `impatient`) and its member is told to try again; without
    the lock it would slip in, and the first change would be recorded as made from a vote that was no longer
    there: the history would lose the step in between.
    """
    first = storage
    second = impatient(storage.engine.url.render_as_string(hide_password=False))
    other_process = SqlCommunity(UnitOfWorkFactory(second), attempts=1)
    try:
        check(first)
        c = fast(first)
        c.cast_vote("discord:1", YT, None, "ann", "cant_tell")
        between: list[str] = []

        def other_change_between_read_and_write(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("UPDATE vote SET label") and not between:
                try:
                    other_process.cast_vote("discord:1", YT, None, "ann", "cherry_picked")
                    between.append("stored")
                except VoteNotStored:
                    between.append("held off")

        event.listen(first.engine, "before_cursor_execute", other_change_between_read_and_write)
        assert c.cast_vote("discord:1", YT, None, "ann", "representative").before == "cant_tell"
        event.remove(first.engine, "before_cursor_execute", other_change_between_read_and_write)
        assert rows(first, "SELECT before, after FROM vote_change ORDER BY id") == [
            (None, "cant_tell"), ("cant_tell", "representative")]
        assert between == ["held off"]
        assert other_process.cast_vote("discord:1", YT, None, "ann", "cherry_picked").before == "representative"
        assert rows(first, "SELECT before, after FROM vote_change ORDER BY id") == [
            (None, "cant_tell"), ("cant_tell", "representative"), ("representative", "cherry_picked")]
        assert rows(first, "SELECT label FROM vote") == [("cherry_picked",)]
    finally:
        second.dispose()
