"""Engines and schema upgrades for the embedded SQLite default and for Postgres."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
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
        parsed = parsed.set(drivername="postgresql+psycopg")
    # hide_parameters: an error's text must never carry members' captions into a log or a terminal.
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The database file of a SQLite URL or engine; None for Postgres and in-memory databases."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    database = url.database
    if database and database.startswith("file:"):  # SQLite URI form: sqlite:///file:/path/x.db?mode=ro&uri=true
        database = database.removeprefix("file:").split("?", 1)[0]
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def read_only_folder(path: Path) -> bool:
    """True when SQLite could read the file but not create its -wal/-shm/lock files beside it."""
    return path.exists() and not os.access(path.parent, os.W_OK)


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for the database {path}: {exc.strerror}") from exc
    reader = {"creator": _immutable_reader(path)} if path is not None and read_only_folder(path) else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True,
                           **reader)

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


def _immutable_reader(path: Path):  # type: ignore[no-untyped-def]
    """Connections for a database in a read-only folder (a read-only mount, a shared snapshot).

    WAL mode needs a -shm file beside the database even to read, so a plain open fails with "unable
    to open database file". Nobody can write there either, so the file cannot change under us and
    SQLite's immutable mode reads it safely -- unless a crashed writer left changes in the -wal
    file, which immutable mode would silently ignore: then refuse and say so.
    """
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise DatabaseError(f"the folder {path.parent} is read-only and {wal.name} holds changes not yet written "
                            f"into {path.name}; make the folder writable once (any yuntai command then finishes "
                            "the write) or copy both files somewhere writable")
    uri = f"{path.resolve().as_uri().replace('file://', 'file:', 1)}?immutable=1"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)

    return connect


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration.

    On Postgres several bot processes may start at once; an advisory lock makes one of them run
    the migrations while the others wait and then find nothing to do.
    """
    _migrate(engine, "upgrade", "head")


def downgrade(engine: Engine, target: str) -> None:
    """Take the schema back to revision `target` ("base" drops every table), e.g. to run an older release."""
    _migrate(engine, "downgrade", target)


def _migrate(engine: Engine, direction: str, target: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    with exclusive(engine, MIGRATION_LOCK_KEY) as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a column by rebuilding the table (copy, drop, rename); with foreign keys on,
            # dropping a table that other rows point at fails (kb_model under kb_alias and kb_claim). The
            # pragma only takes effect outside a transaction, so it is switched here, around the whole run.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            cfg.attributes["connection"] = conn
            getattr(command, direction)(cfg, target)
            conn.commit()
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")  # the pooled connection goes back as it came
                conn.commit()


@contextlib.contextmanager
def first_run_lock(engine: Engine, timeout: float = 120.0) -> Iterator[None]:
    """One process at a time through migration and seeding of a SQLite file.

    SQLite's write lock covers one statement or transaction, not "check the schema, then create
    it" or "is the knowledge base empty? then seed it": eight processes started on a fresh file all
    saw an empty database and all tried. A lock file beside the database (yuntai.db.lock) serialises
    the whole first-run step across processes on this host. Postgres uses advisory locks instead
    (`exclusive`). In a read-only folder nobody can write, so there is nothing to serialise.
    """
    path = sqlite_path(engine)
    if path is None or read_only_folder(path):
        yield
        return
    from filelock import FileLock, Timeout

    lock = FileLock(str(path.with_name(path.name + ".lock")), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseError(f"another yuntai process has been setting up {path} for {timeout:g} s; "
                            f"if none is running, delete {path.name}.lock") from None
    except OSError as exc:
        raise DatabaseError(f"can't create the lock file beside {path}: {exc.strerror}") from exc
    try:
        yield
    finally:
        lock.release()


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
    """The database URL without its password (user:pass@ or ?password=), for messages and logs."""
    from bot.redact import redact_url

    try:
        return redact_url(make_url(url).render_as_string(hide_password=True))
    except (ArgumentError, ValueError):  # ValueError: a port like ":abc"
        return "<unparseable DATABASE_URL>"


def explain(exc: SQLAlchemyError, url: str) -> str:
    """One line for the operator: what is wrong with the database, without the password."""
    from bot.redact import redact_url

    text = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
    text = redact_url(text)
    where = describe(url)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database {where} is read-only; point DATABASE_URL at a writable file"
    if "not a database" in lowered or "malformed" in lowered:
        return f"the database file {where} is damaged or not a database; move it aside and start again"
    if "unable to open" in lowered:
        return f"the database {where} can't be opened: {text}"
    return f"the database {where} can't be used: {text}"


def is_row_error(exc: BaseException) -> bool:
    """The database refused this row (its text, a unique key), not the whole database: worth a retry alone."""
    from sqlalchemy.exc import DataError, IntegrityError

    cause = exc.__cause__ if isinstance(exc, DatabaseError) else exc
    return isinstance(cause, DataError | IntegrityError)
