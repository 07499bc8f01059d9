"""The digest preview: per-community figures, weak spots nobody showed, LLM usage lines."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from adapters.cli import main
from adapters.text_render import render_digest
from bot.digest import (
    AttemptMover,
    AttemptSummary,
    ConsensusReached,
    ContestedClip,
    DigestFigures,
    DigestService,
    NoActivity,
    weekly_digest,
)
from bot.levels import LEVELS
from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from tests.conftest import FixedKnowledge, make_tiny_kb


class Usage:
    def lines(self) -> list[str]:
        return ["LLM summaries (m) on 2026-11-24 (UTC): 900 of 1,000 tokens (90%), 3 requests."]


def test_preview_counts_one_community_and_names_unshown_weak_spots(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    st = Storage.on(engine)
    st.knowledge.import_knowledge(make_tiny_kb())
    svc = CheckService(st.knowledge, metadata_cache=st.metadata, check_log=st.checks)
    a, b = Actor("discord:1", "u1"), Actor("discord:2", "u2")
    for caption in ("Sora: a woman eating noodles", "Sora: a forest", "Kling: a man eating a burger"):
        asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption=caption, fetch=False), a))
    asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora walk", fetch=False), b))
    # a curator's change this week counts; the seed import does not
    kb = make_tiny_kb()
    changed = tuple(dataclasses.replace(c, rating="mixed") if (c.model, c.capability) == ("sora", "food") else c
                    for c in kb.claims)
    st.knowledge.import_knowledge(dataclasses.replace(kb, claims=changed), actor="admin:1")

    admin = dataclasses.replace(a, is_admin=True)
    digest = DigestService(st.checks, st.knowledge.knowledge_base, lambda cid: Usage()).preview(admin)
    f = digest.figures
    assert f.checks == 3
    assert f.by_level["stress_test"] == 1 and sum(f.by_level.values()) == 3
    assert f.by_model == {"sora": 2, "kling-2": 1}
    assert f.shown["eating"] == 2 and "walking" not in f.shown
    assert f.kb_changes == 1
    assert "walking" in digest.unshown_weaknesses and "eating" not in digest.unshown_weaknesses
    text = render_digest(digest)
    assert "3 clip checks" in text and "900 of 1,000 tokens" in text
    assert DigestService(st.checks, st.knowledge.knowledge_base).preview(b).figures.checks == 1
    member_view = DigestService(st.checks, st.knowledge.knowledge_base, lambda cid: Usage()).preview(a)
    assert member_view.usage_lines == ()  # token use is for admins, as /usage is


def test_digest_preview_command(tmp_path, monkeypatch, capsys, seeded_db_url):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", seeded_db_url)
    assert main(["check", "https://youtu.be/dQw4w9WgXcQ", "--caption", "Sora forest", "--no-fetch"]) == 0
    capsys.readouterr()
    assert main(["digest", "preview"]) == 0
    out = capsys.readouterr().out
    assert "console:local" in out and "1 clip checks" in out and "LLM summaries: not configured" not in out
    assert main(["digest", "preview", "--community", "slack:T1"]) == 0
    assert "No clips were checked" in capsys.readouterr().out


class RecordingSource:
    """The check log's digest figures, recording which community and window each call asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime, datetime | None]] = []

    def digest_figures(self, community_id, since, until=None):  # type: ignore[no-untyped-def]
        self.calls.append((community_id, since, until))
        return DigestFigures(1, {"showcase": 1}, {"sora": 1}, {"eating": 1}, 0)


class UsagePerCommunity:
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id

    def lines(self) -> list[str]:
        return [f"LLM summaries for {self.community_id}: 10 of 1,000 tokens."]


