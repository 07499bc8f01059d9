"""The core of community memory with in-memory stores: /vote, /verdicts, /tried, the consensus cache, /model."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.attempts import (
    MAX_NOTE,
    AttemptPool,
    AttemptResult,
    AttemptService,
    MemberTotal,
    UnknownCapability,
    attempt_rates,
    pooled_rates,
    resolve_capability,
)
from bot.chat import ChatCore
from bot.clip_ids import short_clip_id
from bot.commands import REGISTRY
from bot.consensus import LABELS
from bot.context import Services
from bot.knowledge import Capability
from bot.links import LinkError
from bot.policy import Requester
from bot.ports import Actor, ThreadIO
from bot.reports import ModelReports
from bot.results import AttemptRate, CommunityEvidence, ErrorResult, ModelReport
from bot.service import CheckService
from bot.votes import ClipRef, ConsensusCache, VerdictsResult, VoteResult, VoteService, clip_key
from helpers.memory_ports import MemoryAttempts, MemoryVotes
from helpers.verdicts import decide
from tests.conftest import FixedKnowledge, make_tiny_kb

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
CLIP = ClipRef(7, YT, short_clip_id(YT))


def core(votes: MemoryVotes, attempts: MemoryAttempts | None = None, chart_dir: Path | None = None) -> ChatCore:
    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    io = ThreadIO()
    vote_service = VoteService(votes, io)
    attempt_service = AttemptService(attempts or MemoryAttempts(), io)
    reports = ModelReports(checks, attempts=attempt_service, votes=vote_service, clips=votes, chart_dir=chart_dir)
    return ChatCore(REGISTRY, Services(checks, reports, votes=vote_service, attempts=attempt_service))


def say(chat: ChatCore, line: str, user: str = "ann", community: str = "discord:1"):
    return asyncio.run(chat.handle_text(line, Requester(community, user, direct=True)))


def test_a_vote_by_link_or_button_id_with_a_label_typed_loosely():
    votes = MemoryVotes(("discord:1", CLIP))
    chat = core(votes)
    first = say(chat, "/vote https://youtu.be/dQw4w9WgXcQ Cherry picked")
    assert isinstance(first, VoteResult) and first.label == "cherry_picked" and first.before is None
    second = say(chat, f"/vote {CLIP.short_id} misleading-workflow")
    assert second.before == "cherry_picked" and second.label == "misleading_workflow" and second.changed
    assert second.votes == {"representative": 0, "cherry_picked": 0, "misleading_workflow": 1, "cant_tell": 0}


def test_a_vote_is_refused_with_a_reason_for_an_unknown_label_or_a_clip_not_checked_here():
    votes = MemoryVotes(("discord:2", CLIP))
    chat = core(votes)
    bad = say(chat, "/vote https://youtu.be/dQw4w9WgXcQ cheery_pickd", community="discord:2")
    assert isinstance(bad, ErrorResult) and "Did you mean cherry_picked?" in bad.message
    elsewhere = say(chat, "/vote https://youtu.be/dQw4w9WgXcQ representative", community="discord:1")
    assert isinstance(elsewhere, ErrorResult)
    assert elsewhere.message.startswith(f"Nobody has checked {YT} in this community yet")
    assert say(chat, "/verdicts https://youtu.be/dQw4w9WgXcQ").message == elsewhere.message
    assert votes.votes == {}


def test_clip_key_tells_a_button_id_from_a_link():
    assert clip_key(CLIP.short_id) == (None, CLIP.short_id)
    assert clip_key("<https://youtu.be/dQw4w9WgXcQ>") == (YT, None)
    with pytest.raises(LinkError):
        clip_key("not-a-link")


def test_the_consensus_is_refitted_only_when_the_communitys_votes_moved():
    votes = MemoryVotes(("discord:1", CLIP))
    service = VoteService(votes, ThreadIO())

    async def run():
        await service.vote(Actor("discord:1", "ann"), YT, "representative")
        a = await service.verdicts(Actor("discord:1", "bob"), YT)
        b = await service.verdicts(Actor("discord:1", "cid"), CLIP.short_id)
        assert service.cache.fits == 1 and votes.reads == 1
        await service.vote(Actor("discord:1", "ann"), YT, "representative")  # no change: same key
        await service.verdicts(Actor("discord:1", "bob"), YT)
        assert service.cache.fits == 1
        await service.vote(Actor("discord:1", "bob"), YT, "cant_tell")
        c = await service.verdicts(Actor("discord:1", "bob"), YT)
        assert service.cache.fits == 2
        return a, b, c

    a, b, c = asyncio.run(run())
    assert isinstance(a, VerdictsResult) and a.consensus.votes["representative"] == 1 and a.consensus.total == 1
    assert a.consensus.consensus is None and "not yet a clear majority" in a.consensus.note
    assert b.consensus == a.consensus
    assert c.consensus.votes == {"representative": 1, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 1}


def test_a_cache_shared_by_concurrent_verdicts_fits_once():
    votes = MemoryVotes(("discord:1", CLIP))
    votes.votes = {("discord:1", 7, f"m{i}"): "representative" for i in range(30)}
    votes.version = 30
    cache = ConsensusCache(votes, ThreadIO())

    async def run():
        return await asyncio.gather(*(cache.clip("discord:1", CLIP) for _ in range(10)))

    results = asyncio.run(run())
    assert cache.fits == 1 and votes.reads == 1
    assert {(r.total, fresh) for r, fresh in results} == {(30, True)}


def test_tried_stores_the_report_and_answers_with_the_pooled_hit_rate():
    attempts = MemoryAttempts()
    chat = core(MemoryVotes(), attempts)
    say(chat, "/tried Sora eating 15 2 forks melt into the noodles")
    reply = say(chat, "/tried sora Eating 5 4", user="bob")
    assert attempts.rows[0] == ("discord:1", "ann", "sora", "eating", 15, 2, "forks melt into the noodles")
    assert isinstance(reply, AttemptResult)
    assert (reply.rate.tries, reply.rate.usable, reply.rate.members, reply.rate.reports) == (20, 6, 2, 2)
    assert reply.rate.band == "hit_and_miss"  # 30%, Wilson 80% interval about 18-46%: neither side of the rule


@pytest.mark.parametrize("line, message", [
    ("/tried Sora eating 2 15", "You reported 15 usable out of 2 tries: usable can't be more than tries."),
    ("/tried Sora eating 0 0", "tries must be at least 1 (you gave 0)."),
    ("/tried Sora eating 5 -1", "usable can't be negative (you gave -1)."),
    ("/tried Sora eating 5000 1", "5,000 tries in one report looks like a typo: report at most 1,000 at a time."),
    ("/tried Sora eatting 5 1", "I don't know the capability 'eatting'. Did you mean eating?"),
    ("/tried Sorra eating 5 1", "I don't know a model called 'Sorra'. Did you mean Sora, Sora 2?"),
    ("/tried Sora eating five 1", "tries must be a whole number, not 'five'."),
])
def test_tried_refuses_impossible_reports_politely_and_stores_nothing(line, message):
    attempts = MemoryAttempts()
    reply = say(core(MemoryVotes(), attempts), line)
    assert isinstance(reply, ErrorResult) and reply.message == message
    assert attempts.rows == []


def test_capabilities_resolve_by_id_or_name():
    kb = make_tiny_kb()
    assert resolve_capability(kb, "Camera motion").id == "camera_motion"
    assert resolve_capability(kb, "camera-motion").id == "camera_motion"


def test_pooling_counts_reports_members_and_tries_separately():
    pool = AttemptPool("community", 1, (MemberTotal("eating", "ann", 30, 20, 3),
                                        MemberTotal("eating", "bob", 10, 9, 1)))
    rate = pooled_rates("sora", pool)["eating"]
    assert (rate.tries, rate.usable, rate.members, rate.reports) == (40, 29, 2, 4)
    assert rate.band == "usually_works" and rate.confirms


def test_the_verdict_trusts_the_hit_rate_rule_over_a_raw_share():
    lucky = AttemptRate("plants", 6, 6, confirms=False)  # 6 of 6 from one member: not enough evidence
    assert decide(make_tiny_kb(), "sora", "plants", "food",
                  community=CommunityEvidence(attempts=(lucky, AttemptRate("food", 6, 6, confirms=False)))
                  ).level == "showcase"
    solid = (AttemptRate("plants", 40, 30, confirms=True), AttemptRate("food", 40, 30, confirms=True))
    assert decide(make_tiny_kb(), "sora", "plants", "food",
                  community=CommunityEvidence(attempts=solid)).level == "representative"


def test_the_model_report_adds_hit_rates_clips_with_their_consensus_what_nobody_reported_and_a_chart(tmp_path):
    votes = MemoryVotes(("discord:1", CLIP))
    attempts = MemoryAttempts()
    attempts.record_attempt("discord:1", "ann", "sora", "eating", 15, 2, "")
    attempts.record_attempt("discord:2", "ann", "sora", "walking", 15, 2, "")  # another community's
    chat = core(votes, attempts, chart_dir=tmp_path)
    say(chat, f"/vote {YT} cherry_picked")
    report = say(chat, "/model Sora")
    assert isinstance(report, ModelReport)
    assert [(a.capability, a.tries, a.usable) for a in report.hit_rates] == [("eating", 15, 2)]
    assert report.attempts_scope == "community"
    leaves = ("people", "animals", "food", "plants", "talking", "walking", "hands", "basketball", "hockey",
              "football", "orbit")
    assert report.unreported == leaves
    (standing,) = report.most_checked
    assert (standing.canonical_url, standing.clip_id, standing.checks, standing.voters, standing.consensus) == (
        YT, CLIP.short_id, 4, 1, None)
    assert "not yet a clear majority" in standing.basis
    assert report.chart_path and Path(report.chart_path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_votes_cast_in_bursts_and_one_by_one_all_get_their_answer():
    """A vote arriving just as the writer found the queue empty used to wait forever (no writer left)."""
    votes = MemoryVotes(*(("discord:1", ClipRef(i, f"https://vimeo.com/{i}", short_clip_id(f"https://vimeo.com/{i}")))
                          for i in range(1, 6)))
    service = VoteService(votes, ThreadIO())

    async def member(m: int) -> list[VoteResult]:
        out = []
        for k in range(20):
            out.append(await service.vote(Actor("discord:1", f"m{m}"), f"https://vimeo.com/{1 + (m + k) % 5}",
                                          LABELS[(m * k) % 4]))
            if k % 7 == 0:
                await asyncio.sleep(0)
        return out

    async def run():
        return await asyncio.wait_for(asyncio.gather(*(member(m) for m in range(30))), timeout=20)

    results = asyncio.run(run())
    assert sum(len(r) for r in results) == 600
    assert service.batches < 600  # some votes shared a unit of work
    assert len(votes.votes) == 30 * 5
    assert votes.votes[("discord:1", 1 + (3 + 19) % 5, "m3")] == LABELS[(3 * 19) % 4]


def test_in_a_batch_only_the_vote_on_an_unchecked_clip_is_refused():
    votes = MemoryVotes(("discord:1", CLIP))
    service = VoteService(votes, ThreadIO())

    async def run():
        return await asyncio.gather(service.vote(Actor("discord:1", "ann"), YT, "representative"),
                                    service.vote(Actor("discord:1", "bob"), "https://vimeo.com/5", "representative"),
                                    service.vote(Actor("discord:1", "cid"), YT, "cant_tell"),
                                    return_exceptions=True)

    ann, bob, cid = asyncio.run(run())
    assert isinstance(ann, VoteResult) and isinstance(cid, VoteResult)
    assert type(bob).__name__ == "ClipNotChecked"
    assert cid.votes == {"representative": 1, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 1}


def test_a_batch_that_could_not_be_stored_answers_every_member_with_the_same_polite_error():
    from bot.votes import VoteNotStored

    class Broken(MemoryVotes):
        def cast_votes(self, votes):
            raise VoteNotStored("I couldn't store that just now.")

    service = VoteService(Broken(("discord:1", CLIP)), ThreadIO())

    async def run():
        return await asyncio.gather(*(service.vote(Actor("discord:1", f"m{i}"), YT, "representative")
                                      for i in range(5)), return_exceptions=True)

    assert [str(r) for r in asyncio.run(run())] == ["I couldn't store that just now."] * 5


def test_a_slow_refit_never_holds_up_a_reply_and_the_tally_is_always_current():
    import threading
    import time

    class Slow(MemoryVotes):
        """Each fit's read of the votes is held until the test lets it through: as slow as the test wants."""

        def __init__(self, *clips) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*clips)
            self.release = threading.Event()

        def community_votes(self, community_id):
            assert self.release.wait(10), "the test never let the fit read the votes"
            self.release.clear()  # the next fit is held again
            return super().community_votes(community_id)

    votes = Slow(("discord:1", CLIP))
    cache = ConsensusCache(votes, ThreadIO(), wait=0.05)
    service = VoteService(votes, ThreadIO(), cache)

    async def fitted(count: int) -> None:
        """Let the held fit finish and wait until it has (the cache counts its fits)."""
        votes.release.set()
        deadline = time.monotonic() + 10
        while cache.fits < count:
            assert time.monotonic() < deadline, "the background fit never finished"
            await asyncio.sleep(0.005)

    async def run():
        await service.vote(Actor("discord:1", "ann"), YT, "cherry_picked")
        started = time.perf_counter()
        first = await service.verdicts(Actor("discord:1", "bob"), YT)  # never fitted: tally only
        first_took = time.perf_counter() - started
        await fitted(1)
        second = await service.verdicts(Actor("discord:1", "bob"), YT)  # the background fit is in
        await service.vote(Actor("discord:1", "bob"), YT, "cherry_picked")
        third = await service.verdicts(Actor("discord:1", "cid"), YT)  # refitting: the previous fit, today's tally
        await fitted(2)
        return first, first_took, second, third

    first, first_took, second, third = asyncio.run(run())
    assert first_took < 0.5 and not first.fresh
    assert first.consensus.votes["cherry_picked"] == 1 and first.consensus.consensus is None
    assert "being worked out" in first.consensus.note
    assert second.fresh and second.consensus.total == 1
    assert not third.fresh and third.consensus.votes["cherry_picked"] == 2 and third.consensus.total == 2
    assert third.consensus.note.endswith("consensus as of earlier votes, being updated")


