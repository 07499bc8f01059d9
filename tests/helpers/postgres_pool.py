"""Postgres template copies reused within one test process: put back as the template left them, not dropped.

Why: a copy (`CREATE DATABASE ... TEMPLATE`, which writes the whole 9 MB database through the WAL) and its
drop (which forces a checkpoint) cost 0.19 busy CPU-s per test here, client and server together, and the
checkpoints slowed every other Postgres test running at the time. Putting a used copy back costs about
0.03 s: end its other sessions, delete every row, copy the template's rows back in, set its sequences
back.

A copy is only put back when nothing but its rows can differ from the template: the schema (tables,
columns, defaults, constraints, indexes, sequences, types, functions, triggers, rules and views,
policies, comments, extensions, privileges), the database's own settings, large objects and prepared
transactions are compared with the template's first; on any difference (a test that ran a migration,
say) the copy is dropped and the next test gets a new one, as before. Rows go back in the template's
physical order and each sequence to the template's value, so ids come out as on a fresh copy. Not
restored: the tables' dead rows (the physical size, so a query plan may differ; no test orders by
anything but ORDER BY). Before the restore the copy is renamed, so a client a test left behind can
never reconnect to the next test's data: it finds no database by that name, as after a drop.

YUNTAI_TEST_FRESH_DB=1 (helpers.seeded_db) still gives every test a new copy.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

# Everything a test can change in a database besides its rows, as text that does not mention an oid, so
# two copies of one template print the same. System schemas and temporary objects are left out.
SHAPE = """
WITH ns AS (
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%'
      AND nspname NOT LIKE 'pg\\_temp\\_%'
)
SELECT format('schema %s %s %s', ns.nspname, pg_get_userbyid(n.nspowner), n.nspacl)
FROM pg_namespace n JOIN ns ON ns.oid = n.oid
UNION ALL
SELECT format('rel %s.%s %s %s %s %s %s %s', ns.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions,
              c.relacl, c.relrowsecurity, c.relforcerowsecurity)
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT format('col %s %s %s %s %s %s %s %s %s %s %s', a.attrelid::regclass, a.attnum, a.attname,
              format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped, pg_get_expr(d.adbin, d.adrelid),
              a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attacl)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0
UNION ALL
SELECT format('con %s %s %s', co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid))
FROM pg_constraint co JOIN ns ON ns.oid = co.connamespace
UNION ALL
SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT format('seq %s %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement,
              s.seqmax, s.seqmin, s.seqcycle)
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT format('type %s.%s %s', ns.nspname, t.typname, t.typtype) FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
UNION ALL
SELECT format('enum %s %s %s', e.enumtypid::regtype, e.enumsortorder, e.enumlabel) FROM pg_enum e
UNION ALL
SELECT format('func %s.%s(%s) %s %s %s %s', ns.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
              p.prorettype::regtype, p.prokind, p.provolatile, md5(p.prosrc))
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
UNION ALL
SELECT format('trigger %s %s', t.tgenabled, pg_get_triggerdef(t.oid)) FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT format('rule %s %s %s', r.ev_class::regclass, r.ev_enabled, pg_get_ruledef(r.oid)) FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT format('policy %s %s %s %s %s %s', p.polrelid::regclass, p.polname, p.polcmd, p.polpermissive,
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)) FROM pg_policy p
UNION ALL
SELECT format('comment %s %s %s', d.classoid::regclass, d.objsubid, d.description) FROM pg_description d
WHERE d.objoid >= 16384
UNION ALL
SELECT format('database %s %s %s %s', d.datconnlimit, d.datallowconn, pg_get_userbyid(d.datdba), d.datacl)
FROM pg_database d WHERE d.datname = current_database()
UNION ALL
SELECT format('elsewhere %s %s %s %s', (SELECT count(*) FROM pg_event_trigger), (SELECT count(*) FROM pg_publication),
              (SELECT count(*) FROM pg_default_acl), (SELECT count(*) FROM pg_cast WHERE oid >= 16384))
UNION ALL
SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
UNION ALL
SELECT 'setting ' || coalesce(r.rolname, '*') || ' ' || s.setconfig::text FROM pg_db_role_setting s
LEFT JOIN pg_roles r ON r.oid = s.setrole
WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL
SELECT 'large objects ' || count(*) FROM pg_largeobject_metadata HAVING count(*) > 0
UNION ALL
SELECT 'prepared ' || gid FROM pg_prepared_xacts WHERE database = current_database()
"""

TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""

BIG_TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND pg_relation_size(c.oid) > 1024 * 1024
"""

