"""LLM summaries cache and per-community token usage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_summary",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("clip_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("kb_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("llm_summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_summary_clip_url"), ["clip_url"], unique=False)

    op.create_table(
        "llm_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "day", name="uq_llm_usage_community_day"),
    )


def downgrade() -> None:
    op.drop_table("llm_usage")
    with op.batch_alter_table("llm_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_summary_clip_url"))
    op.drop_table("llm_summary")
