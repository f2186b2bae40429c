"""video articles and the view counter (issue 18)

Revision ID: 0011
Revises: 0001

``article_videos``: the video of a video article (provider, id, title, duration, poster), one
row per article. ``article_views``: hourly view counts per article, written in batches by the
portal's view counter; "most read" adds up the last hours of it.
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = nashra.store.schema.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "article_videos",
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("video_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("poster_url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_article_videos_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", name=op.f("pk_article_videos")),
    )
    op.create_table(
        "article_views",
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("hour", UTC(timezone=True), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_article_views_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", "hour", name=op.f("pk_article_views")),
    )
    op.create_index("ix_article_views_hour", "article_views", ["hour", "article_pk"])


def downgrade() -> None:
    op.drop_index("ix_article_views_hour", table_name="article_views")
    op.drop_table("article_views")
    op.drop_table("article_videos")
