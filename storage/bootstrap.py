"""Open the configured database, migrate it, seed the knowledge base on first run; hand out the ports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
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
from storage.gateways import KnowledgeCache, SqlCheckLog, SqlMetadataCache, SqlSettings
from storage.io import StorageThreads
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Storage:
    """Everything the composition root needs from the database, one object per core port."""

    engine: Engine
    uow: UnitOfWorkFactory
    knowledge: KnowledgeCache
    metadata: SqlMetadataCache
    checks: SqlCheckLog
    settings: SqlSettings
    threads: StorageThreads

    @classmethod
    def on(cls, engine: Engine, version_check_interval: float = 1.0) -> Storage:
        uow = UnitOfWorkFactory(engine)
        workers = 1 if engine.dialect.name == "sqlite" else 4
        return cls(engine, uow, KnowledgeCache(uow, version_check_interval), SqlMetadataCache(uow),
                   SqlCheckLog(uow), SqlSettings(uow), StorageThreads(workers))

    def close(self) -> None:
        self.threads.close()
        self.engine.dispose()


def open_storage(database_url: str | None, *, seed_dir: Path | None = None, migrate: bool = True) -> Storage:
    url = database_url or default_sqlite_url()
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(f"DATABASE_URL is not a database URL I can use ({describe(url)})") from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"no driver installed for {describe(url)}: {exc.name}") from exc
    storage = Storage.on(engine)
    try:
        # Several processes may start together on one fresh database: one migrates and seeds, the
        # others wait, then find it done (a lock file on SQLite, advisory locks on Postgres).
        with first_run_lock(engine):
            if migrate:
                upgrade(engine)
            if storage.knowledge.is_empty():
                with exclusive(engine, SEED_LOCK_KEY):
                    if storage.knowledge.is_empty():
                        from storage.seed_files import load_seed

                        report = storage.knowledge.import_knowledge(load_seed(seed_dir), actor="seed")
                        log.info("seeded the knowledge base: %s claims, version %s", report.claims_created,
                                 report.version)
    except SQLAlchemyError as exc:
        raise DatabaseError(explain(exc, url)) from exc
    return storage


def open_store(database_url: str | None, *, seed_dir: Path | None = None, migrate: bool = True) -> Storage:
    """The older name, kept for scripts that call it."""
    return open_storage(database_url, seed_dir=seed_dir, migrate=migrate)