SEQUENCES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2
"""


def shape(conn: psycopg.Connection) -> str:
    """A digest of everything but the rows (see SHAPE)."""
    lines = sorted(row[0] for row in conn.execute(SHAPE))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class Pristine:
    """A template as a fresh copy holds it: its shape, each table's rows (binary COPY), each sequence's value."""

    shape: str
    tables: list[tuple[str, str]]
    rows: dict[tuple[str, str], bytes]
    sequences: list[tuple[str, str, int, bool]]
    wipe: bool = False  # an empty database: whatever a test created goes, rather than the copy

    @classmethod
    def read(cls, url: str, wipe: bool = False) -> Pristine:
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [tuple(row) for row in conn.execute(TABLES)]
            rows: dict[tuple[str, str], bytes] = {}
            for table in tables:
                data = bytearray()
                statement = sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(*table))
                with conn.cursor().copy(statement) as copy:
                    for chunk in copy:
                        data += chunk
                rows[table] = bytes(data)
            sequences = []
            for schema, name in conn.execute(SEQUENCES).fetchall():
                value, called = conn.execute(
                    sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(schema, name))).fetchone()
                sequences.append((schema, name, value, called))
            return cls(shape(conn), tables, rows, sequences, wipe)

    def restore(self, url: str) -> bool:
        """Put the database at `url` back as the template left it; False (and nothing done) if its shape differs."""
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")  # a lock held on past the terminations: drop the copy instead
            # Sessions a test left open (an engine never disposed) would hold locks and see the reset.
            conn.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if shape(conn) != self.shape:
                if not self.wipe:
                    return False
                _wipe(conn)
                if shape(conn) != self.shape:
                    return False
            with conn.transaction():
                # Foreign keys and triggers off for this transaction: the rows come back exactly as they were.
                conn.execute("SET LOCAL session_replication_role = replica")
                # A table a test filled (a big community's votes) is emptied by TRUNCATE: deleted rows would
                # stay behind as dead tuples for every later test to scan (this server runs no autovacuum).
                big = [tuple(row) for row in conn.execute(BIG_TABLES)]
                if big:
                    conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(
                        sql.SQL(", ").join(sql.Identifier(*table) for table in big)))
                # One round trip each for the deletes and the sequences (about 40 statements).
                conn.execute(sql.SQL(" ").join(
                    sql.SQL("DELETE FROM {};").format(sql.Identifier(*table)) for table in self.tables))
                for table in self.tables:
                    if self.rows[table] != _EMPTY_COPY:
                        with conn.cursor().copy(
                                sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(*table))) as copy:
                            copy.write(self.rows[table])
                if self.sequences:
                    conn.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join(
                        sql.SQL("setval({}::regclass, {}, {})").format(
                            sql.Literal(sql.Identifier(schema, name).as_string(conn)), value, called)
                        for schema, name, value, called in self.sequences)))
        return True


def _wipe(conn: psycopg.Connection) -> None:
    """Drop every schema, large object and what is in them; public comes back as CREATE DATABASE makes it."""
    schemas = [row[0] for row in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND nspname NOT LIKE 'pg\\_%'")]
    with conn.transaction():
        for schema in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        conn.execute("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
        conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
        conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")


# A binary COPY of no rows: the 19-byte header and the two-byte trailer.
_EMPTY_COPY = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + b"\xff\xff"


@dataclass
class Pool:
    """This process's used-and-restored copies, by template kind."""

    pristine: dict[str, Pristine] = field(default_factory=dict)
    free: dict[str, list[str]] = field(default_factory=dict)

    def take(self, kind: str) -> str | None:
        """A restored copy of `kind` (its database name), or None: the caller makes a new copy."""
        names = self.free.get(kind)
        return names.pop() if names else None

    def remember(self, kind: str, url: str, wipe: bool = False) -> None:
        """Read what a fresh copy of `kind` holds (once per kind), before any test touches it.

        `wipe`: the copy is an empty database, put back by dropping whatever a test created in it.
        """
        if kind not in self.pristine:
            self.pristine[kind] = Pristine.read(url, wipe)

    def give_back(self, kind: str, name: str, base: str, admin_url: str) -> str | None:
        """Rename the copy, restore it and keep it for the next test; the name the caller must drop, or None.

        The rename needs every session on the copy gone, so the ones a test left open are ended first; one
        that will not end within 5 s leaves the copy to be dropped.
        """
        pristine = self.pristine.get(kind)
        if pristine is None:
            return name
        renamed = f"yuntai_test_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                ended = admin.execute("SELECT coalesce(bool_and(pg_terminate_backend(pid, 5000)), true) "
                                      "FROM pg_stat_activity WHERE datname = %s", (name,)).fetchone()[0]
                if not ended:
                    log.warning("postgres copy %s: a session would not end; dropped, not reused", name)
                    return name
                admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(name), sql.Identifier(renamed)))
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the copy is dropped as before
            log.warning("postgres copy %s not renamed: %s", name, exc)
            return name
        try:
            restored = pristine.restore(f"{base}/{renamed}")
        except Exception as exc:  # noqa: BLE001
            log.warning("postgres copy %s not restored: %s", renamed, exc)
            restored = False
        if not restored:
            return renamed
        self.free.setdefault(kind, []).append(renamed)
        return None

    def drain(self) -> list[str]:
        """Every free copy's name (the end of the session drops them)."""
        names = [name for names in self.free.values() for name in names]
        self.free.clear()
        return names


POOL = Pool()
