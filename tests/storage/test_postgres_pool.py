"""A reused Postgres copy must reach the next test exactly as a fresh copy of its template would, or not at all."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from helpers.postgres_pool import Pool, Pristine, shape
from helpers.seeded_db import create_from, fresh, postgres_template

pytestmark = pytest.mark.skipif(fresh(), reason="YUNTAI_TEST_FRESH_DB=1: no templates, no pool")

@pytest.fixture(scope="module")
def copies(postgres_server_url):  # skipped without a server, a failure under CI
    """Makes copies of this process's "tiny" template (or empty databases); drops them after the module's tests.

    `copies.base` is the server's URL without a database, `copies.server` its admin database's.
    """
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres_server_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    base = postgres_server_url.rsplit("/", 1)[0]
    template = postgres_template("tiny", postgres_server_url)
    made: list[str] = []

    def copy(template: str | None = template) -> str:
        name = f"yuntai_pool_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            create_from(conn, name, template)
        made.append(name)
        return f"{base}/{name}"

    copy.made = made  # type: ignore[attr-defined] - names a test renamed are dropped too
    copy.base = base  # type: ignore[attr-defined]
    copy.server = postgres_server_url  # type: ignore[attr-defined]
    yield copy
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def untouched(copies):
    """One copy no test commits to, with what a fresh copy holds."""
    url = copies()
    return url, Pristine.read(url)


def contents(url: str) -> dict[str, object]:
    """Every table's rows in physical order, and every sequence's state: what a test could read."""
    with psycopg.connect(url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
        out: dict[str, object] = {
            table: conn.execute(sql.SQL("SELECT * FROM {} ORDER BY ctid").format(sql.Identifier(table))).fetchall()
            for (table,) in tables}
        for (seq,) in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall():
            out[f"sequence {seq}"] = conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(seq))).fetchone()
    return out


def scribble(url: str) -> None:
    """What tests do to a database: add, change and delete rows, draw ids from a sequence."""
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO community_settings (community_id, settings, updated_at, updated_by) "
                     "VALUES ('discord:1', '{}', now(), 'admin')")
        conn.execute("UPDATE kb_model SET name = 'renamed' WHERE id = (SELECT min(id) FROM kb_model)")
        conn.execute("DELETE FROM kb_claim WHERE ctid = (SELECT min(ctid) FROM kb_claim)")
        for (seq,) in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall():
            conn.execute("SELECT nextval(%s::regclass)", (seq,))


def test_a_used_copy_comes_back_with_the_templates_rows_ids_and_order(copies):
    fresh, used = copies(), copies()
    pristine = Pristine.read(used)
    expected = contents(fresh)
    assert any(rows for key, rows in expected.items() if not key.startswith("sequence"))  # the template has rows
    assert any(key.startswith("sequence") for key in expected)  # and sequences to put back
    scribble(used)
    assert contents(used) != expected

    assert pristine.restore(used) is True
    assert contents(used) == expected


def test_sessions_a_test_left_open_are_ended_not_waited_for(copies):
    url = copies()
    pristine = Pristine.read(url)
    holder = psycopg.connect(url)
    try:
        holder.execute("LOCK TABLE kb_claim IN ACCESS EXCLUSIVE MODE")  # an open transaction holding a lock
        assert pristine.restore(url) is True
        with pytest.raises(psycopg.OperationalError):
            holder.execute("SELECT 1")
    finally:
        holder.close()


@pytest.mark.parametrize("change", [
    "ALTER TABLE kb_model ADD COLUMN extra text",
    "CREATE INDEX kb_model_name_extra ON kb_model (name)",
    "DROP TABLE vote_change",
    "CREATE TABLE scratch (x int)",
    "ALTER TABLE kb_model ALTER COLUMN name DROP NOT NULL",
    "CREATE SCHEMA other",
    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE VIEW v AS SELECT 1 AS one",
    "GRANT SELECT ON kb_model TO PUBLIC",
    # a change of detail that adds or removes nothing, as a migration step might make
    "ALTER TABLE kb_model RENAME COLUMN notes TO remarks",
    "ALTER TABLE kb_model ALTER COLUMN notes TYPE text",
    "ALTER TABLE kb_model ALTER COLUMN official_accounts SET DEFAULT '[\"x\"]'::json",
    "ALTER TABLE kb_model RENAME TO kb_models",
    "ALTER INDEX kb_model_pkey RENAME TO kb_model_key",
    "DROP INDEX ix_check_record_community_clip; "
    "CREATE INDEX ix_check_record_community_clip ON check_record (community_id, clip_id) WHERE clip_id > 0",
    "CREATE SCHEMA other; DROP SCHEMA public CASCADE; ALTER SCHEMA other RENAME TO public",
    "ALTER SEQUENCE vote_id_seq INCREMENT BY 2",
    "ALTER TABLE kb_model SET (fillfactor = 50)",
    "ALTER TABLE community_settings SET UNLOGGED",
    "ALTER TABLE vote DISABLE TRIGGER ALL",  # its foreign keys no longer checked
    "ALTER TABLE kb_model ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY p ON kb_model USING (true)",
    "COMMENT ON TABLE kb_model IS 'x'",
    "ALTER TABLE kb_model ALTER COLUMN notes TYPE varchar COLLATE \"C\"",
    "GRANT SELECT (name) ON kb_model TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
    "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT 5', current_database()); END $$",
    "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''8MB''', current_database()); END $$",
])
def test_the_shape_tells_every_change_but_rows(untouched, change):
    url, pristine = untouched
    with psycopg.connect(url) as conn:  # changed inside a transaction, then rolled back: the copy stays fresh
        assert shape(conn) == pristine.shape
        conn.execute(change)
        assert shape(conn) != pristine.shape
        conn.rollback()
        assert shape(conn) == pristine.shape


def test_rows_alone_leave_the_shape_as_it_was(untouched):
    url, pristine = untouched
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO community_settings (community_id, settings, updated_at, updated_by) "
                     "VALUES ('discord:3', '{}', now(), 'admin')")
        conn.execute("DELETE FROM kb_claim")
        conn.execute("SELECT nextval('vote_id_seq')")
        assert shape(conn) == pristine.shape
        conn.rollback()


def test_a_copy_whose_shape_changed_is_left_alone_for_the_caller_to_drop(copies):
    url = copies()
    pristine = Pristine.read(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE kb_model ADD COLUMN extra text")
        conn.execute("INSERT INTO community_settings (community_id, settings, updated_at, updated_by) "
                     "VALUES ('discord:2', '{}', now(), 'admin')")
    assert pristine.restore(url) is False
    with psycopg.connect(url) as conn:  # rows untouched
        assert conn.execute("SELECT count(*) FROM community_settings").fetchone() == (1,)


def test_a_table_a_test_filled_is_emptied_not_left_as_dead_rows(copies):
    url = copies()
    pristine = Pristine.read(url)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO community_settings (community_id, settings, updated_at, updated_by) "
                     "SELECT 'discord:' || i, '{}', now(), repeat('x', 200) FROM generate_series(1, 20000) i")
    assert pristine.restore(url) is True
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_total_relation_size('community_settings')").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM community_settings").fetchone() == (0,)
    assert size < 64 * 1024


def test_the_pool_renames_restores_and_hands_out_only_copies_it_restored(copies):
    pool = Pool()
    first, fresh_copy = copies(), copies()
    first_name = first.rsplit("/", 1)[1]
    assert pool.take("tiny") is None  # nothing kept yet: the caller makes a copy
    pool.remember("tiny", first)
    scribble(first)
    left_behind = psycopg.connect(first)  # a client a test never closed
    try:
        # kept: nothing for the caller to drop
        assert pool.give_back("tiny", first_name, copies.base, copies.server) is None
        kept = pool.take("tiny")
        copies.made.append(kept)
        assert kept != first_name and contents(f"{copies.base}/{kept}") == contents(fresh_copy)
        with pytest.raises(psycopg.OperationalError):
            left_behind.execute("SELECT 1")  # ended
        with pytest.raises(psycopg.OperationalError, match="does not exist"):
            psycopg.connect(first)  # and it cannot reach the next test's data by the old name
    finally:
        left_behind.close()
    assert pool.take("tiny") is None  # one copy, handed out once

    changed = copies()
    with psycopg.connect(changed, autocommit=True) as conn:
        conn.execute("CREATE TABLE scratch (x int)")
    leftover = pool.give_back("tiny", changed.rsplit("/", 1)[1], copies.base, copies.server)
    copies.made.append(leftover)
    assert leftover is not None and pool.take("tiny") is None  # the caller drops it, by its new name
    with psycopg.connect(f"{copies.base}/{leftover}") as conn:
        assert conn.execute("SELECT count(*) FROM scratch").fetchone() == (0,)
    assert pool.give_back("migrated", "never_read", copies.base, copies.server) == "never_read"  # a kind it never read


def test_an_empty_copy_comes_back_empty_whatever_a_test_created_in_it(copies):
    url = copies(template=None)
    pristine = Pristine.read(url, wipe=True)
    with psycopg.connect(url, autocommit=True) as conn:  # what the migration and Slack-store tests leave behind
        conn.execute("CREATE TABLE public.t (id serial PRIMARY KEY, mood text)")
        conn.execute("INSERT INTO t (mood) VALUES ('ok')")
        conn.execute("CREATE TYPE public.mood AS ENUM ('sad', 'ok')")
        conn.execute("CREATE SCHEMA other")
        conn.execute("CREATE TABLE other.u (x int)")
        conn.execute("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("SELECT lo_create(0)")
        conn.execute("REVOKE USAGE ON SCHEMA public FROM PUBLIC")
    assert pristine.restore(url) is True
    with psycopg.connect(url) as conn:
        assert shape(conn) == pristine.shape
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
                            "'information_schema')").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone() == (0,)
        conn.execute("CREATE TABLE t (x int)")  # public is usable as on a new database


def test_an_empty_copy_with_a_changed_database_setting_is_not_reused(copies):
    url = copies(template=None)
    pristine = Pristine.read(url, wipe=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute(sql.SQL("ALTER DATABASE {} SET work_mem = '8MB'").format(sql.Identifier(url.rsplit("/", 1)[1])))
    assert pristine.restore(url) is False


def test_a_copy_of_a_template_is_never_wiped(copies):
    url = copies()
    pristine = Pristine.read(url)  # wipe is for empty databases only
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE scratch (x int)")
    assert pristine.restore(url) is False
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM kb_model").fetchone()[0] > 0
