"""knowledge base, clips, metadata cache and checks

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("video_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("first_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("canonical_url"),
    )
    op.create_table(
        "kb_capability",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("parent_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("not_terms", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_capability", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_capability_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "kb_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_change_community_id"), ["community_id"], unique=False)

    op.create_table(
        "kb_meta",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "kb_model",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("vendor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("released", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("workflows", sa.JSON(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "metadata_cache",
        sa.Column("canonical_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("fetched", sa.Boolean(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("canonical_url"),
    )
    op.create_table(
        "check_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("caption", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kb_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clip_id"],
            ["clip.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.create_index("ix_check_record_community_clip", ["community_id", "clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_record_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_record_created_at"), ["created_at"], unique=False)

    op.create_table(
        "kb_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("alias", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["kb_model.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alias", name="uq_kb_alias_alias"),
    )
    with op.batch_alter_table("kb_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_alias_model_id"), ["model_id"], unique=False)

    op.create_table(
        "kb_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("capability_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rating", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("derived_from", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("curated_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["capability_id"],
            ["kb_capability.id"],
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["kb_model.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_claim", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_claim_lookup", ["community_id", "model_id", "capability_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kb_claim", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_claim_lookup")

    op.drop_table("kb_claim")
    with op.batch_alter_table("kb_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_alias_model_id"))

    op.drop_table("kb_alias")
    with op.batch_alter_table("check_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_record_created_at"))
        batch_op.drop_index(batch_op.f("ix_check_record_community_id"))
        batch_op.drop_index("ix_check_record_community_clip")

    op.drop_table("check_record")
    op.drop_table("metadata_cache")
    op.drop_table("kb_model")
    op.drop_table("kb_meta")
    with op.batch_alter_table("kb_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_change_community_id"))

    op.drop_table("kb_change")
    with op.batch_alter_table("kb_capability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_capability_parent_id"))

    op.drop_table("kb_capability")
    op.drop_table("clip")
