"""A community's curation on SQLite and Postgres: its own layer, history, undo, one unit of work per change."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.curation import Curation, CurationError
from bot.ports import Actor
from storage.bootstrap import Storage
from storage.tables import GLOBAL

ADMIN_1 = Actor("discord:1", "alice", is_admin=True)
ADMIN_2 = Actor("discord:2", "bob", is_admin=True)
SRC = "https://example.com/reviews/sora-walking"


def curation(st: Storage) -> Curation:
    return Curation(st.curation, st.knowledge.knowledge_base, lambda: st.knowledge.knowledge_base(GLOBAL))


def rating(st: Storage, community: str, model: str, capability: str) -> list[str]:
    kb = st.knowledge.knowledge_base(community)
    return sorted(c.rating for c in kb.claims_by_model.get(model, {}).get(capability, ()))


def count(st: Storage, table: str, where: str = "") -> int:
    with st.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar()


def test_an_override_claim_changes_only_its_community(storage):
    cur = curation(storage)
    res = cur.set_claim(ADMIN_1, "Sora", "walking", "strength", SRC, "walks fine now", update=False)
    assert res.change.action == "create" and res.change.kind == "claim" and res.change.key == "sora x walking"
    assert res.change.before == {"global": {"model": "sora", "capability": "walking", "rating": "weakness",
                                            "note": "walking is weakness",
                                            "sources": [{"url": "https://example.org/report", "date": "2025-01-01",
                                                         "note": "test source"}],
                                            "count": 1}}
    assert rating(storage, "discord:1", "sora", "walking") == ["strength"]
    assert rating(storage, "discord:2", "sora", "walking") == ["weakness"]
    assert rating(storage, GLOBAL, "sora", "walking") == ["weakness"]
    # the global rows were never touched: the override is a row of discord:1's own
    assert count(storage, "kb_claim", "WHERE community_id <> ''") == 0
    assert count(storage, "kb_override", "WHERE community_id = 'discord:1'") == 1


def test_a_community_model_with_aliases_and_claims_lives_in_that_community_only(storage):
    cur = curation(storage)
    cur.add_model(ADMIN_1, "hunyuan", "HunyuanVideo", "hunyuan, hy video")
    cur.set_claim(ADMIN_1, "hy video", "hockey", "weakness", "https://example.com/hy/hockey", None, update=False)
    mine = storage.knowledge.knowledge_base("discord:1")
    assert mine.model_by_id["hunyuan"].aliases == ("hunyuan", "hy video")
    assert [c.rating for c in mine.claims_by_model["hunyuan"]["hockey"]] == ["weakness"]
    other = storage.knowledge.knowledge_base("discord:2")
    assert "hunyuan" not in other.model_by_id and "hunyuan" not in other.claims_by_model
    with pytest.raises(ValueError, match="don't know a model called 'hy video'"):
        cur.set_claim(ADMIN_2, "hy video", "hockey", "weakness", "https://example.com/x/y", None, update=False)


def test_an_alias_already_used_by_another_model_is_refused(storage):
    with pytest.raises(CurationError, match="'kling' already names the model kling-2"):
        curation(storage).add_model(ADMIN_1, "kling-3", "Kling 3", "kling, kling 3")
    assert count(storage, "kb_override") == 0 and count(storage, "kb_change", "WHERE community_id <> ''") == 0


def test_retiring_a_global_model_hides_it_and_its_claims_there_only(storage):
    cur = curation(storage)
    res = cur.retire(ADMIN_1, "model", "Runway Gen-3", None)
    assert res.change.action == "retire" and res.change.after["retired"] is True
    mine = storage.knowledge.knowledge_base("discord:1")
    assert "runway-gen3" not in mine.model_by_id and "runway-gen3" not in mine.claims_by_model
    assert "runway-gen3" in storage.knowledge.knowledge_base("discord:2").model_by_id
    back = cur.undo(ADMIN_1, res.change.change_id)
    assert back.change.action == "undo" and back.change.undoes == res.change.change_id
    assert rating(storage, "discord:1", "runway-gen3", "plants") == ["strength"]


def test_undo_restores_the_state_before_and_refuses_what_changed_since(storage):
    cur = curation(storage)
    first = cur.set_claim(ADMIN_1, "sora", "walking", "mixed", SRC, None, update=False)
    second = cur.set_claim(ADMIN_1, "sora", "walking", "strength", SRC + "-2", None, update=True)
    with pytest.raises(CurationError, match=f"changed again after #{first.change.change_id}"):
        cur.undo(ADMIN_1, first.change.change_id)
    cur.undo(ADMIN_1, second.change.change_id)
    assert rating(storage, "discord:1", "sora", "walking") == ["mixed"]
    cur.undo(ADMIN_1, first.change.change_id)
    assert rating(storage, "discord:1", "sora", "walking") == ["weakness"]  # the global rating again
    with pytest.raises(CurationError, match="undone already"):
        cur.undo(ADMIN_1, first.change.change_id)
    history = cur.history(ADMIN_1, "sora")
    assert [c.action for c in history.changes] == ["undo", "undo", "update", "create"]


def test_nobody_sees_or_undoes_another_communitys_change(storage):
    cur = curation(storage)
    theirs = cur.set_claim(ADMIN_1, "sora", "walking", "strength", SRC, None, update=False)
    with pytest.raises(CurationError, match=f"no change #{theirs.change.change_id}"):
        cur.undo(ADMIN_2, theirs.change.change_id)
    assert cur.history(ADMIN_2, None).changes == ()
    assert rating(storage, "discord:1", "sora", "walking") == ["strength"]
    assert count(storage, "kb_change", "WHERE community_id = 'discord:2'") == 0


def test_a_change_its_history_row_and_version_bump_land_together_or_not_at_all(storage, monkeypatch):
    from storage.repositories.knowledge import KnowledgeRepository

    def broken(self, community_id):
        raise RuntimeError("disk gone")

    before_version = storage.knowledge.knowledge_base("discord:1").version
    monkeypatch.setattr(KnowledgeRepository, "bump_override_version", broken)
    with pytest.raises(RuntimeError):
        curation(storage).set_claim(ADMIN_1, "sora", "walking", "strength", SRC, None, update=False)
    monkeypatch.undo()
    assert count(storage, "kb_override") == 0
    assert count(storage, "kb_change", "WHERE community_id = 'discord:1'") == 0
    assert storage.knowledge.knowledge_base("discord:1").version == before_version


def test_another_process_sees_a_change_through_the_version(storage):
    other = Storage.on(storage.engine, version_check_interval=0.0)
    assert rating(other, "discord:1", "sora", "walking") == ["weakness"]
    curation(storage).set_claim(ADMIN_1, "sora", "walking", "strength", SRC, None, update=False)
    assert rating(other, "discord:1", "sora", "walking") == ["strength"]
    other.threads.close()


def test_a_retired_capability_hides_its_claims_and_stays_in_history(storage):
    cur = curation(storage)
    cur.add_capability(ADMIN_1, "backflip", "Back flip", "sports", "backflip, back flip")
    cur.set_claim(ADMIN_1, "sora", "backflip", "weakness", "https://example.com/a/b", None, update=False)
    cur.retire(ADMIN_1, "capability", "backflip", None)
    kb = storage.knowledge.knowledge_base("discord:1")
    assert "backflip" not in kb.capability_by_id and "backflip" not in kb.claims_by_model["sora"]
    assert [c.action for c in cur.history(ADMIN_1, "backflip").changes] == ["retire", "create", "create"]


def test_a_capability_with_children_is_not_retired(storage):
    with pytest.raises(CurationError, match="sports has kinds of shot under it"):
        curation(storage).retire(ADMIN_1, "capability", "sports", None)


def test_two_admins_curating_at_once_keep_history_and_version_consistent(storage):
    """Each change reads the current state under the community's write lock, so every change's `before` is
    the previous change's `after`, and the stored version is the version of what is stored."""
    import threading

    from bot.overrides import override_version

    cur = curation(storage)
    cur.set_claim(ADMIN_1, "sora", "walking", "mixed", SRC, None, update=False)
    errors: list[Exception] = []

    def update(prefix: str) -> None:
        for i in range(8):
            try:
                cur.set_claim(ADMIN_1, "sora", "walking", "strength", f"{SRC}/{prefix}{i}", None, update=True)
                cur.add_model(ADMIN_1, f"{prefix}-{i}", f"{prefix.upper()} {i}", None)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=update, args=(p,)) for p in ("aa", "bb")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    changes = sorted(cur.history(ADMIN_1, "sora").changes, key=lambda c: c.change_id)
    assert len(changes) == 17
    for previous, change in zip(changes, changes[1:], strict=False):
        assert change.before == previous.after
    with storage.uow() as uow:
        rows = uow.knowledge.override_rows("discord:1")
        assert uow.knowledge.versions("discord:1")[1] == override_version(rows)
    assert len(rows) == 17