def test_a_big_community_is_fitted_in_another_process_with_the_same_answer(monkeypatch):
    import bot.votes as votes_module
    from bot.consensus import community_consensus

    votes = MemoryVotes(("discord:1", CLIP))
    votes.votes = {("discord:1", c, f"m{m}"): LABELS[(m * c) % 3] for m in range(15) for c in range(12)}
    votes.version = 1
    monkeypatch.setattr(votes_module, "PROCESS_FIT_VOTES", 0)
    fitted = asyncio.run(ConsensusCache(votes, ThreadIO(), wait=60).community("discord:1"))
    assert fitted.fresh and fitted.clips == community_consensus(votes.community_votes("discord:1"))
    assert votes_module._POOL is not None  # it really went through the process pool


def test_a_checks_hit_rates_keep_every_figure_of_the_pooled_rate_in_the_order_shown():
    """What a check and `/model` show per capability: rate, interval, members, reports, band, scope."""
    pool = AttemptPool("shared", 3, (MemberTotal("eating", "ann", 30, 20, 3), MemberTotal("eating", "bob", 10, 9, 1),
                                     MemberTotal("walking", "cy", 12, 1, 2)))
    rates = attempt_rates("sora", pool, ["walking", "food", "eating"])
    assert [r.capability for r in rates] == ["walking", "eating"]  # food has no reports
    pooled = pooled_rates("sora", pool)
    assert {r.model for r in pooled.values()} == {"sora"}
    for shown in rates:
        r = pooled[shown.capability]
        assert (shown.tries, shown.usable, shown.rate, shown.low, shown.high, shown.members, shown.reports,
                shown.band, shown.confirms, shown.scope) == (r.tries, r.usable, r.rate, r.low, r.high, r.members,
                                                             r.reports, r.band, r.confirms, "shared")
    walking, eating = rates
    assert (eating.rate, eating.reports, eating.confirms) == (29 / 40, 4, True)
    assert (walking.reports, walking.confirms) == (2, False)  # one member's 12 tries confirm nothing
    assert 0 < eating.low < eating.rate < eating.high < 1


