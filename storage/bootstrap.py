"""Open the configured database, migrate it, and seed the knowledge base on first run."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.db import (
    SEED_LOCK_KEY,
    DatabaseError,
    default_sqlite_url,
    describe,
    exclusive,
    explain,
    first_run_lock,
    make_engine,
    upgrade,
)
from storage.repositories import Store

log = logging.getLogger(__name__)


def open_store(database_url: str | None, *, seed_dir: Path | None = None, migrate: bool = True) -> Store:
    url = database_url or default_sqlite_url()
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(f"DATABASE_URL is not a database URL I can use ({describe(url)})") from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"no driver installed for {describe(url)}: {exc.name}") from exc
    store = Store(engine)
    try:
        # Several processes may start together on one fresh database: one migrates and seeds, the
        # others wait, then find it done (a lock file on SQLite, advisory locks on Postgres).
        with first_run_lock(engine):
            if migrate:
                upgrade(engine)
            if store.is_kb_empty():
                with exclusive(engine, SEED_LOCK_KEY):
                    if store.is_kb_empty():
                        from storage.seed_files import load_seed

                        report = store.import_knowledge(load_seed(seed_dir), actor="seed")
                        log.info("seeded the knowledge base: %s claims, version %s", report.claims_created,
                                 report.version)
    except SQLAlchemyError as exc:
        raise DatabaseError(explain(exc, url)) from exc
    return store
