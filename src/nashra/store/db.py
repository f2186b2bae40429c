"""The database primitives every package shares: opening the database (SQLite or PostgreSQL),
keeping its schema current, dialect dispatch (:func:`for_dialect`), the write transaction that
locks up front, the upsert (``INSERT … ON CONFLICT``) and keyset pagination. Feature code uses
these instead of branching on the dialect itself."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, Engine, Select, Table, and_, create_engine, event, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, make_url

from nashra.text.dates import checked_instant

T = TypeVar("T")


def dialect_name(bind: Any) -> str:
    """The dialect name ("sqlite" or "postgresql") of an engine, a connection, a ``Store`` or a
    read router, or the name itself."""
    dialect = getattr(bind, "dialect", bind)
    return str(getattr(dialect, "name", dialect))


def for_dialect(bind: Any, *, sqlite: T, postgresql: T) -> T:
    """The one of ``sqlite`` and ``postgresql`` that belongs to ``bind``'s database (see
    :func:`dialect_name`): the one place a per-dialect choice is made."""
    name = dialect_name(bind)
    if name == "sqlite":
        return sqlite
    if name == "postgresql":
        return postgresql
    raise ValueError(f"Nashra supports SQLite and PostgreSQL, not {name!r}")


def create_db_engine(url: str, *, connect_timeout: int | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection.
    ``connect_timeout`` (seconds, PostgreSQL) bounds the wait for a server that does not answer."""
    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql") and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # No server-side prepared statements: psycopg would prepare a query run five times on one
    # connection, and PostgreSQL then plans it once for any parameters — for a search that
    # means one plan for a rare word and for a word in every article (counts and the newest-K
    # floor ran 1.5-2x slower at a million articles). Connections in a transaction pool
    # (PgBouncer) cannot keep them anyway.
    connect_args: dict[str, Any] = {"prepare_threshold": None}
    if connect_timeout is not None:
        connect_args["connect_timeout"] = connect_timeout
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect_args
    )


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("nashra.store") / "migrations"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        # "heads": features add their migrations as branches off the initial schema.
        command.upgrade(cfg, "heads")


class Connectable(Protocol):
    """What lends a connection: an engine, a read router or a ``Store``."""

    def connect(self) -> Connection: ...


def schema_is_current(database: Connectable) -> bool:
    """True when the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(_alembic_config()).get_heads())
    with database.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that takes the write lock up front on SQLite (``BEGIN IMMEDIATE``), so a
    read-then-write cannot fail half-way with a lock upgrade and nobody slips in between the
    read and the write; a plain transaction on PostgreSQL (lock rows with ``FOR UPDATE``).
    Commits on a normal exit, rolls back on any error."""
    with engine.connect() as conn:
        if dialect_name(conn) == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


Values = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def upsert(
    conn: Connection,
    table: Table,
    values: Values,
    key: Sequence[str],
    *,
    update: Iterable[str] | Mapping[str, Callable[[Any], Any]] = (),
    returning: Sequence[ColumnElement[Any]] = (),
) -> CursorResult[Any]:
    """Insert ``values`` (one row, or a list of rows run as one batch) into ``table``; where a
    row with the same ``key`` columns exists, set its ``update`` columns instead — named columns
    take the new row's value, a mapping gives each column a function of the new row
    (``excluded``) to its expression, e.g. ``{"views": lambda new: t.c.views + new.views}``.
    With no ``update`` the existing row is left as it is (``returning`` then yields nothing for
    it: a way to learn whether the insert took place)."""
    if isinstance(update, Mapping) or returning:
        statement = _upsert_statement(dialect_name(conn), table, key, update, returning)
    else:
        # Named columns: the statement is built once per shape (building it costs more than
        # sending it to SQLite).
        statement = _cached_upsert(dialect_name(conn), table, tuple(key), tuple(update), ())
    if isinstance(values, Mapping):
        return conn.execute(statement, dict(values))
    return conn.execute(statement, list(values))


