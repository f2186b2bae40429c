"""drop articles.norm_text: a normalised copy of title and body that nothing read (issue 14)

Revision ID: 0012n
Revises: 0001

The article's text is analysed once when it is stored (``nashra.text.article``); the folded
copy kept in this column was written for every article and never read. Dropping it saves about
a third of an article row. SQLite drops the column in place (3.35+), PostgreSQL too.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012n"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("articles", "norm_text")


def downgrade() -> None:
    op.add_column("articles", sa.Column("norm_text", sa.Text(), nullable=False, server_default=""))
