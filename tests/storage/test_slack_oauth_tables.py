"""Migration 0012 makes slack_sdk's OAuth store tables, the same as slack_sdk would, on SQLite and Postgres.

Why compare with the installed slack_sdk: the stores read and write these tables with their own
table definitions, so a slack_sdk upgrade that adds a column must fail here, not at an install.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage.db import MIGRATIONS, current_revision, make_engine, upgrade

OAUTH_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, sqlite_url: str) -> Any:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    eng = make_engine(url)
    yield eng
    eng.dispose()


def migrate(engine: sa.Engine, target: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)
        conn.commit()


def slack_sdk_tables() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def shape(engine: sa.Engine, table: str) -> tuple[list[tuple[str, Any, Any, bool]], dict[str, list[str]]]:
    """(name, type affinity, length, nullable) per column, and each index's columns, as the database has them."""
    inspector = sa.inspect(engine)
    columns = [(c["name"], c["type"]._type_affinity, getattr(c["type"], "length", None), c["nullable"])
               for c in inspector.get_columns(table)]
    indexes = {i["name"]: list(i["column_names"]) for i in inspector.get_indexes(table)}
    return columns, indexes


def expected(table: sa.Table) -> tuple[list[tuple[str, Any, Any, bool]], dict[str, list[str]]]:
    columns = [(c.name, c.type._type_affinity, getattr(c.type, "length", None), bool(c.nullable))
               for c in table.columns]
    indexes = {str(i.name): [c.name for c in i.columns] for i in table.indexes}
    return columns, indexes


def test_0012_creates_the_tables_slack_sdk_defines(engine: sa.Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == "0012"
    for table in slack_sdk_tables().sorted_tables:
        assert shape(engine, table.name) == expected(table), table.name


def test_0012_downgrades_and_upgrades_again(engine: sa.Engine) -> None:
    upgrade(engine)
    migrate(engine, "0011", down=True)
    names = set(sa.inspect(engine).get_table_names())
    assert not names & set(OAUTH_TABLES)
    assert "slack_event" in names  # 0011's table stays
    upgrade(engine)
    assert set(OAUTH_TABLES) <= set(sa.inspect(engine).get_table_names())


def test_0012_keeps_tables_an_earlier_version_made_with_create_tables(engine: sa.Engine) -> None:
    """Before 0012 the Slack app ran slack_sdk's `create_tables()`: those databases upgrade, rows kept."""
    migrate(engine, "0011")
    metadata = slack_sdk_tables()
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(metadata.tables["slack_oauth_states"].insert().values(state="s1", expire_at=sa.func.now()))
    upgrade(engine)
    assert current_revision(engine) == "0012"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT state FROM slack_oauth_states")).scalars().all() == ["s1"]
