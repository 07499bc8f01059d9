"""Defects from the command layer's review, each pinned by a test that failed before its fix."""

from __future__ import annotations

import asyncio
import re
import tomllib
from pathlib import Path

from bot.chat import ChatCore
from bot.commands import REGISTRY
from bot.context import Services
from bot.digest import documented_weak_spots
from bot.knowledge import Claim, KnowledgeBase
from bot.policy import Requester
from bot.ports import Actor
from bot.reports import ModelReports
from bot.results import CheckResult
from bot.service import CheckRequest, CheckService
from tests.conftest import SRC, FixedKnowledge, make_tiny_kb

ROOT = Path(__file__).resolve().parents[2]


def test_sqlmodel_is_pinned_to_a_release_with_the_type_the_migrations_use():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(d for d in deps if d.startswith("sqlmodel"))
    low = re.search(r">=\s*([0-9.]+)", pin).group(1)
    assert tuple(int(x) for x in low.split(".")) >= (0, 0, 45)  # 0.0.45 introduced sqltypes.UTCDateTime
    migrations = "".join(p.read_text() for p in (ROOT / "storage/migrations/versions").glob("*.py"))
    assert "sqltypes.UTCDateTime" in migrations
    import sqlmodel.sql.sqltypes as types

    assert hasattr(types, "UTCDateTime")


def test_digest_weak_spots_follow_the_verdicts_rule_curated_outranks_derived():
    base = make_tiny_kb()
    extra = (Claim("runway-gen3", "walking", "strength", sources=SRC),
             Claim("runway-gen3", "walking", "weakness", sources=SRC, derived_from="vbench:x"),
             Claim("runway-gen3", "dancing_only_derived", "weakness", sources=SRC, derived_from="vbench:y"))
    kb = KnowledgeBase(base.models, base.capabilities, base.claims + extra, version="t")
    weak = documented_weak_spots(kb)
    # Sora's curated walking weakness still counts; runway's derived weakness alone is outranked there
    assert "walking" in weak
    runway_only = KnowledgeBase(base.models, base.capabilities, extra[:2], version="r")
    assert documented_weak_spots(runway_only) == set()  # raw claims would have said "walking"
    assert "dancing_only_derived" in documented_weak_spots(KnowledgeBase(base.models, base.capabilities,
                                                                         extra[2:], version="d"))


def test_fetching_on_without_a_page_reader_says_so_not_that_fetching_was_off():
    svc = CheckService(FixedKnowledge(make_tiny_kb()))  # no metadata source
    r = asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora forest", fetch=True),
                              Actor("c", "u")))
    assert r.clip.fetch_error == "not fetched (no page reader is set up in this process)"
    off = asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora forest", fetch=False),
                                Actor("c", "u")))
    assert off.clip.fetch_error == "not fetched (fetching was turned off)"


class Log:
    def __init__(self) -> None:
        self.captions: list[str | None] = []

    def record_checks(self, records) -> None:
        self.captions.extend(r.caption for r in records)


def test_nul_and_lone_surrogates_in_chat_text_are_cleaned_at_the_edge():
    log = Log()
    checks = CheckService(FixedKnowledge(make_tiny_kb()), check_log=log)
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks), fetch=False))
    who = Requester("c", "u", direct=True)
    typed = asyncio.run(chat.handle_text("/check https://youtu.be/dQw4w9WgXcQ Sora a wo\x00man \ud800eating", who))
    pasted = asyncio.run(chat.handle_text("https://youtu.be/dQw4w9WgXcQ Sora a cat\x00", who))
    structured = asyncio.run(chat.invoke(("check",), {"link": "https://youtu.be/dQw4w9WgXcQ",
                                                      "caption": "Sora\x00 forest"}, who))
    assert all(isinstance(r, CheckResult) for r in (typed, pasted, structured))
    assert log.captions == ["Sora a woman eating", "Sora a cat", "Sora forest"]


def test_the_summary_states_the_same_showcase_basis_as_the_verdict():
    """A rated subject (hit-and-miss people) must not override what the most specific shot (eating, a
    strength) decided: the summary said "gets only sometimes" while the reasons said "strengths"."""
    base = make_tiny_kb()
    claims = (Claim("kling-2", "people", "mixed", sources=SRC), Claim("kling-2", "eating", "strength", sources=SRC))
    kb = KnowledgeBase(base.models, base.capabilities, claims, version="s")
    r = asyncio.run(CheckService(FixedKnowledge(kb)).check(
        CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Kling 2.1: a woman eating noodles", fetch=False),
        Actor("c", "u")))
    assert r.level == "showcase"
    assert r.verdict.reasons[0].startswith("It shows the model's strengths")
    assert "strengths" in r.summary and "gets only sometimes" not in r.summary