def test_updating_a_capability_keeps_the_tree_a_tree(storage):
    cur = curation(storage)
    with pytest.raises(CurationError, match="basketball is under sports; a capability can't be its own ancestor"):
        cur.update_capability(ADMIN_1, "sports", None, "basketball", None)
    res = cur.update_capability(ADMIN_1, "hockey", "Ice hockey", None, "hockey, puck, slapshot")
    assert res.change.before["global"]["terms"] == ["hockey"]
    kb = storage.knowledge.knowledge_base("discord:1")
    assert kb.capability_by_id["hockey"].terms == ("hockey", "puck", "slapshot")
    assert kb.capability_by_id["hockey"].name == "Ice hockey"
    assert storage.knowledge.knowledge_base("discord:2").capability_by_id["hockey"].terms == ("hockey",)
    with pytest.raises(CurationError, match="nothing changed"):
        cur.update_capability(ADMIN_1, "hockey", "Ice hockey", None, None)


def test_names_and_notes_are_stored_without_control_characters(storage):
    cur = curation(storage)
    cur.add_model(ADMIN_1, "zeta", "Zeta\x1b[2J Video\u202e", "zeta\x00 one")
    cur.set_claim(ADMIN_1, "zeta", "hockey", "mixed", "https://example.com/z/h", "fine\x1b[31m red\nline", update=False)
    kb = storage.knowledge.knowledge_base("discord:1")
    assert kb.model_by_id["zeta"].name == "Zeta[2J Video"
    assert kb.model_by_id["zeta"].aliases == ("zeta one",)
    assert kb.claims_by_model["zeta"]["hockey"][0].note == "fine[31m red line"


