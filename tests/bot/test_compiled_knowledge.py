"""Check services of one process share compiled matchers for equal knowledge, and only for equal knowledge."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict

import pytest

from bot import compiled_knowledge
from bot.knowledge import KnowledgeBase
from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from bot.signals import SignalExtractor
from tests.conftest import FixedKnowledge, make_tiny_kb

COMMUNITY = "console:local"


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """An empty process cache for the test, and the version of every knowledge base compiled."""
    monkeypatch.setattr(compiled_knowledge, "_snapshots", OrderedDict())
    seen: list[str] = []
    init = SignalExtractor.__init__

    def spy(self: SignalExtractor, kb: KnowledgeBase) -> None:
        seen.append(kb.version)
        init(self, kb)

    monkeypatch.setattr(SignalExtractor, "__init__", spy)
    return seen


def _level(service: CheckService, caption: str) -> str:
    result = asyncio.run(service.check(CheckRequest("https://vimeo.com/1", caption=caption, fetch=False, store=False),
                                       Actor(COMMUNITY, "me")))
    return str(result.level)


def _with_rating(kb: KnowledgeBase, model: str, capability: str, rating: str) -> KnowledgeBase:
    claims = tuple(dataclasses.replace(c, rating=rating) if (c.model, c.capability) == (model, capability) else c
                   for c in kb.claims)
    assert claims != kb.claims
    return dataclasses.replace(kb, claims=claims)  # the same version string: only the content tells them apart


def test_equal_knowledge_in_two_services_is_compiled_once_and_each_keeps_its_own_snapshot(
        compiles: list[str]) -> None:
    first_kb, second_kb = make_tiny_kb(), make_tiny_kb()
    assert first_kb == second_kb and first_kb is not second_kb
    first, second = CheckService(FixedKnowledge(first_kb)), CheckService(FixedKnowledge(second_kb))
    a, b = first.pipeline(COMMUNITY), second.pipeline(COMMUNITY)
    assert compiles == ["tiny"]
    assert a.signals is b.signals and a.rules is b.rules
    assert a.kb is first_kb and b.kb is second_kb
    assert _level(first, "Sora: a woman eating noodles") == _level(second, "Sora: a woman eating noodles")


def test_different_knowledge_under_one_version_string_never_shares_matchers(compiles: list[str]) -> None:
    tiny = make_tiny_kb()
    edited = _with_rating(tiny, "sora", "eating", "strength")
    assert edited.version == tiny.version and edited != tiny
    documented, edited_service = CheckService(FixedKnowledge(tiny)), CheckService(FixedKnowledge(edited))
    caption = "Sora: a woman eating noodles"
    assert _level(documented, caption) == "stress_test"  # eating is a documented weakness of Sora ...
    assert _level(edited_service, caption) != "stress_test"  # ... and a strength in the edited knowledge
    assert _level(documented, caption) == "stress_test"  # each service still reads its own
    assert documented.pipeline(COMMUNITY).rules is not edited_service.pipeline(COMMUNITY).rules
    assert len(compiles) >= 2


def test_a_new_version_is_compiled_and_every_service_hears_of_its_first_pipeline(compiles: list[str]) -> None:
    tiny = make_tiny_kb()
    newer = dataclasses.replace(_with_rating(tiny, "sora", "walking", "mixed"), version="tiny-2")
    heard: list[str] = []
    one = CheckService(FixedKnowledge(tiny), on_new_pipeline=lambda: heard.append("one"))
    two = CheckService(FixedKnowledge(tiny), on_new_pipeline=lambda: heard.append("two"))
    three = CheckService(FixedKnowledge(newer), on_new_pipeline=lambda: heard.append("three"))
    for service in (one, two, three, one, two, three):
        service.pipeline(COMMUNITY)
    assert compiles == ["tiny", "tiny-2"]
    assert heard == ["one", "two", "three"]  # a shared pipeline is still new to the service that gets it


def test_the_process_keeps_a_bounded_number_of_snapshots(compiles: list[str]) -> None:
    tiny = make_tiny_kb()
    kbs = [dataclasses.replace(tiny, version=f"v{n}") for n in range(compiled_knowledge.MAX_SNAPSHOTS + 1)]
    for kb in kbs:
        compiled_knowledge.compiled(kb)
    assert len(compiled_knowledge._snapshots) == compiled_knowledge.MAX_SNAPSHOTS
    compiled_knowledge.compiled(kbs[-1])  # kept: no compile
    compiled_knowledge.compiled(kbs[0])  # the oldest went: compiled again
    assert compiles == [kb.version for kb in kbs] + ["v0"]
