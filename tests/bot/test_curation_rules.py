"""The pure rules of curation and setup: citable sources, the community layer, references, settings changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.curation import source_url_problem
from bot.knowledge import Claim, Source
from bot.overrides import OverrideRow, layer, override_version
from bot.policy import CommunitySettings
from bot.ports import Actor
from bot.schedule import ScheduleError, UnknownTimezone
from bot.setup import Setup, SetupError, channel_ref, user_ref
from tests.conftest import make_tiny_kb


@pytest.mark.parametrize("url", [
    "https://openai.com", "https://openai.com/", "http://example.com", "ftp://example.com/a", "example.com/page",
    "https://localhost/page", "https://exa mple.com/a", "", "https://example.com/a\x1b[2J",
])
def test_sources_that_are_not_a_citable_page(url):
    assert source_url_problem(url) is not None


@pytest.mark.parametrize("url", [
    "https://openai.com/index/sora-2/", "http://example.com/a?b=1", "https://arxiv.org/abs/2503.21755",
    "https://example.com/?p=12",
])
def test_sources_that_are(url):
    assert source_url_problem(url) is None


def test_the_bare_host_message_says_what_to_give():
    assert source_url_problem("https://openai.com") == (
        "source 'https://openai.com' is a bare host: give the full URL of the page that says it")


def _claim_doc(model, capability, rating):
    return {"model": model, "capability": capability, "rating": rating, "note": "",
            "sources": [{"url": "https://example.com/a", "date": "", "note": ""}]}


def test_layer_replaces_every_global_claim_of_the_pair_and_keeps_the_rest():
    glob = make_tiny_kb()
    rows = [OverrideRow("claim", "kling-2 x hands", _claim_doc("kling-2", "hands", "strength"))]
    kb = layer(glob, rows, (), "v1")
    assert [c.rating for c in kb.claims_by_model["kling-2"]["hands"]] == ["strength"]  # both global ones replaced
    assert [c.rating for c in kb.claims_by_model["kling-2"]["eating"]] == ["strength"]
    assert kb.version == "tiny+v1"
    assert [c.rating for c in glob.claims_by_model["kling-2"]["hands"]] == ["mixed", "weakness"]


def test_layer_a_retired_claim_hides_the_global_rating():
    rows = [OverrideRow("claim", "sora x walking", _claim_doc("sora", "walking", "weakness"), retired=True)]
    kb = layer(make_tiny_kb(), rows, (), "v")
    assert "walking" not in kb.claims_by_model["sora"]


def test_layer_adds_models_and_capabilities_and_drops_claims_of_retired_ones():
    model = {"id": "wan", "name": "Wan 2.2", "vendor": "", "released": "", "aliases": ["wan"], "sites": [],
             "hashtags": [], "workflows": [], "notes": ""}
    cap = {"id": "backflip", "name": "Back flip", "parent": "sports", "terms": ["backflip"], "not_terms": [],
           "description": "", "implies": [], "unless": []}
    rows = [OverrideRow("model", "wan", model), OverrideRow("capability", "backflip", cap),
            OverrideRow("claim", "wan x backflip", _claim_doc("wan", "backflip", "weakness")),
            OverrideRow("model", "sora", {**model, "id": "sora", "name": "Sora", "aliases": ["sora"]}, retired=True)]
    kb = layer(make_tiny_kb(), rows, (), "v")
    assert kb.model_by_id["wan"].aliases == ("wan",)
    assert kb.path("backflip") == ("actions", "sports", "backflip")
    assert [c.rating for c in kb.claims_by_model["wan"]["backflip"]] == ["weakness"]
    assert "sora" not in kb.model_by_id and "sora" not in kb.claims_by_model


def test_override_version_moves_with_any_change_and_is_empty_for_nothing():
    row = OverrideRow("claim", "sora x walking", _claim_doc("sora", "walking", "weakness"))
    assert override_version([], []) == ""
    a = override_version([row])
    assert len(a) == 12
    assert override_version([dataclasses.replace(row, retired=True)]) != a
    legacy = Claim("sora", "food", "mixed", sources=(Source("https://example.com/f", "2025"),))
    assert override_version([row], [legacy]) not in (a, "")


@pytest.mark.parametrize(("ref", "community", "expected"), [
    ("<#C0123ABC|general>", "slack:T1", "C0123ABC"),
    ("<#C0123ABC>", "slack:T1", "C0123ABC"),
    ("<#112233445566778899>", "discord:1", "112233445566778899"),
    ("112233445566778899", "discord:1", "112233445566778899"),
    ("C0123ABC", "slack:T1", "C0123ABC"),
    ("#clips", "console:local", "clips"),
    ("clips", "console:local", "clips"),
])
def test_channel_references(ref, community, expected):
    assert channel_ref(ref, community) == expected


@pytest.mark.parametrize(("ref", "community", "message"), [
    ("<@U123ABC>", "slack:T1", "is a person, not a channel"),
    ("@alice", "console:local", "is a person, not a channel"),
    ("https://example.com/x", "console:local", "is not a channel"),
    ("general", "discord:1", "Mention it with #"),
    ("two words", "console:local", "is not a channel name"),
])
def test_what_is_not_a_channel(ref, community, message):
    with pytest.raises(SetupError, match=message):
        channel_ref(ref, community)


@pytest.mark.parametrize(("ref", "community", "expected"), [
    ("<@U0AB12>", "slack:T1", "U0AB12"),
    ("<@!112233445566>", "discord:1", "112233445566"),
    ("<@112233445566>", "discord:1", "112233445566"),
    ("U0AB12", "slack:T1", "U0AB12"),
    ("alice", "console:local", "console:alice"),
    ("@console:alice", "console:local", "console:alice"),
])
def test_user_references(ref, community, expected):
    assert user_ref(ref, community) == expected


def test_a_channel_is_not_a_user():
    with pytest.raises(SetupError, match="is a channel, not a person"):
        user_ref("<#C123|general>", "slack:T1")


class MemorySettings:
    """Read-change-save as the storage gateway does, without storage."""

    def __init__(self) -> None:
        self.rows: dict[str, CommunitySettings] = {}
        self.saves = 0

    def update_settings(self, community_id, change, actor):
        before = self.rows.get(community_id, CommunitySettings(community_id))
        after = change(before)
        self.rows[community_id] = after
        self.saves += 1
        return before, after


ADMIN = Actor("console:local", "console:root", is_admin=True)
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_digest_slot_is_validated_and_records_when_it_was_set_up():
    store = MemorySettings()
    setup = Setup(store, clock=lambda: NOON)
    res = setup.digest(ADMIN, "#digest", "fri", "17", "europe/paris")
    s = store.rows["console:local"]
    assert (s.digest_channel, s.digest_weekday, s.digest_hour, s.digest_timezone) == ("digest", 4, 17, "Europe/Paris")
    assert s.digest_set_up_at == "2026-11-27T12:00:00+00:00"
    assert res.message == "The weekly digest goes to digest on Fridays at 17:00 Europe/Paris."
    later = Setup(store, clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    later.digest(ADMIN, "digest", "friday", "17", "Europe/Paris")  # the same slot again: set_up_at kept
    assert store.rows["console:local"].digest_set_up_at == "2026-11-27T12:00:00+00:00"
    later.digest(ADMIN, "digest", "friday", "18", "Europe/Paris")
    assert store.rows["console:local"].digest_set_up_at == "2026-12-01T00:00:00+00:00"


def test_a_timezone_that_does_not_exist_is_refused_with_close_names():
    store = MemorySettings()
    with pytest.raises(UnknownTimezone, match="Did you mean Europe/Paris"):
        Setup(store).digest(ADMIN, "digest", "fri", "17", "Europe/Pariss")
    with pytest.raises(ScheduleError, match="not a weekday"):
        Setup(store).digest(ADMIN, "digest", "someday", "17", None)
    assert store.rows == {}


def test_the_last_named_admin_is_not_removed():
    store = MemorySettings()
    setup = Setup(store)
    setup.admins(ADMIN, "add", "alice")
    with pytest.raises(SetupError, match="console:alice is the last admin named here"):
        setup.admins(ADMIN, "remove", "alice")
    setup.admins(ADMIN, "add", "bob")
    setup.admins(ADMIN, "remove", "@alice")
    assert store.rows["console:local"].admins == frozenset({"console:bob"})
    with pytest.raises(SetupError, match="console:carol is not an admin named here"):
        setup.admins(ADMIN, "remove", "carol")


def test_watch_unwatch_and_share():
    store = MemorySettings()
    setup = Setup(store)
    setup.watch(ADMIN, "#clips", True)
    again = setup.watch(ADMIN, "clips", True)
    assert again.changed is False and again.message.startswith("Nothing to change")
    with pytest.raises(SetupError, match="I don't watch memes here. Watched: clips."):
        setup.watch(ADMIN, "memes", False)
    setup.watch(ADMIN, "clips", False)
    setup.share_attempts(ADMIN, True)
    s = store.rows["console:local"]
    assert s.watched_channels == frozenset() and s.share_attempts is True
