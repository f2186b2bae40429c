"""stories: the backlog keeps the features computed where the article was analysed (issue 17)

Revision ID: 0014
Revises: 0010

An article waiting in the story backlog was analysed again when the sweep reached it, to compute
its story features: a third of the sweep's time after a bulk import, in the one process that
writes. The writer that queues an article now stores the features it already has (the import's
workers compute them beside the article's one analysis), with the content key of the text they
come from; the sweep uses them when the key still matches the stored text. Rows queued before
this migration (NULL) are analysed again, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("story_backlog", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_key", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("features", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("story_backlog", schema=None) as batch_op:
        batch_op.drop_column("minhash")
        batch_op.drop_column("features")
        batch_op.drop_column("content_key")