def test_the_tried_reply_names_the_model_and_shot_and_keeps_the_note_as_typed(caplog):
    attempts = MemoryAttempts()
    chat = core(MemoryVotes(), attempts)
    with caplog.at_level("INFO", logger="bot.attempts"):
        reply = say(chat, "/tried sora Camera-Motion 8 3")
    assert [r.getMessage() for r in caplog.records] == ["attempt in discord:1 by ann: sora x camera_motion 3/8"]
    assert (reply.model_id, reply.model_name, reply.capability, reply.capability_name, reply.tries, reply.usable,
            reply.scope) == ("sora", "Sora", "camera_motion", "camera motion", 8, 3, "community")
    assert (reply.rate.model, reply.rate.capability, reply.rate.tries, reply.rate.usable) == ("sora", "camera_motion",
                                                                                              8, 3)
    assert attempts.rows[-1][6] == ""  # no note given: none stored
    assert isinstance(say(chat, "/tried sora eating 5 1 " + "n" * MAX_NOTE), AttemptResult)
    assert attempts.rows[-1][6] == "n" * MAX_NOTE
    refused = say(chat, "/tried sora eating 5 1 " + "n" * (MAX_NOTE + 1))
    assert isinstance(refused, ErrorResult)
    assert refused.message == "That note is 501 characters long; keep it under 500."
    assert len(attempts.rows) == 2
    rates, scope = asyncio.run(AttemptService(attempts, ThreadIO()).rates("discord:1", "sora"))
    assert scope == "community" and {(r.model, r.capability) for r in rates.values()} == {
        ("sora", "camera_motion"), ("sora", "eating")}


