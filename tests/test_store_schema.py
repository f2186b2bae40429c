"""``store/schema.py`` (what the code queries) and the Alembic migrations (what databases get)
describe the same tables, columns, types, indexes and keys — on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from nashra.search.tables import FTS_COLUMNS, TABLE, pg_metadata
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


def test_every_migrated_table_is_declared_and_every_declared_table_migrated(store: Store) -> None:
    """The comparison above covers every table: none is left out on either side."""
    migrated = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
    backend_own = {name for name in migrated if name.startswith(SEARCH_BACKEND_PREFIX)}
    assert migrated - backend_own == set(metadata.tables)
    assert TABLE in backend_own


def test_search_index_table_matches_what_its_backend_reads_and_writes(store: Store) -> None:
    with store.connect() as conn:
        if store.dialect == "sqlite":
            columns = tuple(row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({TABLE})"))
            assert columns == FTS_COLUMNS
            return
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, pg_metadata)
    # pg_metadata declares the columns, types and key the code uses; the migration adds the
    # GIN indexes and the foreign key to articles, checked by name here.
    differ = [
        d
        for d in diffs
        if _table_of(d) == TABLE and (d[0] if isinstance(d, tuple) else "") not in
        ("remove_index", "remove_fk")
    ]  # fmt: skip
    assert differ == [], "\n".join(map(str, differ))
    inspector = inspect(store.engine)
    assert {i["name"] for i in inspector.get_indexes(TABLE)} == {
        f"ix_{TABLE}_{column}" for column in ("era_facets_terms", "words", "author")
    }
    [key] = inspector.get_foreign_keys(TABLE)
    assert (key["referred_table"], key["referred_columns"]) == ("articles", ["pk"])
    assert key["options"].get("ondelete") == "CASCADE"
