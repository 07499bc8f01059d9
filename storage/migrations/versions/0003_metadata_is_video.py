"""metadata cache remembers whether the page declares a video

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metadata_cache", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_video", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metadata_cache", schema=None) as batch_op:
        batch_op.drop_column("is_video")
