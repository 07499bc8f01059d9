"""community curation: a community's own models, capabilities and claims over the global knowledge base

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_override",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False, server_default=""),
        sa.UniqueConstraint("community_id", "kind", "key", name="uq_kb_override_thing"),
    )
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undoes", sa.Integer(), nullable=True))
        batch_op.create_index("ix_kb_change_community_entity", ["community_id", "entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_change_community_entity")
        batch_op.drop_column("undoes")
    op.drop_table("kb_override")
