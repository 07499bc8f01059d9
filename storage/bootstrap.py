"""Open the configured database, migrate it, and seed the knowledge base on first run."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.db import DatabaseError, default_sqlite_url, make_engine, upgrade
from storage.repositories import Store

log = logging.getLogger(__name__)


def describe(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable DATABASE_URL>"


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
        if migrate:
            upgrade(engine)
        if store.is_kb_empty():
            from storage.seed_files import load_seed

            report = store.import_knowledge(load_seed(seed_dir), actor="seed")
            log.info("seeded the knowledge base: %s claims, version %s", report.claims_created, report.version)
    except SQLAlchemyError as exc:
        raise DatabaseError(_explain(exc, url)) from exc
    return store


def _explain(exc: SQLAlchemyError, url: str) -> str:
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
