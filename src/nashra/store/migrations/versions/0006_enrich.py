"""enrich: section source and confidence, byline, agency, author key, article regions (issue 8)

Revision ID: 0006
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import nashra.store.schema

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = nashra.store.schema.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("section_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("byline", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("agency", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("author_key", sa.String(length=200), nullable=False, server_default="")
        )
    op.create_index(
        "ix_articles_author_key_published", "articles", ["author_key", "published"], unique=False
    )
    op.create_index(
        "ix_articles_agency_published", "articles", ["agency", "published"], unique=False
    )
    op.create_table(
        "article_regions",
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("published", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_article_regions_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_pk", "region", name=op.f("pk_article_regions")),
    )
    op.create_index(
        "ix_article_regions_region_published",
        "article_regions",
        ["region", "published", "article_pk"],
        unique=False,
    )
    op.create_table(
        "section_corrections",
        sa.Column("id", PK, autoincrement=True, nullable=False),
        sa.Column("article_pk", PK, nullable=False),
        sa.Column("previous", sa.String(length=32), nullable=True),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("moderator", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_pk"],
            ["articles.pk"],
            name=op.f("fk_section_corrections_article_pk_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_corrections")),
    )
    op.create_index(
        "ix_section_corrections_article_pk",
        "section_corrections",
        ["article_pk", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_section_corrections_article_pk", table_name="section_corrections")
    op.drop_table("section_corrections")
    op.drop_index("ix_article_regions_region_published", table_name="article_regions")
    op.drop_table("article_regions")
    op.drop_index("ix_articles_agency_published", table_name="articles")
    op.drop_index("ix_articles_author_key_published", table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("author_key")
        batch_op.drop_column("agency")
        batch_op.drop_column("byline")
        batch_op.drop_column("section_confidence")
        batch_op.drop_column("section_source")