def test_an_unknown_capability_is_refused_with_the_closest_ones_or_the_command_that_lists_them():
    kb = make_tiny_kb()
    with pytest.raises(UnknownCapability) as e:
        resolve_capability(kb, "sport")
    assert str(e.value) == "I don't know the capability 'sport'. Did you mean sports, orbit?"
    caps = tuple(Capability(f"orbit_{c}", f"orbit {c}") for c in "abcde")
    with pytest.raises(UnknownCapability) as e:
        resolve_capability(dataclasses.replace(kb, capabilities=caps), "orbit_")
    head, named = str(e.value).split(" Did you mean ")
    assert head == "I don't know the capability 'orbit_'." and named.endswith("?")
    assert len(set(named[:-1].split(", ")) & {c.id for c in caps}) == 3  # five are as close: three are named
    with pytest.raises(UnknownCapability) as e:
        resolve_capability(kb, "  zzzzzzzz " + "q" * 50, prefix="/yuntai ")
    assert str(e.value) == (f"I don't know the capability 'zzzzzzzz {'q' * 31}'. /yuntai model NAME lists the kinds "
                            "of shot I know.")
    reply = say(core(MemoryVotes()), "/tried sora xylophone 5 1")
    assert reply.message == "I don't know the capability 'xylophone'. /model NAME lists the kinds of shot I know."
    on_slack = Requester("slack:T1", "ann", direct=True, command_prefix="/yuntai ")
    reply = asyncio.run(core(MemoryVotes()).handle_text("/tried sora xylophone 5 1", on_slack))
    assert reply.message == ("I don't know the capability 'xylophone'. /yuntai model NAME lists the kinds of shot "
                             "I know.")


