"""Engines and schema upgrades for the embedded SQLite default and for Postgres."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any number will do as long as every Yuntai process agrees on it.
MIGRATION_LOCK_KEY = 0x59554E54  # "YUNT"
SEED_LOCK_KEY = MIGRATION_LOCK_KEY + 1


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is meant for the operator, one line."""


def default_sqlite_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("yuntai", appauthor=False))
    return f"sqlite:///{folder / 'yuntai.db'}"


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    db = make_url(url).database
    if db and db != ":memory:":
        path = Path(db)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for the database {path}: {exc.strerror}") from exc
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # WAL lets the console, a bot process and `yuntai kb` read while one writes.
        cur = dbapi_conn.cursor()
        with contextlib.suppress(Exception):  # a read-only file cannot switch modes; reads still work
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration.

    On Postgres several bot processes may start at once; an advisory lock makes one of them run
    the migrations while the others wait and then find nothing to do.
    """
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    with exclusive(engine, MIGRATION_LOCK_KEY) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


@contextlib.contextmanager
def exclusive(engine: Engine, key: int) -> Iterator[Connection]:
    """Run a block in one process at a time across every process sharing a Postgres database.

    Postgres: a session advisory lock held on the yielded connection. SQLite serves one host, and
    its own write lock keeps writers apart, so the block just runs.
    """
    with engine.connect() as conn:
        is_pg = conn.dialect.name == "postgresql"
        if is_pg:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
        try:
            yield conn
        finally:
            if is_pg:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def describe(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable DATABASE_URL>"


def explain(exc: SQLAlchemyError, url: str) -> str:
    """One line for the operator: what is wrong with the database, without the password."""
    text = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
    where = describe(url)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database {where} is read-only; point DATABASE_URL at a writable file"
    if "not a database" in lowered or "malformed" in lowered:
        return f"the database file {where} is damaged or not a database; move it aside and start again"
    if "unable to open" in lowered:
        return f"the database {where} can't be opened: {text}"
    return f"the database {where} can't be used: {text}"
