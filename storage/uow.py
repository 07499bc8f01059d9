"""The unit of work: one session shared by every repository a use case touches, committed once.

A vote and its history row, a curation change and its version bump, a digest claim and its record
either all land or none do. Database failures leave as `DatabaseError` with a one-line message for
the operator, never a driver exception carrying SQL and members' text.
"""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from storage.db import DatabaseError, explain
from storage.repositories import (
    CheckRepository,
    CurationRepository,
    DigestRepository,
    KnowledgeRepository,
    MetadataRepository,
    SettingsRepository,
    SlackEventRepository,
)

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = Session(engine, expire_on_commit=False)
        self.checks = CheckRepository(self.session)
        self.metadata = MetadataRepository(self.session)
        self.knowledge = KnowledgeRepository(self.session)
        self.settings = SettingsRepository(self.session)
        self.curation = CurationRepository(self.session)
        self.digests = DigestRepository(self.session)
        self.slack_events = SlackEventRepository(self.session)

    def __enter__(self) -> SqlUnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.session.close()  # ends the transaction: whatever was not committed explicitly is rolled back
        except SQLAlchemyError:
            log.warning("closing a database session failed", exc_info=False)
        if isinstance(exc, SQLAlchemyError):
            log.warning("database error: %s", type(exc).__name__)
            raise DatabaseError(explain(exc, self.engine.url.render_as_string(hide_password=True))) from exc

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    """What services are given: call it for a fresh unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