def test_a_capability_is_found_by_its_id_typed_with_spaces_even_when_its_name_is_another():
    kb = dataclasses.replace(make_tiny_kb(), capabilities=(Capability("camera_motion", "Moving the camera"),))
    assert resolve_capability(kb, "Camera motion").id == "camera_motion"
    assert resolve_capability(kb, "moving-the camera").id == "camera_motion"


# -- the vote service and the consensus cache, pinned where a member would notice -----------------------------


def test_a_vote_answers_with_the_clip_and_logs_only_a_change(caplog):
    import logging

    votes = MemoryVotes(("discord:1", CLIP))
    service = VoteService(votes, ThreadIO())
    ann = Actor("discord:1", "ann")

    async def run():
        first = await service.vote(ann, CLIP.short_id, "representative")
        again = await service.vote(ann, YT, "representative")
        shown = await service.verdicts(ann, CLIP.short_id)
        await service.vote(ann, YT, "cant_tell")
        return first, again, shown

    with caplog.at_level(logging.INFO, logger="bot.votes"):
        first, again, shown = asyncio.run(run())
    assert (first.clip_url, first.clip_id, first.label, first.before) == (YT, CLIP.short_id, "representative", None)
    assert not again.changed and again.before == "representative"
    assert (shown.clip_url, shown.clip_id) == (YT, CLIP.short_id)
    assert [r.getMessage() for r in caplog.records if r.name == "bot.votes"] == [
        f"vote in discord:1 on clip {CLIP.short_id} by ann: None -> representative",
        f"vote in discord:1 on clip {CLIP.short_id} by ann: representative -> cant_tell"]


def test_a_clip_not_checked_here_is_named_and_the_check_command_spelled_for_the_platform():
    votes = MemoryVotes(("discord:2", CLIP))
    service = VoteService(votes, ThreadIO())
    slack = Actor("discord:1", "ann", command_prefix="/yuntai ")
    long = "https://example.com/" + "a" * 200

    async def refused(coro):
        with pytest.raises(Exception) as e:
            await coro
        return str(e.value)

    async def run():
        return (await refused(service.vote(slack, CLIP.short_id, "representative")),
                await refused(service.verdicts(slack, CLIP.short_id)),
                await refused(service.vote(Actor("discord:1", "ann"), long, "representative")))

    by_id, verdicts, by_link = asyncio.run(run())
    assert by_id == verdicts == (f"Nobody has checked {CLIP.short_id} in this community yet, so there is nothing to "
                                 "vote on: run /yuntai check on it first.")
    assert by_link == (f"Nobody has checked {long[:120]} in this community yet, so there is nothing to vote on: run "
                       "/check on it first.")
    assert votes.votes == {}


def test_a_checked_clip_without_votes_has_an_empty_tally_and_says_so():
    from bot.consensus import ClipConsensus

    votes = MemoryVotes(("discord:1", CLIP))
    shown = asyncio.run(VoteService(votes, ThreadIO()).verdicts(Actor("discord:1", "ann"), YT))
    assert shown.fresh and shown.consensus == ClipConsensus(
        "7", {"representative": 0, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 0}, 0, None, 0.0,
        None, None, "no votes yet")


