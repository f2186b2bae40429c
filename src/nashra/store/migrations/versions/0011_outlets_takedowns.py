"""outlets: moderator roles, takedowns and their tombstones, fetched pages, poll history (issue 19)

Revision ID: 0011o
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0011o"
down_revision = "0002"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = nashra.store.schema.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("moderators") as batch:
        batch.add_column(
            sa.Column("role", sa.String(16), nullable=False, server_default="moderator")
        )
    op.create_table(
        "takedowns",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("before", UTC(timezone=True)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("undone_at", UTC(timezone=True)),
        sa.Column("undone_by", sa.String(64)),
    )
    op.create_index("ix_takedowns_source", "takedowns", ["source"])
    op.create_table(
        "takedown_items",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column(
            "takedown_id",
            PK,
            sa.ForeignKey(
                "takedowns.id", name="fk_takedown_items_takedown_id_takedowns", ondelete="CASCADE"
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("num", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("guid", sa.Text()),
    )
    op.create_index("ix_takedown_items_source_num", "takedown_items", ["source", "num"])
    op.create_index("ix_takedown_items_source_url", "takedown_items", ["source", "url"])
    op.create_table(
        "fetched_pages",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "url", name="pk_fetched_pages"),
    )
    op.create_index("ix_fetched_pages_source_fetched", "fetched_pages", ["source", "fetched_at"])
    op.create_table(
        "feed_polls",
        sa.Column("id", PK, primary_key=True, autoincrement=True),
        sa.Column(
            "feed_id",
            PK,
            sa.ForeignKey("feeds.id", name="fk_feed_polls_feed_id_feeds", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_feed_polls_feed_at", "feed_polls", ["feed_id", "at"])


def downgrade() -> None:
    op.drop_table("feed_polls")
    op.drop_table("fetched_pages")
    op.drop_table("takedown_items")
    op.drop_table("takedowns")
    with op.batch_alter_table("moderators") as batch:
        batch.drop_column("role")
