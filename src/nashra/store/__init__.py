"""The archive: schema, migrations, writes (``Store``) and the listings the portal reads."""

from nashra.store.db import create_db_engine, migrate
from nashra.store.store import SaveResult, Store

__all__ = ["SaveResult", "Store", "create_db_engine", "migrate"]
