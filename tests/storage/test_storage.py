"""Storage on SQLite and Postgres: migrations, knowledge-base import with history, caches, checks."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, inspect, text
from sqlmodel import Session

from bot.knowledge import KnowledgeBase
from bot.ports import Actor, CachedMetadata
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import current_revision, make_engine, upgrade
from storage.repositories import MetadataRepository
from tests.conftest import claim, make_tiny_kb

HEAD = "0012"


class StoreView:
    """The old test vocabulary over the new ports, so these behaviours are asserted unchanged."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.engine = storage.engine
        self.import_knowledge = storage.knowledge.import_knowledge
        self.knowledge_base = storage.knowledge.knowledge_base
        self.save_metadata = storage.metadata.save_metadata
        self.cached_metadata = storage.metadata.cached_metadata
        self.count_checks = storage.checks.count_checks
        self.recent_checks = storage.checks.recent_checks

    def claim_history(self, claim_id: int):
        with self.storage.uow() as uow:
            return uow.knowledge.claim_history(claim_id)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request) -> StoreView:
    url = request.getfixturevalue("migrated_db_url" if request.param == "sqlite" else "migrated_postgres_url")
    engine = make_engine(url)  # migrated: a copy of a template built once per test process
    s = Storage.on(engine)
    yield StoreView(s)
    s.close()


def test_migrations_create_every_table_and_are_idempotent(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"kb_model", "kb_alias", "kb_capability", "kb_claim", "kb_change", "kb_meta", "clip",
            "metadata_cache", "check_record", "llm_summary", "llm_usage", "kb_demo", "alembic_version",
            "digest_post", "slack_event", "slack_installations", "slack_bots", "slack_oauth_states"} <= tables
    upgrade(store.engine)
    assert current_revision(store.engine) == HEAD


