"""images and crowd reporting: perceptual-hash groups, reports, moderators, audit log

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = nashra.store.schema.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", _PK, nullable=True))
        batch_op.add_column(
            sa.Column("report_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("hidden_at", _TS, nullable=True))
        batch_op.create_index(batch_op.f("ix_images_group_id"), ["group_id"], unique=False)

    op.create_table(
        "image_bands",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("image_id", _PK, nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_bands_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "bits", "image_id", name=op.f("pk_image_bands")),
    )
    op.create_table(
        "image_reports",
        sa.Column("id", _PK, autoincrement=True, nullable=False),
        sa.Column("image_id", _PK, nullable=False),
        sa.Column("group_id", _PK, nullable=False),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_reports_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_reports")),
        sa.UniqueConstraint(
            "group_id", "reporter", name=op.f("uq_image_reports_group_id_reporter")
        ),
    )
    op.create_index(
        "ix_image_reports_reporter_created", "image_reports", ["reporter", "created_at"]
    )
    op.create_index("ix_image_reports_network_created", "image_reports", ["network", "created_at"])
    op.create_index("ix_image_reports_group_status", "image_reports", ["group_id", "status"])

    op.create_table(
        "moderators",
        sa.Column("id", _PK, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_login_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderators")),
        sa.UniqueConstraint("username", name=op.f("uq_moderators_username")),
    )
    op.create_table(
        "moderator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", _PK, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_moderator_sessions_moderator_id_moderators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_moderator_sessions")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", _PK, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_key_created", "login_attempts", ["key", "created_at"])
    op.create_table(
        "moderation_log",
        sa.Column("id", _PK, autoincrement=True, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("image_id", _PK, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    op.create_index("ix_moderation_log_created", "moderation_log", ["created_at"])


def downgrade() -> None:
    op.drop_table("moderation_log")
    op.drop_table("login_attempts")
    op.drop_table("moderator_sessions")
    op.drop_table("moderators")
    op.drop_table("image_reports")
    op.drop_table("image_bands")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_images_group_id"))
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("report_count")
        batch_op.drop_column("group_id")
