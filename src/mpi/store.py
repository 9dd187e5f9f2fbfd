"""The DuckDB store: open the file, apply migrations, run each stage in one transaction.

The connection is an in-memory DuckDB with the store file attached as `store` and selected by
USE. Splink's working tables go to the in-memory database (see `splink_workspace`), so model
work never touches the store file and a stage writes its results in one short transaction.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mpi.config import DEFAULT_MEMORY_LIMIT
from mpi.errors import MpiUserError
from mpi.schema import RECORD_COLUMNS, shared_id_column
from mpi.sqlutil import load_sql, quote_identifier, quote_literal, run_sql_file
from mpi.standardize import nickname_frame


def _create_records_sql() -> str:
    columns = ",\n    ".join(f"{quote_identifier(name)} {sql_type}" for name, sql_type in RECORD_COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS records (\n    {columns},\n    PRIMARY KEY (source, record_id)\n)"


def _migrate_to_v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(load_sql("store/001_initial"))
    con.execute(_create_records_sql())


def _sql_file(name: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """A migration that is one SQL file (adding tables or columns): sql/<name>.sql."""

    def migrate(con: duckdb.DuckDBPyConnection) -> None:
        run_sql_file(con, name)

    return migrate


def _migrate_to_v7(con: duckdb.DuckDBPyConnection) -> None:
    """first_name_std and first_name_formals of clear records again, as ingest now derives them.

    The nickname table's name pairs whose families are the same size (TERENCE and TERRY) were
    left unrelated before; names the table does not know keep themselves, as at ingest.
    """
    con.register("mpi__nickname_frame", nickname_frame())
    try:
        con.execute(
            "UPDATE records SET first_name_std = f.formal_name, first_name_formals = f.formals "
            "FROM mpi__nickname_frame AS f WHERE records.first_name = f.name"
        )
    finally:
        con.unregister("mpi__nickname_frame")


# Each migration moves the store up one version; they run in order inside one transaction.
MIGRATIONS: tuple[Callable[[duckdb.DuckDBPyConnection], None], ...] = (
    _migrate_to_v1,
    _sql_file("store/002_index"),
    _sql_file("store/003_history"),
    _sql_file("store/004_hashed"),
    # records.first_name_formals; version 7 fills it from the nickname table. Hashed records
    # cannot be filled (no key): a hashed source is loaded again from a file hashed with this mpi
    # (encoding schema version 2), which the hub requires anyway.
    _sql_file("store/005_first_name_formals"),
    _sql_file("store/006_source_birth_years"),
    _migrate_to_v7,
    _sql_file("store/008_email_user_token"),
    _sql_file("store/009_zip_prefix_token"),
    _sql_file("store/010_dob_month_day_token"),
    _sql_file("store/011_street_name_prefix_token"),
    _sql_file("store/012_run_models"),
    _sql_file("store/013_other_last_name"),
    _sql_file("store/014_ssn_last4"),
    _sql_file("store/015_override_removals"),
    _sql_file("store/016_run_model_fits"),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class Store:
    path: Path
    con: duckdb.DuckDBPyConnection

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a stage atomically: everything it wrote is committed, or nothing is."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    @contextmanager
    def splink_workspace(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Let Splink create its tables in memory while reading the store's tables by name.

        Splink cannot run inside an explicit transaction (it treats some failed statements as
        answers, and one failure aborts a DuckDB transaction), so it runs outside one, here.
        """
        self.con.execute("USE memory")
        self.con.execute("SET search_path = 'memory.main,store.main'")
        try:
            yield self.con
        finally:
            self.con.execute("USE store")

    def ensure_shared_id_columns(self, shared_ids: Sequence[str]) -> None:
        """Add an id_<name> column to records for each shared identifier the config declares."""
        for name in shared_ids:
            column = quote_identifier(shared_id_column(name))
            self.con.execute(f"ALTER TABLE records ADD COLUMN IF NOT EXISTS {column} VARCHAR")

    def table_exists(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()[0]
        return bool(row and row[0])

    def close(self) -> None:
        self.con.close()


def table_in_store(con: duckdb.DuckDBPyConnection, name: str, *, column: str | None = None) -> bool:
    """Whether the store file (not memory or temp) holds table ``name`` (with ``column``): `pairs` once a
    run has linked, `run_models` (and its later columns) once this mpi has migrated the store."""
    if column is None:
        sql = "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'store' AND table_name = ?"
        params = [name]
    else:
        sql = (
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'store' AND table_name = ? "
            "AND column_name = ?"
        )
        params = [name, column]
    return bool(con.execute(sql, params).fetchall()[0][0])


def spill_directory(path: Path) -> Path:
    """Where DuckDB spills past its memory limit: beside the store, not in the current directory."""
    return path.with_name(path.name + ".tmp")


def open_store(
    path: Path, *, read_only: bool = False, create: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> Store:
    """Open the store file (``create``: or create it) and bring its schema to the current version.

    Only ingest creates a store: the stages after it refuse a missing one rather than leave an
    empty file behind.
    """
    if read_only and create:
        raise ValueError("a store opened read-only cannot be created")
    if not create and not path.exists():
        raise MpiUserError(f'No store at {path}. Run "mpi ingest" first to create it.')
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill_directory(path))})
    mode = " (READ_ONLY)" if read_only else ""
    try:
        con.execute(f"ATTACH {quote_literal(str(path))} AS store{mode}")
    except duckdb.Error as exc:
        con.close()
        raise MpiUserError(f"Cannot open the store {path}: {str(exc).splitlines()[0]}") from exc
    con.execute("USE store")
    store = Store(path=path, con=con)
    if not read_only:
        # The attach holds the store's write lock, so spill files left here belong to a run that
        # was killed (DuckDB removes its own on a clean exit); at 1M persons they can be tens of GB.
        shutil.rmtree(spill_directory(path), ignore_errors=True)
        migrate(store)
    return store


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS mpi_schema_version (version INTEGER, applied_at TIMESTAMP)")
    row = con.execute("SELECT coalesce(max(version), 0) FROM mpi_schema_version").fetchall()[0]
    return int(row[0]) if row else 0


def migrate(store: Store) -> int:
    """Apply the migrations this store has not seen; returns the resulting version."""
    with store.transaction() as con:
        current = schema_version(con)
        if current > SCHEMA_VERSION:
            raise MpiUserError(
                f"The store {store.path} has schema version {current}, newer than this mpi ({SCHEMA_VERSION}). "
                "Upgrade mpi."
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](con)
            con.execute("INSERT INTO mpi_schema_version VALUES (?, current_timestamp)", [version])
    return SCHEMA_VERSION
