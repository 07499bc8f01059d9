"""votes (one per member per clip per community) with their history; attempt reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id"), nullable=False),
        sa.Column("member", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("community_id", "clip_id", "member", name="uq_vote_community_clip_member"),
    )
    op.create_table(
        "vote_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clip.id"), nullable=False),
        sa.Column("member", sa.String(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("before", sa.String(length=32), nullable=True),
        sa.Column("after", sa.String(length=32), nullable=False),
    )
    # The consensus cache key (the community's latest change) and a clip's history.
    op.create_index("ix_vote_change_community_id", "vote_change", ["community_id", "id"])
    op.create_index("ix_vote_change_community_clip", "vote_change", ["community_id", "clip_id"])
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("member", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("capability_id", sa.String(length=64), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("usable", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("tries >= 1 AND usable >= 0 AND usable <= tries", name="ck_attempt_numbers"),
    )
    # Hit rates per community (and across the communities that share) for one model.
    op.create_index("ix_attempt_model_capability", "attempt", ["model_id", "capability_id", "community_id"])
    op.create_index("ix_attempt_community_model", "attempt", ["community_id", "model_id"])
    # The model report's most-checked clips of one model in one community.
    op.create_index("ix_check_record_community_model_clip", "check_record", ["community_id", "model_id", "clip_id"])


def downgrade() -> None:
    op.drop_index("ix_check_record_community_model_clip", table_name="check_record")
    op.drop_table("attempt")
    op.drop_table("vote_change")
    op.drop_table("vote")