def test_a_reply_that_cannot_wait_gets_todays_tally_and_says_the_consensus_is_coming():
    from bot.consensus import ClipConsensus

    votes = MemoryVotes(("discord:1", CLIP))
    votes.votes = {("discord:1", 7, "ann"): "cant_tell", ("discord:1", 7, "bob"): "representative"}
    votes.version = 2
    cache = ConsensusCache(votes, ThreadIO(), wait=60)

    async def run():
        now = await cache.clip("discord:1", CLIP, wait=0)  # the fit has not even started: no waiting for it
        later = await cache.clip("discord:1", CLIP)
        return now, later

    (now, now_fresh), (later, later_fresh) = asyncio.run(run())
    assert not now_fresh and now == ClipConsensus(
        "7", {"representative": 1, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 1}, 2, None, 0.0, None,
        None, "the consensus is being worked out from the latest votes; ask again in a minute")
    assert later_fresh and later.total == 2


def test_a_stale_consensus_keeps_its_own_note_and_adds_that_it_is_being_updated():
    from bot.consensus import ClipConsensus
    from bot.votes import Fitted

    votes = MemoryVotes(("discord:1", CLIP))
    votes.votes = {("discord:1", 7, "ann"): "representative"}
    cache = ConsensusCache(votes, ThreadIO())
    earlier = ClipConsensus("7", {}, 0, None, 0.0, None, None, "too few votes")
    plain = ClipConsensus("8", {}, 0, "representative", 0.9, None, None, "")
    other = ClipRef(8, "https://vimeo.com/8", short_clip_id("https://vimeo.com/8"))

    async def stale(community_id, wait=None):
        return Fitted({"7": earlier, "8": plain}, 0, False)

    cache.community = stale  # type: ignore[method-assign]
    (a, a_fresh), (b, _) = asyncio.run(cache.clips("discord:1", [CLIP, other]))
    assert not a_fresh and a.note == "too few votes; consensus as of earlier votes, being updated"
    assert a.votes["representative"] == 1 and a.total == 1
    assert b.note == "consensus as of earlier votes, being updated" and b.leading == "representative"


class Spy(MemoryVotes):
    """Votes per community, with the storage's optional bulk reader (`votes_loader`, `count_votes`)."""

    def __init__(self, count: int, *clips) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*clips)
        self.count = count
        self.loaded: list[str] = []
        self.counted: list[str] = []
        self.versions = {"discord:1": 3}

    def votes_version(self, community_id):
        return self.versions.get(community_id, 0)

    def count_votes(self, community_id):
        self.counted.append(community_id)
        return self.count

    def votes_loader(self, community_id):
        votes = self.community_votes(community_id)
        self.loaded.append(community_id)
        return lambda: ([v.member for v in votes], [v.clip for v in votes], [v.label for v in votes])


class Pool:
    """Stands in for the fit process: runs in a thread and counts what it was given."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.inner = ThreadPoolExecutor(1)
        self.calls: list[str] = []

    def submit(self, fn, *args):  # type: ignore[no-untyped-def]
        self.calls.append(fn.__name__)
        return self.inner.submit(fn, *args)


PARAMS_ARGS = {"min_wilson": 0.0, "min_score": 0.0, "min_member_votes": 1, "min_fit_clip_votes": 1,
               "min_bridge_votes": 1}  # a consensus on clip 7 that the calibrated defaults do not reach


def _votes_for_a_fit(store):
    store.votes = {("discord:1", c, f"m{m}"): LABELS[0] if (m + c) % 3 else LABELS[1] for m in range(6)
                   for c in (7, 8, 9)}
    store.votes[("discord:2", 7, "x")] = "misleading_workflow"


@pytest.mark.parametrize(("count", "threshold", "path"), [
    (6 * 3, 18, "_load_and_fit"),  # as many votes as the threshold: the fit process reads them itself
    (6 * 3, 19, "thread"),
])
def test_a_big_community_is_read_and_fitted_by_the_fit_process_from_the_threshold_on(monkeypatch, count, threshold,
                                                                                     path):
    import bot.votes as votes_module
    from bot.consensus import ConsensusParams, community_consensus

    params = ConsensusParams(**PARAMS_ARGS)
    store = Spy(count, ("discord:1", CLIP))
    _votes_for_a_fit(store)
    pool = Pool()
    monkeypatch.setattr(votes_module, "PROCESS_FIT_VOTES", threshold)
    monkeypatch.setattr(votes_module, "_fit_pool", lambda: pool)
    cache = ConsensusCache(store, ThreadIO(), params=params, wait=30)
    fitted = asyncio.run(cache.community("discord:1"))
    assert fitted.clips == community_consensus(store.community_votes("discord:1"), params)
    assert fitted.clips != community_consensus(store.community_votes("discord:1"))  # the params were used
    assert fitted.version == 3 and store.counted == ["discord:1"]
    assert pool.calls == ([path] if path != "thread" else []) and store.loaded == (["discord:1"] if pool.calls else [])


def test_without_a_bulk_reader_a_big_community_is_fitted_from_columns_in_the_fit_process(monkeypatch):
    import bot.votes as votes_module
    from bot.consensus import ConsensusParams, community_consensus

    params = ConsensusParams(**PARAMS_ARGS)
    store = MemoryVotes(("discord:1", CLIP))
    _votes_for_a_fit(store)
    pool = Pool()
    monkeypatch.setattr(votes_module, "_fit_pool", lambda: pool)
    for threshold, calls in ((18, ["_fit_columns"]), (19, ["_fit_columns"])):
        monkeypatch.setattr(votes_module, "PROCESS_FIT_VOTES", threshold)
        fitted = asyncio.run(ConsensusCache(store, ThreadIO(), params=params, wait=30).community("discord:1"))
        assert fitted.clips == community_consensus(store.community_votes("discord:1"), params)
        assert pool.calls == calls
    assert fitted.clips != community_consensus(store.community_votes("discord:1"))


def test_the_fit_process_helpers_give_the_in_process_answer_and_the_pool_is_one_spawned_worker(monkeypatch):
    import bot.votes as votes_module
    from bot.consensus import ConsensusParams, community_consensus

    params = ConsensusParams(**PARAMS_ARGS)
    store = MemoryVotes()
    _votes_for_a_fit(store)
    votes = store.community_votes("discord:1")
    columns = ([v.member for v in votes], [v.clip for v in votes], [v.label for v in votes])
    assert votes_module._fit_columns(*columns, params) == community_consensus(votes, params)
    assert votes_module._load_and_fit(lambda: columns, params) == community_consensus(votes, params)
    monkeypatch.setattr(votes_module, "_POOL", None)
    pool = votes_module._fit_pool()  # no process starts until a fit is submitted
    try:
        assert votes_module._fit_pool() is pool
        assert pool._max_workers == 1 and pool._mp_context.get_start_method() == "spawn"
    finally:
        pool.shutdown()


class GateIO:
    """Blocking IO run on the loop once the test opens the gate; counts the units of work in flight."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.inflight = 0
        self.most = 0

    async def run(self, fn, *args):  # type: ignore[no-untyped-def]
        self.inflight += 1
        self.most = max(self.most, self.inflight)
        try:
            await self.gate.wait()
            return fn(*args)
        finally:
            self.inflight -= 1


