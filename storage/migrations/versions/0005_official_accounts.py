"""models list the vendor's official accounts (a clip posted there is curated by construction)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_model", schema=None) as batch_op:
        batch_op.add_column(sa.Column("official_accounts", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("kb_model", schema=None) as batch_op:
        batch_op.drop_column("official_accounts")
