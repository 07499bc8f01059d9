"""The pure rules of curation and setup: citable sources, the community layer, references, settings changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.curation import ChangeRecord, Curation, CurationError, source_url_problem
from bot.knowledge import Claim, Model, Source
from bot.overrides import OverrideRow, claim_doc, layer, model_doc, override_version
from bot.policy import CommunitySettings
from bot.ports import Actor
from bot.schedule import ScheduleError, UnknownTimezone
from bot.setup import Setup, SetupError, channel_ref, describe, user_ref
from helpers.memory_ports import MemoryCuration, MemorySettings
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


# -- the curation use cases against an in-memory store: every reply an admin reads, word for word ----------


def curation(store=None):
    store = store or MemoryCuration()
    return Curation(store, store.knowledge_base, make_tiny_kb), store


PAGE = "https://example.com/reviews/sora-walking"


def test_source_problems_say_what_is_wrong_with_the_first_60_characters():
    long = "https://" + "a" * 70
    assert source_url_problem("  ") == "a source needs a URL"
    assert source_url_problem(None) == "a source needs a URL"
    assert source_url_problem(long + " x") == f"source {long[:60]!r} has spaces in it"
    assert source_url_problem(long + "\x1b") == f"source {long[:60]!r} has control characters in it"
    assert source_url_problem("http://[::1" + "a" * 70) == f"source {('http://[::1' + 'a' * 70)[:60]!r} is not a URL"
    assert source_url_problem("ftp://" + "b" * 70 + "/x") == f"source {('ftp://' + 'b' * 70)[:60]!r} must be an " \
        "http(s) link"
    assert source_url_problem("https://" + "c" * 70 + "/x") == f"source {('https://' + 'c' * 70)[:60]!r} has no " \
        "public host name"
    assert source_url_problem("https://" + "d" * 70 + ".com//") == f"source {('https://' + 'd' * 70)[:60]!r} is a " \
        "bare host: give the full URL of the page that says it"
    assert source_url_problem("https://example.com/X") is None  # a one-letter path is a page
    assert source_url_problem("https://example.com/XX") is None


def test_a_new_model_its_aliases_and_the_reply():
    cur, store = curation()
    res = cur.add_model(ADMIN, " Hunyuan ", "  Hunyuan   Video ", "hy video; HY-2\nhy video,,")
    assert res.message == "Added the model Hunyuan Video (hunyuan) for this community. Change #1."
    assert res.change.action == "create" and res.change.before is None and res.change.actor == "console:root"
    assert res.change.after == {"doc": model_doc(Model("hunyuan", "Hunyuan Video", aliases=("hy video", "HY-2"))),
                                "retired": False}
    assert store.knowledge_base("console:local").model_by_id["hunyuan"].aliases == ("hy video", "HY-2")
    # a name is checked against the other models' ids, names and aliases with punctuation and case ignored
    with pytest.raises(CurationError) as e:
        cur.add_model(ADMIN, "k3", "Kling 3", "KLING-2.1")
    assert str(e.value) == "'KLING-2.1' already names the model kling-2; pick another name."
    with pytest.raises(CurationError) as e:
        cur.add_model(ADMIN, "k3", "Kling 3", "--")
    assert str(e.value) == "The name '--' has no letters or digits."


@pytest.mark.parametrize(("args", "message"), [
    (("Bad Id", "X", None), "A model id is lowercase letters, digits, '-' or '_' (up to 64), not 'bad id'."),
    (("-x", "X", None), "A model id is lowercase letters, digits, '-' or '_' (up to 64), not '-x'."),
    (("a" * 65, "X", None), f"A model id is lowercase letters, digits, '-' or '_' (up to 64), not {'a' * 40!r}."),
    (("sora", "Sora again", None), "The model sora exists already; use /kb update model sora."),
    (("m", " \x00 ", None), "The model's name can't be empty."),
    (("m", "n" * 201, None), "The model's name is 201 characters long; at most 200, please."),
    (("m", "M", "ok, " + "a" * 1201), "The alias is 1,201 characters long; at most 200, please."),
])
def test_a_model_that_cannot_be_added_says_why(args, message):
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.add_model(ADMIN, *args)
    assert str(e.value) == message and store.changes == []


def test_names_of_exactly_the_limit_are_taken():
    cur, _ = curation()
    assert cur.add_model(ADMIN, "a" * 64, "n" * 200, None).change.key == "a" * 64


def test_a_retired_model_can_be_added_again_and_a_live_one_only_once_even_from_a_stale_snapshot():
    cur, store = curation()
    cur.add_model(ADMIN, "wan", "Wan", None)
    cur.retire(ADMIN, "model", "wan", None)
    again = cur.add_model(ADMIN, "wan", "Wan 2", None)
    assert again.change.action == "create" and again.change.before["retired"] is True
    stale = Curation(store, lambda community_id: make_tiny_kb(), make_tiny_kb)  # another admin's older snapshot
    with pytest.raises(CurationError) as e:
        stale.add_model(ADMIN, "wan", "Wan 3", None)
    assert str(e.value) == "The model wan exists already; use /kb update model wan."
    cur.add_capability(ADMIN, "backflip", "Back flip", None, None)
    with pytest.raises(CurationError) as e:
        stale.add_capability(ADMIN, "backflip", "Back flip", None, None)
    assert str(e.value) == "The capability backflip exists already."


def test_a_new_capability_under_a_parent_its_words_and_the_reply():
    cur, store = curation()
    res = cur.add_capability(ADMIN, "BackFlip", "Back  flip", "Sports", "Back Flip; flips\nBack Flip")
    assert res.message == "Added the capability Back flip (backflip) under sports for this community. Change #1."
    kb = store.knowledge_base("console:local")
    assert kb.capability_by_id["backflip"].terms == ("back flip", "flips")
    assert kb.path("backflip") == ("actions", "sports", "backflip")
    top = cur.add_capability(ADMIN, "lighting", "Lighting", None, None)
    assert top.message == "Added the capability Lighting (lighting) for this community. Change #2."
    assert store.knowledge_base("console:local").capability_by_id["lighting"].parent is None


@pytest.mark.parametrize(("args", "message"), [
    (("Flip It", "F", None, None), "A capability id is lowercase letters, digits, '-' or '_' (up to 64), not "
                                   "'flip it'."),
    (("walking", "W", None, None), "The capability walking exists already; use /kb update capability walking."),
    (("flip", "\t", None, None), "The capability's name can't be empty."),
    (("flip", "F", "gymnastics", None), "I don't know a capability called 'gymnastics'."),
    (("flip", "F", None, "w" * 101), "The word is 101 characters long; at most 100, please."),
    (("flip", "F", None, ",".join(f"w{i}" for i in range(201))), "That is 201 words; at most 200, please."),
])
def test_a_capability_that_cannot_be_added_says_why(args, message):
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.add_capability(ADMIN, *args)
    assert str(e.value) == message and store.changes == []


def test_exactly_200_words_of_100_characters_are_taken():
    cur, store = curation()
    cur.add_capability(ADMIN, "flip", "F", None, ",".join(f"{i:03d}" + "w" * 97 for i in range(200)))
    assert len(store.knowledge_base("console:local").capability_by_id["flip"].terms) == 200


@pytest.mark.parametrize(("typed", "found"), [
    ("Camera_Motion", "camera_motion"),  # an id, any case
    ("Camera Motion", "camera_motion"),  # a name (cap() names replace "_" by " ")
    ("camera-motion!", "camera_motion"),  # neither: the slug of what was typed
    ("  orbit ", "orbit"),
])
def test_a_capability_is_found_by_id_name_or_slug(typed, found):
    cur, _ = curation()
    assert cur.resolve_capability(make_tiny_kb(), typed).id == found


def test_a_capability_found_by_its_name_when_the_name_is_not_its_id():
    kb = make_tiny_kb()
    kb = dataclasses.replace(kb, capabilities=(*kb.capabilities, dataclasses.replace(
        kb.capability_by_id["orbit"], id="orbit_shot", name="Circling Camera")))
    cur, _ = curation()
    assert cur.resolve_capability(kb, "circling camera").id == "orbit_shot"


def test_an_unknown_capability_offers_up_to_three_close_ids():
    cur, _ = curation()
    with pytest.raises(CurationError) as e:
        cur.resolve_capability(make_tiny_kb(), "walkin")
    assert str(e.value) == "I don't know a capability called 'walkin'. Did you mean walking, talking?"
    with pytest.raises(CurationError) as e:
        cur.resolve_capability(make_tiny_kb(), "camera motio")  # the name matches, the id is offered
    assert str(e.value) == "I don't know a capability called 'camera motio'. Did you mean camera_motion, camera?"
    with pytest.raises(CurationError) as e:
        cur.resolve_capability(make_tiny_kb(), "q" * 50)
    assert str(e.value) == f"I don't know a capability called {'q' * 40!r}."
    with pytest.raises(CurationError) as e:
        cur.resolve_capability(make_tiny_kb(), None)
    assert str(e.value) == "I don't know a capability called ''."


def test_a_claim_is_added_then_updated_and_each_reply_says_which():
    cur, store = curation()
    added = cur.set_claim(ADMIN, "Sora", "Walking", " Strength ", f" {PAGE} ", "  walks   fine\x00 now ", update=False)
    assert added.message == f"Added this community's claim: Sora x walking is strength (source {PAGE}). Change #1."
    assert added.change.before == {"global": claim_doc(make_tiny_kb().claims_by_model["sora"]["walking"][0])
                                   | {"count": 1}}
    assert added.change.after == {"doc": claim_doc(Claim("sora", "walking", "strength", note="walks fine now",
                                                         sources=(Source(PAGE, "", ""),))), "retired": False}
    updated = cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=True)
    assert updated.message == f"Updated this community's claim: Sora x walking is mixed (source {PAGE}). Change #2."
    assert updated.change.action == "update"
    assert [c.rating for c in store.knowledge_base("console:local").claims_by_model["sora"]["walking"]] == ["mixed"]


def test_a_claim_on_a_pair_rated_twice_globally_counts_both():
    cur, _ = curation()
    res = cur.set_claim(ADMIN, "kling", "hands", "strength", PAGE, None, update=False)
    assert res.change.before["global"]["count"] == 2 and res.change.before["global"]["rating"] == "mixed"


@pytest.mark.parametrize(("rating", "source", "note", "message"), [
    ("strong", PAGE, None, "'strong' is not a rating: use strength, mixed or weakness. Did you mean strength?"),
    ("MIX", PAGE, None, "'mix' is not a rating: use strength, mixed or weakness. Did you mean mixed?"),
    ("q" * 30, PAGE, None, f"{'q' * 20!r} is not a rating: use strength, mixed or weakness."),
    (None, PAGE, None, "'' is not a rating: use strength, mixed or weakness."),
    ("weakness", "https://openai.com", None,
     "Source 'https://openai.com' is a bare host: give the full URL of the page that says it."),
    ("weakness", "", None, "A source needs a URL."),
    ("weakness", PAGE, "n" * 1001, "The note is 1,001 characters long; at most 1,000, please."),
])
def test_a_claim_that_cannot_be_set_says_why(rating, source, note, message):
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.set_claim(ADMIN, "sora", "walking", rating, source, note, update=False)
    assert str(e.value) == message and store.changes == []
    assert cur.set_claim(ADMIN, "sora", "walking", "weakness", PAGE, "n" * 1000, update=False).change.change_id == 1


def test_add_and_update_of_a_claim_each_refuse_the_other_case():
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=True)
    assert str(e.value) == "This community has no claim of its own on Sora x walking yet; use /kb add claim."
    cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=False)
    with pytest.raises(CurationError) as e:
        cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=False)
    assert str(e.value) == "This community already rates Sora x walking; use /kb update claim."
    with pytest.raises(CurationError) as e:
        cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, "", update=True)
    assert str(e.value) == "That is what the claim says already; nothing changed."
    cur.retire(ADMIN, "claim", "sora", "walking")
    with pytest.raises(CurationError, match="no claim of its own on Sora x walking"):  # retired is not its own
        cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=True)
    again = cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=False)
    assert again.change.action == "create" and len(store.changes) == 3


def test_a_model_update_says_what_changed_and_refuses_nothing_or_the_same():
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", None, None)
    assert str(e.value) == "Say what to change: name:'New name' and/or the aliases, comma-separated."
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", "Sora", None)  # the global model's state is compared
    assert str(e.value) == "That is what it says already; nothing changed."
    res = cur.update_model(ADMIN, "openai sora", "Sora One", None)
    assert res.message == "Updated the model Sora One (sora) for this community. Change #1."
    assert res.change.action == "update"
    assert store.knowledge_base("console:local").model_by_id["sora"].aliases == ("sora", "openai sora")
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", None, "sora, openai sora")  # its own state now
    assert str(e.value) == "That is what it says already; nothing changed."
    cur.update_model(ADMIN, "sora", None, "sora one")
    assert store.knowledge_base("console:local").model_by_id["sora"].aliases == ("sora one",)


def test_a_retired_thing_is_not_updated_until_the_retirement_is_undone():
    cur, store = curation()
    cur.add_model(ADMIN, "wan", "Wan", None)
    retired = cur.retire(ADMIN, "model", "wan", None)
    stale = Curation(store, lambda community_id: layer(make_tiny_kb(), [OverrideRow(
        "model", "wan", model_doc(Model("wan", "Wan")))], (), "old"), make_tiny_kb)
    with pytest.raises(CurationError) as e:
        stale.update_model(ADMIN, "wan", "Wan 2", None)
    assert str(e.value) == "The model wan is retired here; /kb undo the retirement first."
    cur.undo(ADMIN, retired.change.change_id)
    assert cur.update_model(ADMIN, "wan", "Wan 2", None).change.action == "update"


def test_a_capability_update_moves_renames_or_rewords_it_and_keeps_the_tree_a_tree():
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.update_capability(ADMIN, "orbit", None, None, None)
    assert str(e.value) == "Say what to change: name:'New name', parent:ID and/or the words, comma-separated."
    with pytest.raises(CurationError) as e:
        cur.update_capability(ADMIN, "camera", None, "orbit", None)
    assert str(e.value) == "orbit is under camera; a capability can't be its own ancestor."
    res = cur.update_capability(ADMIN, "orbit", None, "camera", None)
    assert res.message == "Updated the capability orbit for this community. Change #1."
    kb = store.knowledge_base("console:local")
    assert kb.capability_by_id["orbit"].parent == "camera" and kb.capability_by_id["orbit"].terms == ("orbit",)
    cur.update_capability(ADMIN, "orbit", None, "Root", None)
    assert store.knowledge_base("console:local").capability_by_id["orbit"].parent is None
    for top in ("None", "-"):
        cur.update_capability(ADMIN, "orbit", None, "camera", None)
        cur.update_capability(ADMIN, "orbit", None, top, None)
        assert store.knowledge_base("console:local").capability_by_id["orbit"].parent is None
    cur.update_capability(ADMIN, "orbit", "Orbit Shot", None, "circling, arc shot")
    orbit = store.knowledge_base("console:local").capability_by_id["orbit"]
    assert (orbit.name, orbit.parent, orbit.terms) == ("Orbit Shot", None, ("circling", "arc shot"))
    with pytest.raises(CurationError) as e:
        cur.update_capability(ADMIN, "orbit", " ", None, None)
    assert str(e.value) == "The capability's name can't be empty."
    with pytest.raises(CurationError) as e:
        cur.update_capability(ADMIN, "orbit", None, None, "circling, arc shot")
    assert str(e.value) == "That is what it says already; nothing changed."


def test_retiring_a_model_a_capability_or_a_claim_and_the_replies():
    cur, store = curation()
    res = cur.retire(ADMIN, "model", "Gen-3", None)
    assert res.message == ("Retired the model runway-gen3 for this community (it stays in /kb history; /kb undo 1 "
                           "brings it back). Change #1.")
    assert res.change.after == {"doc": model_doc(make_tiny_kb().model_by_id["runway-gen3"]), "retired": True}
    claim = cur.retire(ADMIN, "claim", "kling", "Hands")
    assert claim.change.key == "kling-2 x hands" and "count" not in claim.change.after["doc"]
    assert claim.change.after["doc"]["rating"] == "mixed" and claim.change.before["global"]["count"] == 2
    cur.retire(ADMIN, "capability", "Orbit", None)
    kb = store.knowledge_base("console:local")
    assert "runway-gen3" not in kb.model_by_id and "orbit" not in kb.capability_by_id
    assert "hands" not in kb.claims_by_model["kling-2"] and "eating" in kb.claims_by_model["kling-2"]


@pytest.mark.parametrize(("args", "message"), [
    (("capability", "sports", None), "sports has kinds of shot under it (basketball, hockey, football); retire or "
                                     "move those first."),
    (("capability", "actions", None), "actions has kinds of shot under it (talking, walking, eating, hands, sports); "
                                      "retire or move those first."),
    (("claim", "sora", None), "Which claim? /kb retire claim <model> <capability>."),
    (("claim", "sora", "hockey"), "Nothing rates sora x hockey here; there is no claim to retire."),
    (("claim", "kling", "walking"), "Nothing rates kling-2 x walking here; there is no claim to retire."),
    (("claim", "gen-3", "walking"), "Nothing rates runway-gen3 x walking here; there is no claim to retire."),
])
def test_what_cannot_be_retired_says_why(args, message):
    cur, store = curation()
    with pytest.raises(CurationError) as e:
        cur.retire(ADMIN, *args)
    assert str(e.value) == message and store.changes == []


def test_a_thing_is_retired_once_and_only_if_it_exists_even_from_a_stale_snapshot():
    cur, store = curation()
    cur.add_model(ADMIN, "wan", "Wan", None)
    snapshot = store.knowledge_base("console:local")
    stale = Curation(store, lambda community_id: snapshot, make_tiny_kb)
    cur.retire(ADMIN, "model", "wan", None)
    with pytest.raises(CurationError) as e:
        stale.retire(ADMIN, "model", "wan", None)
    assert str(e.value) == "The model wan is retired here already."
    other = Actor("console:other", "console:root", is_admin=True)  # wan exists in no layer of console:other's
    with pytest.raises(CurationError) as e:
        stale.retire(other, "model", "wan", None)
    assert str(e.value) == "There is no model wan to retire."
    assert len(store.changes) == 2


def test_undo_restores_what_was_before_and_says_so():
    cur, store = curation()
    first = cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=False)
    second = cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=True)
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, first.change.change_id)
    assert str(e.value) == ("claim sora x walking changed again after #1; undo the later changes first (see "
                            "/kb history).")
    back = cur.undo(ADMIN, second.change.change_id)
    assert back.message == "Undid change #2 (update of claim sora x walking). Change #3."
    assert back.change.undoes == 2 and back.change.after == first.change.after
    gone = cur.undo(ADMIN, first.change.change_id)
    assert gone.change.after == first.change.before  # the global claim again, recorded as such
    assert [c.rating for c in store.knowledge_base("console:local").claims_by_model["sora"]["walking"]] == ["weakness"]
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, first.change.change_id)
    assert str(e.value) == "Change #1 is undone already; /kb history shows it."
    redo = cur.undo(ADMIN, gone.change.change_id)  # undoing an undo brings the claim of #1 back
    assert redo.message == "Undid change #4 (undo of claim sora x walking). Change #5."
    assert [c.rating for c in store.knowledge_base("console:local").claims_by_model["sora"]["walking"]] == ["mixed"]
    with pytest.raises(CurationError) as e:
        cur.undo(Actor("console:other", "x", is_admin=True), second.change.change_id)
    assert str(e.value) == "This community has no change #2; /kb history lists them."
    assert len(store.changes) == 5
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, 99)
    assert str(e.value) == "This community has no change #99; /kb history lists them."


def test_undoing_a_change_that_left_nothing_of_its_own_is_refused():
    store = MemoryCuration()
    store.changes.append(ChangeRecord(1, "console:local", "x", "t", "model", "ghost", "retire", None, None))
    cur, _ = curation(store)
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, 1)
    assert str(e.value) == "Change #1 left nothing of its own to undo."


def test_history_of_one_thing_by_id_alias_name_or_a_retired_key():
    cur, store = curation()
    cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=False)
    cur.update_model(ADMIN, "kling", "Kling Two", None)
    cur.add_capability(ADMIN, "flip", "Flip", None, None)
    cur.retire(ADMIN, "capability", "flip", None)
    assert cur.history(ADMIN, None).thing is None and len(cur.history(ADMIN, None).changes) == 4
    assert len(cur.history(ADMIN, None, limit=3).changes) == 3
    assert [(h.thing, [c.change_id for c in h.changes]) for h in (
        cur.history(ADMIN, " Sora "), cur.history(ADMIN, "kling 2.1"), cur.history(ADMIN, "WALKING"),
        cur.history(ADMIN, "Camera Motion"), cur.history(ADMIN, "flip"), cur.history(ADMIN, "sora x walking"),
    )] == [("sora", [1]), ("kling-2", [2]), ("walking", [1]), ("camera_motion", []), ("flip", [4, 3]),
           ("sora x walking", [1])]
    with pytest.raises(CurationError, match="I don't know a capability called 'nothing'"):
        cur.history(ADMIN, "nothing")


def test_what_was_left_out_is_refused_or_left_empty_not_filled_in():
    cur, store = curation()
    with pytest.raises(CurationError, match=r"^A model id is .* not ''\.$"):
        cur.add_model(ADMIN, None, "M", None)
    with pytest.raises(CurationError, match=r"^A capability id is .* not ''\.$"):
        cur.add_capability(ADMIN, None, "C", None, None)
    with pytest.raises(CurationError) as e:
        cur.add_model(ADMIN, "m", None, None)
    assert str(e.value) == "The model's name can't be empty."
    assert cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=False).change.after["doc"]["note"] == ""
    assert store.changes[0].after["doc"]["sources"] == [{"url": PAGE, "date": "", "note": ""}]
    with pytest.raises(CurationError) as e:
        cur.add_capability(ADMIN, "c" * 70, "C", None, None)
    assert str(e.value) == f"A capability id is lowercase letters, digits, '-' or '_' (up to 64), not {'c' * 40!r}."


def test_a_model_update_checks_its_new_names_against_every_other_model_and_says_which_is_wrong():
    cur, _ = curation()
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", None, "kling")  # sora is the first model: every later one is still checked
    assert str(e.value) == "'kling' already names the model kling-2; pick another name."
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", "", None)
    assert str(e.value) == "The model's name can't be empty."
    with pytest.raises(CurationError) as e:
        cur.update_model(ADMIN, "sora", None, "a" * 201)
    assert str(e.value) == "The alias is 201 characters long; at most 200, please."


def test_the_communitys_own_models_and_capabilities_are_seen_when_adding_and_in_history():
    cur, store = curation()
    cur.add_model(ADMIN, "hunyuan", "HunyuanVideo", "hy video")
    with pytest.raises(CurationError) as e:
        cur.add_model(ADMIN, "hy", "HY", "HY Video")
    assert str(e.value) == "'HY Video' already names the model hunyuan; pick another name."
    cur.add_capability(ADMIN, "back-flip", "Back flip", None, None)
    with pytest.raises(CurationError) as e:
        cur.add_capability(ADMIN, "back-flip", "Back flip", None, None)
    assert str(e.value) == "The capability back-flip exists already; use /kb update capability back-flip."
    assert cur.resolve_capability(store.knowledge_base("console:local"), "BACK-FLIP").id == "back-flip"
    assert cur.history(ADMIN, "hy video").thing == "hunyuan"
    cur.add_capability(ADMIN, "gen3", "Third generation look", None, None)  # an id that is also a model's alias
    assert cur.history(ADMIN, "gen3").thing == "gen3"
    cur.retire(ADMIN, "capability", "back-flip", None)
    assert cur.add_capability(ADMIN, "back-flip", "Back flip", None, None).change.action == "create"


def test_history_finds_a_retired_key_in_the_last_10000_changes_and_a_model_only_named_in_a_claim():
    store = MemoryCuration()
    cur, _ = curation(store)
    store.changes.append(ChangeRecord(1, "console:local", "x", "t", "claim", "ghost x walking", "retire", None, None))
    assert cur.history(ADMIN, "Ghost").thing == "ghost"
    with pytest.raises(CurationError, match="I don't know a capability called 'x'"):
        cur.history(ADMIN, "x")  # the joiner of a claim's key is not a thing
    store.changes += [ChangeRecord(i, "console:local", "x", "t", "model", "sora", "update", None, None)
                      for i in range(2, 10_002)]
    with pytest.raises(CurationError, match="I don't know a capability called 'Ghost'"):
        cur.history(ADMIN, "Ghost")  # further back than the last 10,000 changes
    assert len(cur.history(ADMIN, None).changes) == 50


def test_an_unknown_capability_offers_three_ids_at_most_and_an_unknown_rating_a_near_one():
    kb = make_tiny_kb()
    kb = dataclasses.replace(kb, capabilities=(*kb.capabilities, *(dataclasses.replace(
        kb.capability_by_id["orbit"], id=f"jump{i}", name=name) for i, name in enumerate(("A", "B", "C", "D")))))
    cur, _ = curation()
    with pytest.raises(CurationError) as e:
        cur.resolve_capability(kb, "jumpx")
    assert str(e.value) == "I don't know a capability called 'jumpx'. Did you mean jump3, jump2, jump1?"
    with pytest.raises(CurationError) as e:
        cur.set_claim(ADMIN, "sora", "walking", "str", PAGE, None, update=False)
    assert str(e.value) == "'str' is not a rating: use strength, mixed or weakness. Did you mean strength?"


def test_retiring_lists_five_children_at_most_and_a_model_without_claims_has_none_to_retire():
    cur, store = curation()
    cur.add_capability(ADMIN, "jumping", "Jumping", "actions", None)
    with pytest.raises(CurationError) as e:
        cur.retire(ADMIN, "capability", "actions", None)
    assert str(e.value) == ("actions has kinds of shot under it (talking, walking, eating, hands, sports); retire or "
                            "move those first.")
    with pytest.raises(CurationError) as e:
        cur.retire(ADMIN, "claim", "kling 1.6", "walking")
    assert str(e.value) == "Nothing rates kling-1 x walking here; there is no claim to retire."


def test_undo_tells_undone_already_from_changed_since_and_records_the_global_state_of_today():
    cur, store = curation()
    cur.set_claim(ADMIN, "sora", "walking", "mixed", PAGE, None, update=False)
    cur.set_claim(ADMIN, "sora", "walking", "strength", PAGE, None, update=True)
    cur.undo(ADMIN, 2)
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, 2)
    assert str(e.value) == "Change #2 is undone already; /kb history shows it."
    cur.undo(ADMIN, 1)  # #4: back to the global claim
    cur.undo(ADMIN, 4)  # #5: the community's mixed claim again
    with pytest.raises(CurationError) as e:
        cur.undo(ADMIN, 4)
    assert str(e.value) == "Change #4 is undone already; /kb history shows it."
    # a change made when the global claim said something else: undoing it records what applies now
    old = {"global": {**store.changes[0].before["global"], "rating": "strength"}}
    store.changes.append(ChangeRecord(6, "console:local", "x", "t", "claim", "sora x food", "create", old,
                                      {"doc": {"x": 1}, "retired": False}))
    store.rows[("console:local", "claim", "sora x food")] = {"doc": {"x": 1}, "retired": False}
    undone = cur.undo(ADMIN, 6)
    assert undone.change.after == {"global": claim_doc(make_tiny_kb().claims_by_model["sora"]["food"][0])
                                   | {"count": 1}}


def test_a_renamed_capability_stays_where_it_was_and_a_retired_one_is_not_updated():
    cur, store = curation()
    cur.update_capability(ADMIN, "orbit", "Orbit shot", None, None)
    assert store.knowledge_base("console:local").capability_by_id["orbit"].parent == "camera_motion"
    cur.add_capability(ADMIN, "flip", "Flip", None, None)
    snapshot = store.knowledge_base("console:local")
    cur.retire(ADMIN, "capability", "flip", None)
    with pytest.raises(CurationError) as e:
        Curation(store, lambda community_id: snapshot, make_tiny_kb).update_capability(ADMIN, "flip", "F", None, None)
    assert str(e.value) == "The capability flip is retired here; /kb undo the retirement first."


# -- /kb and /setup typed in chat: the command layer hands each option to the right use case -----------------


class ChatSettings(MemorySettings):
    def settings(self, community_id):
        return self.rows.get(community_id, CommunitySettings(community_id))


def chat(curation_on=True, setup_on=True):
    from bot.chat import ChatCore
    from bot.commands import REGISTRY
    from bot.context import Services
    from bot.reports import ModelReports
    from bot.service import CheckService
    from tests.conftest import FixedKnowledge

    store, settings = MemoryCuration(), ChatSettings()
    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    services = Services(checks, ModelReports(checks), settings=settings, fetch=False,
                        curation=Curation(store, store.knowledge_base, make_tiny_kb) if curation_on else None,
                        setup=Setup(settings) if setup_on else None)
    core = ChatCore(REGISTRY, services)

    def say(line, prefix="/"):
        import asyncio

        from bot.policy import Requester

        who = Requester("console:local", "console:root", platform_admin=True, command_prefix=prefix)
        return asyncio.run(core.handle_text(line, who))

    return say, store, settings


def test_kb_commands_reach_each_use_case_with_every_option_in_its_place():
    say, store, _ = chat()
    added = say("/kb add model wan 'Wan 2.2' wan, wan2")
    assert added.message == "Added the model Wan 2.2 (wan) for this community. Change #1."
    assert added.change.after["doc"]["aliases"] == ["wan", "wan2"]
    flip_doc = say("/kb add capability flip Flip parent:sports flips, back flip").change.after["doc"]
    assert (flip_doc["parent"], flip_doc["terms"]) == ("sports", ["flips", "back flip"])
    assert say("/kb add claim wan flip weakness https://example.com/a lands on its head").change.after["doc"][
        "note"] == "lands on its head"
    assert say("/kb update model wan name:'Wan 2.5' wan25").message == "Updated the model Wan 2.5 (wan) for this " \
        "community. Change #4."
    say("/kb update capability flip name:'Back flip' parent:none flipping")
    assert say("/kb update claim wan flip strength https://example.com/b lands now").change.after["doc"][
        "note"] == "lands now"
    kb = store.knowledge_base("console:local")
    assert kb.model_by_id["wan"].aliases == ("wan25",)
    flip = kb.capability_by_id["flip"]
    assert (flip.name, flip.parent, flip.terms) == ("Back flip", None, ("flipping",))
    assert [(c.rating, c.note) for c in kb.claims_by_model["wan"]["flip"]] == [("strength", "lands now")]
    assert say("/kb retire claim wan flip").change.key == "wan x flip"
    assert say("/kb retire capability flip").change.key == "flip"
    assert say("/kb retire model wan").message == ("Retired the model wan for this community (it stays in /kb "
                                                   "history; /kb undo 9 brings it back). Change #9.")
    history = say("/kb history flip")
    assert history.thing == "flip" and [c.change_id for c in history.changes] == [8, 7, 6, 5, 3, 2]
    assert say("/kb undo 9").message == "Undid change #9 (retire of model wan). Change #10."
    assert "wan" in store.knowledge_base("console:local").model_by_id
    assert say("/kb add model hy Hunyuan").change.key == "hy"  # the aliases may be left out


@pytest.mark.parametrize(("line", "message"), [
    ("/kb add model", "/yuntai kb add model needs a value for id. Usage: /yuntai kb add model <id> <name> [aliases]"),
    ("/kb update capability", "/yuntai kb update capability needs a capability. Usage: /yuntai kb update capability "
                              "<capability> [name:…] [parent:…] [words]"),
    ("/kb retire claim sora", "/yuntai kb retire claim needs a capability. Usage: /yuntai kb retire claim <model> "
                              "<capability>"),
])
def test_kb_details_that_are_missing_are_named_with_the_usage_as_typed_here(line, message):
    say, store, _ = chat()
    assert say(line, prefix="/yuntai ").message == message and store.changes == []


def test_without_storage_kb_and_setup_say_so_and_setup_show_still_answers():
    say, _, _ = chat(curation_on=False, setup_on=False)
    for line in ("/kb history", "/kb undo 1", "/kb add model wan Wan"):
        assert say(line).message == "Curation needs storage, and there is none here."
    for line in ("/setup watch #clips", "/setup share-attempts on"):
        assert say(line).message == "Settings need storage, and there is none here."
    assert say("/setup show").message.startswith("watched channels: none")


def test_setup_commands_change_the_communitys_settings_and_show_them_as_typed_here():
    say, _, settings = chat()
    say("/setup watch #clips")
    say("/setup watch memes")
    assert say("/setup unwatch #memes").message == "I no longer check links pasted in memes."
    say("/setup admins add alice")
    say("/setup admins add @bob")
    say("/setup admins remove alice")
    say("/setup share-attempts on")
    s = settings.rows["console:local"]
    assert (s.watched_channels, s.admins, s.share_attempts) == ({"clips"}, {"console:bob"}, True)
    say("/setup share-attempts off")
    assert settings.rows["console:local"].share_attempts is False
    shown = say("/setup show", prefix="/yuntai ")
    assert shown.settings == settings.rows["console:local"]
    assert shown.changed is False and shown.message == (
        "watched channels: clips\nweekly digest: not set up (/yuntai setup digest <channel> <weekday> <hour> "
        "[timezone])\nadmins named here: console:bob\nshare attempt reports with other communities: off")
    assert say("/setup", prefix="/yuntai ") == shown


# -- /setup word for word: the references it refuses, the replies and the settings it shows -------------------

LONG = "x" * 50  # the refusals quote the first 40 characters of what was typed


@pytest.mark.parametrize(("ref", "community", "message"), [
    ("@" + LONG, "console:local", f"{('@' + LONG)[:40]!r} is a person, not a channel. Mention the channel, e.g. "
                                  "#general."),
    ("https://example.com/" + LONG, "console:local", f"{('https://example.com/' + LONG)[:40]!r} is not a channel. "
                                                     "Mention the channel, e.g. #general."),
    ("<!channel>", "console:local", "'<!channel>' is not a channel. Mention the channel, e.g. #general."),
    ("#" + LONG + " two", "console:local", f"{('#' + LONG)[:40]!r} is not a channel name: letters, digits, '-', "
                                           "'_' or '.', up to 80."),
    ("", "console:local", "'' is not a channel name: letters, digits, '-', '_' or '.', up to 80."),
    (None, "console:local", "'' is not a channel name: letters, digits, '-', '_' or '.', up to 80."),
    ("general-" + LONG, "discord:1", f"{('general-' + LONG)[:40]!r} is not a channel. Mention it with # so I get "
                                     "its id, e.g. #general."),
])
def test_what_is_not_a_channel_word_for_word(ref, community, message):
    with pytest.raises(SetupError) as e:
        channel_ref(ref, community)
    assert str(e.value) == message


@pytest.mark.parametrize(("ref", "community", "message"), [
    ("#" + LONG, "console:local", f"{('#' + LONG)[:40]!r} is a channel, not a person. Mention the person, e.g. "
                                  "@alice."),
    ("@" + LONG + " two", "console:local", f"{('@' + LONG)[:40]!r} is not a user name: letters, digits, '-', "
                                           "'_' or '.', up to 80."),
    ("", "console:local", "'' is not a user name: letters, digits, '-', '_' or '.', up to 80."),
    (None, "console:local", "'' is not a user name: letters, digits, '-', '_' or '.', up to 80."),
    # on Discord and Slack a bare name is not an id: the admin must mention the person
    ("alice", "discord:1", "'alice' is not a person. Mention them with @ so I get their id."),
    ("alice", "slack:T1", "'alice' is not a person. Mention them with @ so I get their id."),
    ("alice-" + LONG, "slack:T1", f"{('alice-' + LONG)[:40]!r} is not a person. Mention them with @ so I get "
                                  "their id."),
])
def test_what_is_not_a_person_word_for_word(ref, community, message):
    with pytest.raises(SetupError) as e:
        user_ref(ref, community)
    assert str(e.value) == message


def test_only_the_leading_marks_are_stripped_from_a_console_name_and_other_platforms_name_people_like_it():
    assert channel_ref("#Xmas-clips", "console:local") == "Xmas-clips"
    assert user_ref("@Xavier", "console:local") == "console:Xavier"
    # a community of a platform that has no mention syntax (not Discord, not Slack) names people by name
    assert user_ref("alice", "matrix:!room") == "console:alice"


def test_setup_show_lists_channels_admins_the_digest_and_sharing():
    s = CommunitySettings("console:local", admins=frozenset({"console:bob", "console:alice"}),
                          watched_channels=frozenset({"memes", "clips"}), digest_channel="digest", digest_weekday=4,
                          digest_hour=7, digest_timezone="Europe/Paris", share_attempts=True)
    assert describe(s, "/yuntai ") == [
        "watched channels: clips, memes",
        "weekly digest: Fridays at 07:00 Europe/Paris in digest",
        "admins named here: console:alice, console:bob",
        "share attempt reports with other communities: on",
    ]
    assert describe(CommunitySettings("console:local")) == [
        "watched channels: none (pasted links are read only in direct messages)",
        "weekly digest: not set up (/setup digest <channel> <weekday> <hour> [timezone])",
        "admins named here: none (platform admins only)",
        "share attempt reports with other communities: off",
    ]


@pytest.mark.parametrize("half", [
    {"digest_channel": "digest", "digest_hour": 7},  # no weekday
    {"digest_channel": "digest", "digest_weekday": 4},  # no hour
    {"digest_weekday": 4, "digest_hour": 7},  # no channel
    {"digest_hour": 7},
])
def test_a_half_set_digest_shows_as_not_set_up(half):
    lines = describe(CommunitySettings("console:local", **half))
    assert lines[1] == "weekly digest: not set up (/setup digest <channel> <weekday> <hour> [timezone])"


def test_setup_replies_word_for_word_and_nothing_to_change_keeps_ids_and_i_as_written():
    store = MemorySettings()
    setup = Setup(store)
    assert setup.watch(ADMIN, "#clips", True).message == "I now check links pasted in clips."
    again = setup.watch(ADMIN, "clips", True)
    assert again.message == "Nothing to change: I now check links pasted in clips."
    assert again.settings == store.rows["console:local"] and again.changed is False
    assert setup.share_attempts(ADMIN, True).message == (
        "This community's attempt reports now count in hit rates across communities that share theirs.")
    assert setup.share_attempts(ADMIN, True).message == (
        "Nothing to change: this community's attempt reports now count in hit rates across communities that "
        "share theirs.")
    assert setup.share_attempts(ADMIN, False).message == "This community's attempt reports now stay in this community."
    assert store.rows["console:local"].share_attempts is False
    slack = Actor("slack:T1", "U0ROOT", is_admin=True)
    assert setup.admins(slack, "add", "<@U0AB12>").message == "U0AB12 is now an admin of this community."
    # the Slack id keeps its capital: "u0AB12" names nobody
    assert setup.admins(slack, "add", "<@U0AB12>").message == (
        "Nothing to change: U0AB12 is now an admin of this community.")
    setup.admins(slack, "add", "<@U0CD34>")
    assert setup.admins(slack, "remove", "<@U0AB12>").message == "U0AB12 is no longer an admin of this community."
    assert store.rows["slack:T1"].admins == frozenset({"U0CD34"})
    setup.digest(ADMIN, "digest", "fri", "17", "UTC")
    assert setup.digest(ADMIN, "digest", "fri", "17", "UTC").message == (
        "Nothing to change: the weekly digest goes to digest on Fridays at 17:00 UTC.")


def test_removing_an_admin_who_is_not_named_lists_who_is():
    store = MemorySettings()
    setup = Setup(store)
    with pytest.raises(SetupError) as e:
        setup.admins(ADMIN, "remove", "carol")
    assert str(e.value) == "console:carol is not an admin named here. Named: none."
    setup.admins(ADMIN, "add", "bob")
    setup.admins(ADMIN, "add", "alice")
    with pytest.raises(SetupError) as e:
        setup.admins(ADMIN, "remove", "carol")
    assert str(e.value) == "console:carol is not an admin named here. Named: console:alice, console:bob."


def test_unwatching_a_channel_not_watched_lists_what_is():
    store = MemorySettings()
    setup = Setup(store)
    with pytest.raises(SetupError) as e:
        setup.watch(ADMIN, "memes", False)
    assert str(e.value) == "I don't watch memes here. Watched: none."
    setup.watch(ADMIN, "clips", True)
    setup.watch(ADMIN, "art", True)
    with pytest.raises(SetupError) as e:
        setup.watch(ADMIN, "memes", False)
    assert str(e.value) == "I don't watch memes here. Watched: art, clips."


def test_a_community_watches_at_most_100_channels_and_rewatching_one_at_the_limit_is_fine():
    full = frozenset(f"c{i}" for i in range(100))
    store = MemorySettings(CommunitySettings("console:local", watched_channels=full))
    setup = Setup(store)
    with pytest.raises(SetupError) as e:
        setup.watch(ADMIN, "c100", True)
    assert str(e.value) == "This community watches 100 channels already; unwatch one first."
    assert setup.watch(ADMIN, "c7", True).changed is False
    setup.watch(ADMIN, "c7", False)
    setup.watch(ADMIN, "c100", True)  # 99 + 1
    assert len(store.rows["console:local"].watched_channels) == 100


def test_a_digest_without_a_time_zone_is_in_utc_and_set_up_at_is_utc_whatever_the_hosts_zone(monkeypatch):
    import time

    store = MemorySettings()
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        paris_noon = datetime(2026, 11, 27, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
        res = Setup(store, clock=lambda: paris_noon).digest(ADMIN, "digest", "mon", "9", None)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert res.message == "The weekly digest goes to digest on Mondays at 09:00 UTC."
    s = store.rows["console:local"]
    assert (s.digest_timezone, s.digest_set_up_at) == ("UTC", "2026-11-27T12:00:00+00:00")


def test_without_a_clock_set_up_at_is_the_current_instant_in_utc():
    store = MemorySettings()
    before = datetime.now(UTC)
    Setup(store).digest(ADMIN, "digest", "mon", "9", "UTC")
    after = datetime.now(UTC)
    at = datetime.fromisoformat(store.rows["console:local"].digest_set_up_at)
    assert before <= at <= after and at.utcoffset().total_seconds() == 0
