"""stories: near-duplicate signatures and stories across outlets (issue 5)

Revision ID: 0005
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = nashra.store.schema.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("representative", PK, nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("outlet_count", sa.Integer(), nullable=False),
        sa.Column("outlets", sa.Text(), nullable=False),
        sa.Column("first_published", UTC(timezone=True), nullable=False),
        sa.Column("last_published", UTC(timezone=True), nullable=False),
        sa.Column("merged_into", PK, nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["representative"],
            ["articles.pk"],
            name=op.f("fk_stories_representative_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["stories.id"],
            name=op.f("fk_stories_merged_into_stories"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index("ix_stories_last_published", "stories", ["last_published"])
    op.create_index("ix_stories_lang_last_published", "stories", ["lang", "last_published"])
    op.create_table(
        "article_signatures",
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("story_id", PK, nullable=True),
        sa.Column("published", UTC(timezone=True), nullable=False),
        sa.Column("link", sa.Float(), nullable=False),
        sa.Column("copy_of", PK, nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("content_key", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_article_signatures_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_article_signatures_story_id_stories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["copy_of"],
            ["articles.pk"],
            name=op.f("fk_article_signatures_copy_of_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("article_pk", name=op.f("pk_article_signatures")),
    )
    for column in ("story_id", "published", "copy_of", "updated_at"):
        op.create_index(f"ix_article_signatures_{column}", "article_signatures", [column])


def downgrade() -> None:
    op.drop_table("article_signatures")
    op.drop_index("ix_stories_lang_last_published", table_name="stories")
    op.drop_index("ix_stories_last_published", table_name="stories")
    op.drop_table("stories")