def test_sqlite_uses_wal(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_import_round_trips_the_knowledge_base(store):
    kb = make_tiny_kb()
    report = store.import_knowledge(kb)
    assert report.claims_created == len(kb.claims) and report.models == len(kb.models)
    loaded = store.knowledge_base("console:local")
    assert {m.id for m in loaded.models} == {m.id for m in kb.models}
    assert loaded.model_by_id["sora"].aliases == ("sora", "openai sora")
    assert loaded.path("basketball") == ("actions", "sports", "basketball")
    assert len(loaded.claims) == len(kb.claims)
    assert loaded.version == report.version and len(report.version) == 12


def test_official_accounts_are_stored_and_change_the_version(store):
    kb = make_tiny_kb()
    first = store.import_knowledge(kb)
    assert store.knowledge_base("console:local").model_by_id["sora"].official_accounts == ()
    models = tuple(dataclasses.replace(m, official_accounts=("youtube.com/@openai", "x.com/openai"))
                   if m.id == "sora" else m for m in kb.models)
    second = store.import_knowledge(dataclasses.replace(kb, models=models))
    loaded = store.knowledge_base("console:local")
    assert loaded.model_by_id["sora"].official_accounts == ("youtube.com/@openai", "x.com/openai")
    assert second.version != first.version


def test_reimport_is_idempotent_and_changes_keep_history(store):
    kb = make_tiny_kb()
    first = store.import_knowledge(kb)
    again = store.import_knowledge(kb)
    assert again.claims_unchanged == len(kb.claims) and again.claims_created == 0
    assert again.version == first.version
    changed = [dataclasses.replace(c, rating="strength") if (c.model, c.capability) == ("sora", "walking") else c
               for c in kb.claims if (c.model, c.capability) != ("sora", "talking")]
    report = store.import_knowledge(dataclasses.replace(kb, claims=tuple(changed)))
    assert (report.claims_updated, report.claims_retired) == (1, 1)
    assert report.version != first.version
    loaded = store.knowledge_base("x")
    assert ("sora", "talking") not in {(c.model, c.capability) for c in loaded.claims}
    walking = next(c for c in loaded.claims if (c.model, c.capability) == ("sora", "walking"))
    history = store.claim_history(walking.id)
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["before"]["rating"] == "weakness" and history[1]["after"]["rating"] == "strength"


def test_snapshot_is_cached_until_the_version_changes(store):
    store.import_knowledge(make_tiny_kb())
    a = store.knowledge_base("x")
    assert store.knowledge_base("y") is a


def test_metadata_cache_respects_age(store):
    meta = CachedMetadata(True, "A title", "desc", "someone", None, video=False)
    store.save_metadata("https://vimeo.com/1", meta, "oembed")
    assert store.cached_metadata("https://vimeo.com/1", timedelta(hours=1)) == meta
    assert store.cached_metadata("https://vimeo.com/1", timedelta(seconds=-1)) is None
    assert store.cached_metadata("https://vimeo.com/2", timedelta(hours=1)) is None


def test_cached_metadata_is_fresh_up_to_exactly_its_max_age(store):
    """The age limit is inclusive: a page fetched exactly `max_age` ago is still used, a microsecond later it is not."""
    fetched = datetime(2026, 11, 27, 12, 0, 0, 500_000, tzinfo=UTC)
    meta = CachedMetadata(True, "A title", None, None, None, video=True)
    with Session(store.engine) as session:
        MetadataRepository(session, clock=lambda: fetched).save("https://vimeo.com/1", meta, "oembed")
        session.commit()
    max_age = timedelta(hours=6)

    def read_at(now: datetime) -> CachedMetadata | None:
        with Session(store.engine) as session:
            return MetadataRepository(session, clock=lambda: now).get("https://vimeo.com/1", max_age)

    assert read_at(fetched + max_age) == meta
    assert read_at(fetched + max_age + timedelta(microseconds=1)) is None


def test_checks_are_stored_per_community(store):
    store.import_knowledge(make_tiny_kb())
    st = store.storage
    service = CheckService(st.knowledge, metadata_cache=st.metadata, check_log=st.checks, io=st.threads)
    a, b = Actor("discord:1", "u1"), Actor("slack:T1", "u2")
    req = CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora: a woman eating noodles", fetch=False)
    asyncio.run(service.check(req, a))
    asyncio.run(service.check(req, a))
    asyncio.run(service.check(req, b))
    assert store.count_checks("discord:1") == 2 and store.count_checks("slack:T1") == 1
    assert store.recent_checks("discord:1")[0]["level"] == "stress_test"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM clip")).scalar() == 1


def test_processes_starting_together_on_postgres_seed_once(postgres_url):
    """Four bot processes start at once on a new database: one migrates and seeds, none duplicates.

    Forked from the zygote (tests/helpers/zygote.py): four real processes, without four interpreter start-ups.
    """
    from helpers import zygote

    code = ("import sys; from storage.bootstrap import open_storage; "
            "s = open_storage(sys.argv[1]); print(len(s.knowledge.knowledge_base('x').claims))")
    procs = [zygote.popen([postgres_url], code=code) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    counts = {int(out.strip()) for out, _ in outs}
    from storage.seed_files import load_seed

    assert counts == {len(load_seed().claims)}
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kb_claim")).scalar() == len(load_seed().claims)
    engine.dispose()


def test_demos_round_trip_and_are_replaced_on_reimport(store):
    from bot.knowledge import Demo

    base = make_tiny_kb()
    demos = (Demo("sora", "Air Head", "Almost every shot was altered in post.", "https://example.org/a", "2024-04",
                  "the makers"),
             Demo("kling-1", "Origin", "Hundreds of shots for two dozen.", "https://example.org/b"))
    kb = KnowledgeBase(base.models, base.capabilities, base.claims, version="x", demos=demos)
    first = store.import_knowledge(kb)
    assert store.knowledge_base("console:local").demos == demos
    again = store.import_knowledge(kb)
    assert again.version == first.version
    assert store.knowledge_base("console:local").demos == demos  # replaced, not doubled
    fewer = KnowledgeBase(base.models, base.capabilities, base.claims, version="y", demos=demos[1:])
    assert store.import_knowledge(fewer).version != first.version
    assert store.knowledge_base("console:local").demos == demos[1:]


def test_metadata_saved_again_replaces_the_row_and_keeps_at_most_500_characters_of_error(store):
    url = "https://vimeo.com/1"
    store.save_metadata(url, CachedMetadata(True, "A title", "desc", "someone", None, video=True), "oembed")
    failed = CachedMetadata(False, None, None, None, "timeout " + "x" * 600)
    store.save_metadata(url, failed, None)
    got = store.cached_metadata(url, timedelta(hours=1))
    assert got == CachedMetadata(False, None, None, None, failed.error[:500])
    assert len(got.error) == 500
    store.save_metadata(url, CachedMetadata(True, "T", None, None, ""), "page")  # no error: stored as none
    assert store.cached_metadata(url, timedelta(hours=1)).error is None


def test_a_new_database_is_empty_until_knowledge_is_imported(store):
    """Start-up seeds the knowledge base only into an empty database (storage/bootstrap.py)."""
    assert store.storage.knowledge.is_empty() is True
    store.import_knowledge(make_tiny_kb())
    assert store.storage.knowledge.is_empty() is False


def test_a_claims_history_is_that_claim_only(store):
    """A community change whose key happens to be the claim's number is not part of the claim's history."""
    store.import_knowledge(make_tiny_kb())
    claim = next(c for c in store.knowledge_base("x").claims if (c.model, c.capability) == ("sora", "walking"))
    store.storage.curation.change("discord:1", "model", str(claim.id),
                                  lambda before: ("create", {"doc": {"name": "x"}, "retired": False}), "alice")
    [created] = store.claim_history(claim.id)
    assert (created["actor"], created["action"], created["before"], created["after"]["rating"]) == (
        "seed", "create", None, "weakness")
    assert datetime.fromisoformat(created["at"]).year >= 2026


def _claim_json(c) -> dict:
    return {"model": c.model, "capability": c.capability, "rating": c.rating, "note": c.note,
            "derived_from": c.derived_from, "sources": [{"url": s.url, "date": s.date, "note": s.note}
                                                        for s in c.sources]}


def test_an_import_reports_and_records_every_claim_change(store):
    """What `yuntai kb import` prints and what a claim's history shows: each create, update and retirement."""
    from bot.knowledge import Source

    kb = make_tiny_kb()
    first = store.import_knowledge(kb)
    assert (first.models, first.capabilities, first.claims_created, first.notes) == (5, 17, 11, [])
    loaded = store.knowledge_base("x")
    walking = next(c for c in loaded.claims if (c.model, c.capability) == ("sora", "walking"))
    assert walking.sources == kb.claims[3].sources  # url, date and note all kept
    [created] = store.claim_history(walking.id)
    assert (created["actor"], created["action"], created["before"], created["after"]) == (
        "seed", "create", None, _claim_json(kb.claims[3]))

    # a curator's import of one changed claim is never reverted by the seed's
    curated = [dataclasses.replace(c, rating="mixed") if (c.model, c.capability) == ("sora", "food") else c
               for c in kb.claims]
    assert store.import_knowledge(dataclasses.replace(kb, claims=tuple(curated)), actor="alice").claims_updated == 1
    again = store.import_knowledge(kb)
    assert (again.claims_created, again.claims_updated, again.claims_retired, again.claims_unchanged) == (0, 0, 0, 11)
    assert [c.rating for c in store.knowledge_base("x").claims if (c.model, c.capability) == ("sora", "food")] == [
        "mixed"]

    by = {(c.model, c.capability, c.derived_from): c for c in kb.claims}
    other_source = (Source("https://example.org/another-report", "2025-02-01", "second source"),)
    changed = (
        [c for c in kb.claims if (c.model, c.capability) not in {("sora", "talking"), ("sora", "eating")}]
        + [by[("sora", "plants", "")]]  # listed twice: imported once
        + [dataclasses.replace(by[("sora", "plants", "")], rating="mixed", sources=other_source)]  # another source
        + [dataclasses.replace(by[("runway-gen3", "plants", "")], capability="food", sources=())]  # unsourced
    )
    changed = [dataclasses.replace(c, rating="strength", note="fine now") if (c.model, c.capability) in {
        ("sora", "walking"), ("kling-2", "people")} and not c.derived_from else c for c in changed]
    report = store.import_knowledge(dataclasses.replace(kb, claims=tuple(changed)))
    assert (report.claims_created, report.claims_updated, report.claims_retired, report.claims_unchanged) == (
        2, 2, 2, 7)  # sora food, the curator's, counts as unchanged
    assert sorted(c.rating for c in store.knowledge_base("x").claims
                  if (c.model, c.capability) == ("sora", "plants")) == ["mixed", "strength"]
    talking = next(c for c in loaded.claims if (c.model, c.capability) == ("sora", "talking"))
    [_, retired] = store.claim_history(talking.id)
    assert (retired["actor"], retired["action"], retired["before"], retired["after"]) == (
        "seed", "retire", _claim_json(by[("sora", "talking", "")]), None)
    [_, updated] = store.claim_history(walking.id)
    assert (updated["action"], updated["before"], updated["after"]["note"]) == (
        "update", _claim_json(kb.claims[3]), "fine now")


def test_a_claim_a_curator_imported_survives_the_next_seed_import(store):
    """A claim that only a curator's import added is the curator's: the seed's files, which never held it, leave it
    alone, and the curator's own next import without it retires it."""
    kb = make_tiny_kb()
    store.import_knowledge(kb)
    added = claim("sora-2", "walking", "weakness")
    report = store.import_knowledge(dataclasses.replace(kb, claims=(*kb.claims, added)), actor="alice")
    assert report.claims_created == 1
    created = next(c for c in store.knowledge_base("x").claims if (c.model, c.capability) == ("sora-2", "walking"))
    assert store.claim_history(created.id)[0]["actor"] == "alice"

    again = store.import_knowledge(kb)  # the seed, re-imported at the next start-up or `yuntai kb import`
    assert (again.claims_retired, again.claims_unchanged) == (0, len(kb.claims))
    assert [(c.model, c.capability, c.rating) for c in store.knowledge_base("x").claims
            if c.model == "sora-2"] == [("sora-2", "walking", "weakness")]

    without = store.import_knowledge(kb, actor="alice")  # the curator's own files, the claim taken out again
    assert (without.claims_retired, without.claims_unchanged) == (1, len(kb.claims))
    assert [c for c in store.knowledge_base("x").claims if c.model == "sora-2"] == []
    assert [h["action"] for h in store.claim_history(created.id)] == ["create", "retire"]


def test_a_capability_change_alone_changes_the_version(store):
    """Every process reloads when the version moves; a new term must move it (so it is read everywhere)."""
    kb = make_tiny_kb()
    first = store.import_knowledge(kb)
    caps = tuple(dataclasses.replace(c, terms=(*c.terms, "puppy")) if c.id == "animals" else c
                 for c in kb.capabilities)
    assert store.import_knowledge(dataclasses.replace(kb, capabilities=caps)).version != first.version


def test_an_alias_already_used_by_another_model_is_skipped_with_a_note(store):
    kb = make_tiny_kb()
    models = tuple(dataclasses.replace(m, aliases=("kling", *m.aliases)) if m.id == "kling-1" else m
                   for m in kb.models)
    report = store.import_knowledge(dataclasses.replace(kb, models=models))
    assert report.notes == ["alias 'kling' of kling-2 skipped: already used"]
    loaded = store.knowledge_base("x")
    assert loaded.model_by_id["kling-1"].aliases == ("kling", "kling 1.6", "kling 1.5", "kling 1")
    assert loaded.model_by_id["kling-2"].aliases == ("kling 2.1", "kling 2")


def test_the_loaded_knowledge_base_is_the_imported_one_field_for_field(store):
    """Every field a caption reading or a reply uses survives the database: models (by id), capabilities (in file
    order), claims (with what they were derived from)."""
    kb = make_tiny_kb()
    models = tuple(dataclasses.replace(m, released="2024-12-09", hashtags=("#sora", "#openaisora"),
                                       workflows=("text-to-video", "image-to-video"), notes="the first one",
                                       official_accounts=("x.com/openai",)) if m.id == "sora"
                   else dataclasses.replace(m, aliases=()) if m.id == "sora-2" else m  # a model known by name only
                   for m in kb.models)
    caps = tuple(dataclasses.replace(c, description="said in so many words") if c.id == "talking" else c
                 for c in kb.capabilities)
    kb = dataclasses.replace(kb, models=models, capabilities=caps)
    store.import_knowledge(kb)
    loaded = store.knowledge_base("x")
    assert loaded.models == tuple(sorted(kb.models, key=lambda m: m.id))
    assert loaded.capabilities == kb.capabilities
    assert sorted(map(repr, (dataclasses.replace(c, id=None) for c in loaded.claims))) == sorted(
        map(repr, (dataclasses.replace(c, id=None) for c in kb.claims)))


def test_retirements_are_recorded_in_claim_order_wherever_the_backend_keeps_the_rows(store):
    """Two claims dropped from the files are retired first claim first, even where the database keeps its rows
    in another order: on Postgres they are rewritten newest first (as updates can leave them)."""
    from bot.knowledge import Source

    kb = make_tiny_kb()
    first, second = (dataclasses.replace(claim("sora", "walking", rating), sources=(
        Source(f"https://example.org/{name}-report", "2025-03-01", name),)) for rating, name in (
        ("weakness", "first"), ("mixed", "second")))
    store.import_knowledge(dataclasses.replace(kb, claims=(*kb.claims, first, second)))
    ids = [c.id for c in store.knowledge_base("x").claims if c.sources[0].note in ("first", "second")]
    assert len(ids) == 2 and ids == sorted(ids)
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text("CREATE INDEX kb_claim_newest_first ON kb_claim (id DESC)"))
            conn.execute(text("CLUSTER kb_claim USING kb_claim_newest_first"))
            conn.execute(text("DROP INDEX kb_claim_newest_first"))
            scanned = conn.execute(text("SELECT id FROM kb_claim WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": ids}).scalars().all()
        assert scanned == ids[::-1]  # what a query without ORDER BY now sees
    report = store.import_knowledge(kb)
    assert report.claims_retired == 2
    with store.storage.uow() as uow:
        rows = uow.session.exec(text("SELECT entity_id FROM kb_change WHERE action = 'retire' ORDER BY id")).all()
    assert [int(r[0]) for r in rows] == ids