def _create(doc: dict):
    return lambda before: ("create", {"doc": doc, "retired": False})


def test_each_change_is_its_communitys_own_with_who_and_when(storage):
    """The store under `/kb history` and undo: a row per change, read back whole, never across communities or kinds."""
    from datetime import datetime

    cur = storage.curation
    one = cur.change("discord:1", "model", "veo", _create({"name": "Veo"}), "alice")
    assert (one.community_id, one.actor, one.kind, one.key, one.action, one.before, one.after) == (
        "discord:1", "alice", "model", "veo", "create", None, {"doc": {"name": "Veo"}, "retired": False})
    assert datetime.fromisoformat(one.at).year >= 2026
    assert cur.find_change("discord:1", one.change_id) == one
    assert cur.find_change("discord:2", one.change_id) is None
    other = cur.change("discord:2", "model", "veo", _create({"name": "Veo 2"}), "bob")  # same key, other community
    assert other.before is None
    kind = cur.change("discord:1", "capability", "veo", _create({"name": "veo"}), "alice")  # same key, other kind
    assert kind.before is None
    again = cur.change("discord:1", "model", "veo", lambda b: ("update", {"doc": {"name": "Veo 3"}, "retired": False}),
                       "carol")
    assert again.before == {"doc": {"name": "Veo"}, "retired": False}


def test_history_of_a_thing_matches_ids_literally(storage):
    """"camera_motion" finds its own pairs only: "_" and "%" in what was typed are not wildcards."""
    cur = storage.curation
    for key in ("sora x camera_motion", "camera_motion x kling-2", "sora x cameraXmotion", "camera_motion"):
        cur.change("discord:1", "claim", key, _create({"note": key}), "alice")
    found = [r.key for r in cur.history("discord:1", "camera_motion", 10)]
    assert found == ["camera_motion", "camera_motion x kling-2", "sora x camera_motion"]
    assert cur.history("discord:1", "%", 10) == []
    assert [r.key for r in cur.history("discord:1", None, 2)] == ["camera_motion", "sora x cameraXmotion"]
