"""stories: the backlog of articles older than the live window (issue 7)

Revision ID: 0010
Revises: 0005

A cold crawl of hundreds of outlets brings weeks of past articles in no order. Assigning each one
on arrival loaded a window of the archive around its day per article; the backlog lets them be
assigned later in date order by one sliding window (``nashra.stories.backlog``). ``job_leases``
lets one process at a time work it, on any number of machines.
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = nashra.store.schema.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "story_backlog",
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("published", UTC(timezone=True), nullable=False),
        sa.Column("queued_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_story_backlog_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", name=op.f("pk_story_backlog")),
    )
    op.create_index("ix_story_backlog_published", "story_backlog", ["published", "article_pk"])
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_index("ix_story_backlog_published", table_name="story_backlog")
    op.drop_table("story_backlog")