def _upsert_statement(
    dialect: str,
    table: Table,
    key: Sequence[str],
    update: Iterable[str] | Mapping[str, Callable[[Any], Any]],
    returning: Sequence[ColumnElement[Any]],
) -> Any:
    statement = for_dialect(dialect, sqlite=sqlite.insert, postgresql=postgresql.insert)(table)
    new = statement.excluded
    if isinstance(update, Mapping):
        changes = {column: value(new) for column, value in update.items()}
    else:
        changes = {column: new[column] for column in update}
    index = [table.c[column] for column in key]
    if changes:
        statement = statement.on_conflict_do_update(index_elements=index, set_=changes)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=index)
    if returning:
        statement = statement.returning(*returning)
    return statement


_cached_upsert = functools.lru_cache(maxsize=256)(_upsert_statement)


# -- keyset pagination ---------------------------------------------------------------------------
MAX_KEY = 2**63 - 1  # keys are signed 64-bit integers in both databases


class CursorError(ValueError):
    """A pagination cursor that was not made by us (or was damaged on the way)."""


def encode_cursor(moment: datetime, key: int) -> str:
    """The opaque cursor of a keyset listing ordered by (moment, key) descending."""
    raw = f"{moment.astimezone(UTC).isoformat()}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(moment in UTC, key) of a cursor we made; :class:`CursorError` for anything else,
    including well-formed cursors whose values no listing could have produced."""
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, key = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        moment = checked_instant(datetime.fromisoformat(stamp))
        number = int(key)
        if not 0 <= number <= MAX_KEY:
            raise ValueError(f"key {number} out of range")
        return moment, number
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError(
            f"invalid cursor {cursor[:40]!r}: use the 'next' value of a listing"
        ) from exc


def keyset_page(
    conn: Connection,
    query: Select,
    moment: ColumnElement,
    key: ColumnElement,
    *,
    cursor: str | None,
    limit: int,
    position: Callable[[dict[str, Any]], tuple[datetime, int]],
    to_row: Callable[[Any], dict[str, Any]] = lambda r: dict(r._mapping),
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``query`` ordered by (``moment``, ``key``) newest first, resumed after
    ``cursor``; returns the rows and the cursor of the next page (None at the end).
    ``position`` reads (moment, key) back from a row, for the next cursor; raises
    :class:`CursorError` for a cursor we did not make."""
    if cursor:
        after_moment, after_key = decode_cursor(cursor)
        # The plain bound ``moment <= …`` is what an index on (…, moment) can seek to; the OR
        # alone is a filter, walked from the newest row down to the cursor (measured: 0.45 to
        # 1.25 s for page 1,000 of a section at 200,000 articles; 8 to 28 ms with the bound).
        query = query.where(
            moment <= after_moment,
            or_(moment < after_moment, and_(moment == after_moment, key < after_key)),
        )
    query = query.order_by(moment.desc(), key.desc()).limit(limit + 1)
    rows = [to_row(r) for r in conn.execute(query)]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(*position(rows[-1]))


def keyset_page_newer(
    conn: Connection,
    query: Select,
    moment: ColumnElement,
    key: ColumnElement,
    *,
    cursor: str,
    limit: int,
    to_row: Callable[[Any], dict[str, Any]] = lambda r: dict(r._mapping),
) -> tuple[list[dict[str, Any]], bool]:
    """The way back through a :func:`keyset_page` listing: the ``limit`` rows just newer than
    ``cursor``, newest first, and whether even newer ones exist (for rel=prev links)."""
    after_moment, after_key = decode_cursor(cursor)
    query = (
        query.where(
            moment >= after_moment,  # seekable, as in keyset_page
            or_(moment > after_moment, and_(moment == after_moment, key > after_key)),
        )
        .order_by(moment.asc(), key.asc())
        .limit(limit + 1)
    )
    rows = [to_row(r) for r in conn.execute(query)]
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, has_more
