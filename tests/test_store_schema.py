"""``store/schema.py`` (what the code queries) and the Alembic migrations (what databases get)
describe the same tables, columns, types, indexes and keys — on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from nashra.store import Store
from nashra.store.schema import metadata

# The search index is the search backend's own (an FTS5 virtual table on SQLite, tsvector
# columns on PostgreSQL), created by its migration per dialect and absent from schema.py.
SEARCH_BACKEND_PREFIX = "article_search"


def _table_of(diff: object) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(part, str):
            return part
        if name and hasattr(part, "columns"):
            return str(name)
    return ""


def test_schema_module_matches_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    left = [d for d in diffs if not _table_of(d).startswith(SEARCH_BACKEND_PREFIX)]
    assert left == [], "\n".join(map(str, left))
