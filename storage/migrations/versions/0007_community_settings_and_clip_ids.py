"""community settings (admins, watched channels, digest slot) with history; short clip ids for buttons

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _short_id(canonical_url: str) -> str:
    # Same rule as storage.repositories.checks.short_clip_id; copied so the migration never changes.
    return base64.b32encode(hashlib.sha256(canonical_url.encode()).digest()).decode()[:12].lower()


def upgrade() -> None:
    op.create_table(
        "community_settings",
        sa.Column("community_id", sa.String(length=100), primary_key=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False, server_default=""),
    )
    op.create_table(
        "community_settings_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False, index=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_id", sa.String(length=16), nullable=True))
    conn = op.get_bind()
    clip = sa.table("clip", sa.column("id", sa.Integer), sa.column("canonical_url", sa.String),
                    sa.column("short_id", sa.String))
    for row_id, url in conn.execute(sa.select(clip.c.id, clip.c.canonical_url)).all():
        conn.execute(clip.update().where(clip.c.id == row_id).values(short_id=_short_id(url)))
    op.create_index("ix_clip_short_id", "clip", ["short_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_clip_short_id", table_name="clip")
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.drop_column("short_id")
    op.drop_table("community_settings_change")
    op.drop_table("community_settings")
