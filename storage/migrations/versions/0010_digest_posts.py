"""digest posts: one row per (community, week), claimed before the digest is sent and marked sent after

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("slot_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        # the exactly-once key: a second claim of the same week inserts nothing
        sa.UniqueConstraint("community_id", "week", name="uq_digest_post_community_week"),
    )


def downgrade() -> None:
    op.drop_table("digest_post")
