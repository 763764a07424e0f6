"""photos, trainings and prompt results"""

import sqlalchemy as sa

from shared.migrations import create_index, create_table, reversible

revision = "0001"
down_revision = None

upgrade, downgrade = reversible(
    create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_address", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("media_index", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("blob_name", sa.String(length=255), nullable=True),
        sa.Column("fingerprint", sa.String(length=16), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_photo"),
        sa.UniqueConstraint("message_id", "media_index", name="uq_photo_message_id"),
    ),
    create_index("ix_photo_user_address", "photo", "user_address"),
    create_table(
        "training",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("user_address", sa.String(length=128), nullable=False),
        sa.Column("pack_code", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tune_id", sa.String(length=64), nullable=True),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_images", sa.Integer(), nullable=False),
        sa.Column("delivered_images", sa.Integer(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("order_id", name="pk_training"),
    ),
    create_index("ix_training_user_address", "training", "user_address"),
    create_table(
        "prompt_result",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("prompt_id", sa.String(length=64), nullable=False),
        sa.Column("image_urls", sa.Text(), nullable=False),
        sa.Column("user_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "prompt_id", name="pk_prompt_result"),
    ),
)
