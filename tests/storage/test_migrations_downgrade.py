"""Every migration's downgrade, 0012 -> 0001 step by step, on SQLite and Postgres, then up to head again.

Why compare schemas rather than just run the steps: a downgrade that forgets to drop a column or an index
still "runs". After each step down, the schema must be exactly the one a fresh database has when upgraded
only that far; after climbing back, exactly the head schema. The database holds the tiny knowledge base
and a stored check while it goes down, so each step also has to carry real rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage.bootstrap import Storage
from storage.db import MIGRATIONS, current_revision, downgrade, make_engine, upgrade
from tests.conftest import make_tiny_kb

REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012"]


def migrate(engine: Engine, direction: str, target: str) -> None:
    (upgrade_to if direction == "upgrade" else downgrade)(engine, target)


def upgrade_to(engine: Engine, target: str) -> None:
    """`storage.db.upgrade` always goes to head; the reference schemas need each revision on the way."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        conn.commit()


def schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns (name, nullability), indexes and unique constraints; alembic's own table aside.

    Read with the inspector's get_multi_* calls: one catalogue query per kind for all tables on Postgres
    (per table, as before, on SQLite); asking table by table made 26 schema reads about 18 s on Postgres.
    """
    insp = inspect(engine)
    tables = [t for t in sorted(insp.get_table_names()) if t != "alembic_version"]
    if not tables:
        return {}
    columns = insp.get_multi_columns(filter_names=tables)
    indexes = insp.get_multi_indexes(filter_names=tables)
    uniques = insp.get_multi_unique_constraints(filter_names=tables)
    pks = insp.get_multi_pk_constraint(filter_names=tables)
    out: dict[str, Any] = {}
    for table in tables:
        key = (None, table)
        out[table] = {
            "columns": sorted((c["name"], bool(c["nullable"])) for c in columns[key]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes[key]),
            "unique": sorted(tuple(u["column_names"]) for u in uniques[key]),
            "pk": tuple(pks[key]["constrained_columns"]),
        }
    return out


def _schema_table_by_table(engine: Engine) -> dict[str, Any]:
    """The same read one table at a time (the inspector's plain calls), to hold `schema` to it."""
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version":
            continue
        out[table] = {
            "columns": sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
        }
    return out


@pytest.fixture
def postgres_url_2():
    """A second throw-away Postgres database (the shared fixture gives one per test)."""
    from tests.conftest import _throwaway_postgres

    yield from _throwaway_postgres(None)


@pytest.fixture(params=["sqlite", "postgres"])
def urls(request, tmp_path) -> tuple[str, str]:
    """Two empty databases of one kind: one to walk down, one to build each reference schema on."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'walk.db'}", f"sqlite:///{tmp_path / 'ref.db'}"
    return request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_url_2")


def _fill(url: str) -> None:
    """The tiny knowledge base and a cached page: rows the knowledge and metadata tables carry down."""
    from bot.ports import CachedMetadata

    store = Storage.on(make_engine(url), version_check_interval=0.0)
    try:
        store.knowledge.import_knowledge(make_tiny_kb())
        store.metadata.save_metadata("https://www.youtube.com/watch?v=aaaaaaaaaaa",
                                     CachedMetadata(True, "a dog eating noodles", "", "someone", None, True), "test")
    finally:
        store.close()


def test_every_downgrade_step_restores_the_schema_it_came_from(urls):
    walk_url, ref_url = urls
    walk, ref = make_engine(walk_url), make_engine(ref_url)
    try:
        upgrade(walk)
        assert current_revision(walk) == REVISIONS[-1]
        _fill(walk_url)
        head_schema = schema(walk)
        assert head_schema == _schema_table_by_table(walk) and len(head_schema) > 10
        references: dict[str, dict[str, Any]] = {}
        for rev in REVISIONS:
            migrate(ref, "upgrade", rev)
            references[rev] = schema(ref)
        assert references[REVISIONS[-1]] == head_schema, "the reference climb must end at the head schema"
        for rev in reversed(REVISIONS[:-1]):
            migrate(walk, "downgrade", rev)
            assert current_revision(walk) == rev
            assert schema(walk) == references[rev], f"downgrade to {rev} left a different schema"
        migrate(walk, "downgrade", "base")
        assert current_revision(walk) is None
        assert schema(walk) == {}, "downgrading 0001 must drop every table"
        upgrade(walk)
        assert current_revision(walk) == REVISIONS[-1]
        assert schema(walk) == head_schema
    finally:
        walk.dispose()
        ref.dispose()


def test_each_step_down_keeps_the_knowledge_rows(urls):
    """Going down one step at a time with data in place: the knowledge base's rows survive every step that
    does not own their table, and the database works again at head."""
    walk_url, _ = urls
    engine = make_engine(walk_url)
    try:
        upgrade(engine)
        _fill(walk_url)
        with engine.connect() as conn:
            claims = conn.execute(text("SELECT count(*) FROM kb_claim")).scalar_one()
        assert claims == len(make_tiny_kb().claims)
        for rev in reversed(REVISIONS[:-1]):
            migrate(engine, "downgrade", rev)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM kb_claim")).scalar_one() == claims, rev
        upgrade(engine)
    finally:
        engine.dispose()
    store = Storage.on(make_engine(walk_url), version_check_interval=0.0)
    try:
        kb = store.knowledge.knowledge_base()
        assert {(c.model, c.capability) for c in kb.claims} >= {("sora", "plants"), ("kling-2", "eating")}
    finally:
        store.close()


def test_sqlite_keeps_foreign_keys_on_after_migrating(tmp_path):
    """Migrations switch SQLite's foreign keys off to rebuild tables; the pooled connection must come back
    with them on, or a later delete could leave claims pointing at a model that is gone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        upgrade(engine)
        downgrade(engine, "0010")
        upgrade(engine)
        for _ in range(2):  # the same pooled connection, then again
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()
