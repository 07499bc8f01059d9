"""capabilities can imply others (a dunk shows people) unless something else is shown

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_capability", schema=None) as batch_op:
        batch_op.add_column(sa.Column("implies", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("unless", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("kb_capability", schema=None) as batch_op:
        batch_op.drop_column("unless")
        batch_op.drop_column("implies")
