"""The digest preview: per-community figures, weak spots nobody showed, LLM usage lines."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from adapters.cli import main
from adapters.text_render import render_digest
from bot.digest import DigestFigures, DigestService
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
    svc.preview(admin, days=30)
    assert source.calls[-1] == ("discord:7", now - timedelta(days=30), now)