def test_the_preview_covers_the_seven_days_up_to_now_in_the_admins_own_community():
    now = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)
    source = RecordingSource()
    svc = DigestService(source, FixedKnowledge(make_tiny_kb()).knowledge_base, UsagePerCommunity, clock=lambda: now)
    admin = Actor("discord:7", "u1", is_admin=True)
    digest = asyncio.run(svc.preview_async(admin))
    assert source.calls == [("discord:7", now - timedelta(days=7), now)]
    assert (digest.community_id, digest.since, digest.until) == ("discord:7", now - timedelta(days=7), now)
    assert digest.usage_lines == ("LLM summaries for discord:7: 10 of 1,000 tokens.",)
    assert render_digest(digest).startswith("Digest preview for discord:7: 2026-11-26 to 2026-12-03")
    assert digest.figures.by_level == dict.fromkeys(LEVELS, 0) | {"showcase": 1}  # every level, in order
    assert list(digest.figures.by_level) == list(LEVELS)
    svc.preview(admin)
    assert source.calls[-1] == ("discord:7", now - timedelta(days=7), now)
    svc.preview(admin, days=30)
    assert source.calls[-1] == ("discord:7", now - timedelta(days=30), now)


class RecordingActivity(NoActivity):
    """Votes and attempts of one community, answering only for that community and the window asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[object, ...]]] = []

    def contested_clips(self, community_id, since, until, limit=3):  # type: ignore[no-untyped-def]
        self.calls.append(("contested", community_id, (since, until)))
        return [ContestedClip("abc", "https://vimeo.com/1", {"representative": 3, "cherry_picked": 3})]

    def consensus_reached(self, community_id, since, until):  # type: ignore[no-untyped-def]
        self.calls.append(("consensus", community_id, (since, until)))
        return [ConsensusReached("def", "https://vimeo.com/2", "representative", "basis")]

    def attempt_summary(self, community_id, since, until):  # type: ignore[no-untyped-def]
        self.calls.append(("summary", community_id, (since, until)))
        return AttemptSummary(2, 20, 5)

    def attempt_movers(self, community_id, since, until, limit=5):  # type: ignore[no-untyped-def]
        self.calls.append(("movers", community_id, (since, until)))
        return [AttemptMover("sora", "eating", None, 0.25, 20, 5)]

    def working_capabilities(self, community_id, until):  # type: ignore[no-untyped-def]
        self.calls.append(("working", community_id, (until,)))
        return frozenset({"talking"})


def test_the_weekly_digest_reads_one_communitys_week_before_its_slot():
    slot = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    week = (slot - timedelta(days=7), slot)
    source = RecordingSource()
    asked: list[str] = []

    def knowledge(community_id: str):  # type: ignore[no-untyped-def]
        asked.append(community_id)
        return make_tiny_kb()

    activity = RecordingActivity()
    d = weekly_digest(DigestService(source, knowledge), activity, "slack:T9", "2026-W50", slot)
    assert source.calls == [("slack:T9", *week)] and asked == ["slack:T9"]
    assert sorted(activity.calls) == sorted([("contested", "slack:T9", week), ("consensus", "slack:T9", week),
                                             ("summary", "slack:T9", week), ("movers", "slack:T9", week),
                                             ("working", "slack:T9", (slot,))])
    assert (d.community_id, d.week, d.slot_at, d.base.since, d.base.until) == ("slack:T9", "2026-W50", slot, *week)
    assert d.most_contested.short_id == "abc" and d.consensus[0].short_id == "def"
    assert d.attempts == AttemptSummary(2, 20, 5) and d.movers[0].capability == "eating"
    # the tiny knowledge base's weak spots nobody showed, less the one attempts confirmed working
    assert "talking" in d.base.unshown_weaknesses and "talking" not in d.not_shown_working
    assert set(d.not_shown_working) == set(d.base.unshown_weaknesses) - {"talking"} and d.not_shown_working
    assert d.summary() == {"checks": 1, "by_level": {"showcase": 1}, "kb_changes": 0, "consensus_reached": 1,
                           "attempt_reports": 2}