async def _turns(n: int = 10) -> None:
    for _ in range(n):
        await asyncio.sleep(0)  # a turn of the event loop, not a wait for time


def test_one_writer_at_a_time_votes_arriving_meanwhile_go_in_the_next_batch_sorted_and_nothing_is_left_behind():
    clips = [ClipRef(i, f"https://vimeo.com/{i}", short_clip_id(f"https://vimeo.com/{i}")) for i in (1, 2)]
    seen: list[list[tuple]] = []

    class Recording(MemoryVotes):
        def cast_votes(self, votes):
            seen.append([(v.canonical_url, v.short_id, v.member) for v in votes])
            return super().cast_votes(votes)

    low, high = sorted(clips, key=lambda c: c.short_id)
    votes = Recording(*(("discord:1", c) for c in clips))
    io = GateIO()
    service = VoteService(votes, io)  # the default: one writer, as SQLite has

    async def round_(first: str) -> None:
        io.gate.clear()
        held = asyncio.create_task(service.vote(Actor("discord:1", first), "https://vimeo.com/1", "representative"))
        await _turns()
        assert io.inflight == 1
        later = [asyncio.create_task(service.vote(Actor("discord:1", m), clip, "cant_tell"))
                 for m, clip in (("zed", "https://vimeo.com/1"), ("amy", clips[1].short_id),
                                 ("bob", "https://vimeo.com/1"), ("amy", "https://vimeo.com/2"),
                                 ("aaa", high.short_id), ("zzz", low.short_id))]
        await _turns()
        assert io.most == 1  # no second writer while the first is held
        io.gate.set()
        await asyncio.wait_for(asyncio.gather(held, *later), 10)
        await _turns()

    async def run():
        await round_("ann")
        await round_("cid")  # the writer count went back to zero: still one at a time
        return service.batches, set(service._tasks)

    batches, tasks = asyncio.run(run())
    assert batches == 4 and tasks == set()
    by_id = sorted([(None, clips[1].short_id, "amy"), (None, high.short_id, "aaa"), (None, low.short_id, "zzz")],
                   key=lambda v: (v[1], v[2]))
    assert seen[1] == [*by_id, ("https://vimeo.com/1", None, "bob"), ("https://vimeo.com/1", None, "zed"),
                       ("https://vimeo.com/2", None, "amy")]  # by clip first: a member's name is not the lock order
    assert len(seen) == 4 and seen[0] == [("https://vimeo.com/1", None, "ann")]


