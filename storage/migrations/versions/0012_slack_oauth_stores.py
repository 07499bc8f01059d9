"""slack oauth stores: the tables of slack_sdk's SQLAlchemy installation store (slack_bots,
slack_installations) and OAuth state store (slack_oauth_states), created here rather than by
`create_tables()` when the Slack app starts

Why a migration: several workers start at once behind a load balancer, and each calling
`create_tables()` raced to create the same tables (and needed DDL rights at run time); the schema is
also what operators back up and move, so it belongs in the one migration chain. The columns and
indexes are slack_sdk 3.x's own (`SQLAlchemyInstallationStore.build_installations_table`,
`build_bots_table`, `SQLAlchemyOAuthStateStore.build_oauth_states_table`; the async stores reuse
them); tests/storage/test_slack_oauth_tables.py compares this schema with the installed slack_sdk's.
`installed_at`'s `func.now()` is a client-side default in slack_sdk (no server default), so none here.

Databases where an earlier Yuntai already ran `create_tables()` have the tables: they are kept
(same schema) and only the missing ones are made.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
STATES = "slack_oauth_states"


def _exists(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _exists(INSTALLATIONS):
        op.create_table(
            INSTALLATIONS,
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("client_id", sa.String(32), nullable=False),
            sa.Column("app_id", sa.String(32), nullable=False),
            sa.Column("enterprise_id", sa.String(32)),
            sa.Column("enterprise_name", sa.String(200)),
            sa.Column("enterprise_url", sa.String(200)),
            sa.Column("team_id", sa.String(32)),
            sa.Column("team_name", sa.String(200)),
            sa.Column("bot_token", sa.String(200)),
            sa.Column("bot_id", sa.String(32)),
            sa.Column("bot_user_id", sa.String(32)),
            sa.Column("bot_scopes", sa.String(1000)),
            sa.Column("bot_refresh_token", sa.String(200)),
            sa.Column("bot_token_expires_at", sa.DateTime()),
            sa.Column("user_id", sa.String(32), nullable=False),
            sa.Column("user_token", sa.String(200)),
            sa.Column("user_scopes", sa.String(1000)),
            sa.Column("user_refresh_token", sa.String(200)),
            sa.Column("user_token_expires_at", sa.DateTime()),
            sa.Column("incoming_webhook_url", sa.String(200)),
            sa.Column("incoming_webhook_channel", sa.String(200)),
            sa.Column("incoming_webhook_channel_id", sa.String(200)),
            sa.Column("incoming_webhook_configuration_url", sa.String(200)),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("token_type", sa.String(32)),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
        )
        op.create_index(f"{INSTALLATIONS}_idx", INSTALLATIONS,
                        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"])
    if not _exists(BOTS):
        op.create_table(
            BOTS,
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("client_id", sa.String(32), nullable=False),
            sa.Column("app_id", sa.String(32), nullable=False),
            sa.Column("enterprise_id", sa.String(32)),
            sa.Column("enterprise_name", sa.String(200)),
            sa.Column("team_id", sa.String(32)),
            sa.Column("team_name", sa.String(200)),
            sa.Column("bot_token", sa.String(200)),
            sa.Column("bot_id", sa.String(32)),
            sa.Column("bot_user_id", sa.String(32)),
            sa.Column("bot_scopes", sa.String(1000)),
            sa.Column("bot_refresh_token", sa.String(200)),
            sa.Column("bot_token_expires_at", sa.DateTime()),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
        )
        op.create_index(f"{BOTS}_idx", BOTS, ["client_id", "enterprise_id", "team_id", "installed_at"])
    if not _exists(STATES):
        op.create_table(
            STATES,
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("state", sa.String(200), nullable=False),
            sa.Column("expire_at", sa.DateTime(), nullable=False),
        )


def downgrade() -> None:
    op.drop_table(STATES)
    op.drop_index(f"{BOTS}_idx", table_name=BOTS)
    op.drop_table(BOTS)
    op.drop_index(f"{INSTALLATIONS}_idx", table_name=INSTALLATIONS)
    op.drop_table(INSTALLATIONS)