def test_a_failed_batch_does_not_strand_the_votes_queued_behind_it():
    from bot.votes import VoteNotStored

    class FailsOnce(MemoryVotes):
        failed = False

        def cast_votes(self, votes):
            if not self.failed:
                self.failed = True
                raise VoteNotStored("I couldn't store that just now.")
            return super().cast_votes(votes)

    votes = FailsOnce(("discord:1", CLIP))
    service = VoteService(votes, ThreadIO())
    service.MAX_BATCH = 2

    async def run():
        return await asyncio.wait_for(asyncio.gather(*(service.vote(Actor("discord:1", f"m{i}"), YT, "representative")
                                                       for i in range(4)), return_exceptions=True), 10)

    results = asyncio.run(run())
    assert [type(r).__name__ for r in results] == ["VoteNotStored", "VoteNotStored", "VoteResult", "VoteResult"]
    assert sorted(m for (_, _, m) in votes.votes) == ["m2", "m3"]


def test_without_storage_vote_verdicts_and_tried_say_so():
    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks)))
    assert say(chat, f"/vote {YT} representative") == ErrorResult(
        "Votes are not available here (this process has no storage).")
    assert say(chat, f"/verdicts {YT}") == ErrorResult("Votes are not available here (this process has no storage).")
    assert say(chat, "/tried sora eating 5 1") == ErrorResult(
        "Attempt reports are not available here (this process has no storage).")


def test_tried_reads_the_capabilities_of_the_members_own_community():
    from bot.overrides import OverrideRow, layer

    class PerCommunity:
        def knowledge_base(self, community_id):
            own = [OverrideRow("capability", "flip", {"id": "flip", "name": "Flip", "parent": "sports",
                                                      "terms": ["flip"]})] if community_id == "discord:1" else []
            return layer(make_tiny_kb(), own, (), community_id)

    attempts = MemoryAttempts()
    checks = CheckService(PerCommunity())
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks),
                                       attempts=AttemptService(attempts, ThreadIO())))
    assert isinstance(say(chat, "/tried sora flip 5 1"), AttemptResult)
    assert isinstance(say(chat, "/tried sora flip 5 1", community="discord:2"), ErrorResult)
    assert [row[:4] for row in attempts.rows] == [("discord:1", "ann", "sora", "flip")]


def test_a_communitys_new_votes_are_fitted_again_and_every_clip_asked_about_is_answered():
    clips = [ClipRef(i, f"https://vimeo.com/{i}", short_clip_id(f"https://vimeo.com/{i}")) for i in (7, 8, 9)]
    store = Spy(0, *(("discord:1", c) for c in clips))
    _votes_for_a_fit(store)
    cache = ConsensusCache(store, ThreadIO(), wait=30)

    async def run():
        first = await cache.clips("discord:1", clips)
        store.versions["discord:1"] = 4  # a vote moved in this community only
        await cache.clips("discord:1", clips)
        return first

    first = asyncio.run(run())
    assert [(c.clip, fresh) for c, fresh in first] == [("7", True), ("8", True), ("9", True)]
    assert cache.fits == 2


def test_a_stale_answer_covers_every_clip_asked_about_fitted_before_or_not():
    from bot.consensus import ClipConsensus
    from bot.votes import Fitted

    clips = [ClipRef(i, f"https://vimeo.com/{i}", short_clip_id(f"https://vimeo.com/{i}")) for i in (7, 8, 9)]
    cache = ConsensusCache(MemoryVotes(), ThreadIO())

    async def stale(community_id, wait=None):
        return Fitted({"9": ClipConsensus("9", {}, 0, None, 0.0, None, None, "")}, 0, False)

    cache.community = stale  # type: ignore[method-assign]
    answers = asyncio.run(cache.clips("discord:1", clips))
    assert [(c.clip, c.note.split(";")[0][:20], fresh) for c, fresh in answers] == [
        ("7", "the consensus is bei", False), ("8", "the consensus is bei", False),
        ("9", "consensus as of earl", False)]


def test_two_writers_at_most_when_storage_takes_two():
    votes = MemoryVotes(*(("discord:1", ClipRef(i, f"https://vimeo.com/{i}", short_clip_id(f"https://vimeo.com/{i}")))
                          for i in (1, 2, 3)))
    io = GateIO()
    service = VoteService(votes, io, writers=2)

    async def run():
        tasks = []
        for i in (1, 2, 3):
            tasks.append(asyncio.create_task(service.vote(Actor("discord:1", f"m{i}"), f"https://vimeo.com/{i}",
                                                          "representative")))
            await _turns()
        most = io.most
        io.gate.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        return most

    assert asyncio.run(run()) == 2 and service.batches == 3 and len(votes.votes) == 3
