"""The Splink backend: which database API we use, and the input view Splink reads.

Adding Spark means teaching ``make_db_api`` one more connection type; training and
prediction only ever call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.database_api import DatabaseAPISubClass
from splink.internals.splink_dataframe import SplinkDataFrame

from mpi.model.columns import absent_shared_ids, check_model_fits_table, required_columns
from mpi.model.crowded import column_without_crowded, find_crowded_values
from mpi.model.spec import ModelSpec
from mpi.model.splink_settings import SOURCE_DATASET_COLUMN, UNIQUE_ID_COLUMN, settings_creator
from mpi.model.trained import TrainedParameters
from mpi.sqlutil import quote_identifier

MODEL_INPUT_VIEW = "mpi__model_input"


def make_db_api(con: duckdb.DuckDBPyConnection) -> DatabaseAPISubClass:
    """The one place that picks Splink's database API for a connection."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBAPI(connection=con)
    raise TypeError(f"No Splink backend for a connection of type {type(con).__name__}.")


def model_input_sql(
    spec: ModelSpec,
    records_table: str = "records",
    absent: tuple[str, ...] = (),
    crowded: Mapping[str, str] | None = None,
) -> str:
    """SELECT that shapes records for Splink: one key column plus the columns the model reads.

    ``absent`` columns (shared ids the project does not carry) are selected as NULL; ``crowded``
    columns (column -> a table of its crowded values, mpi.model.crowded) as NULL where the value is one.
    Valid in DuckDB and Spark SQL alike.
    """
    crowded = crowded or {}

    def selected(column: str) -> str:
        if column in absent:
            return f"CAST(NULL AS VARCHAR) AS {quote_identifier(column)}"
        if column in crowded:
            return column_without_crowded(column, crowded[column])
        return quote_identifier(column)

    columns = [selected(c) for c in required_columns(spec) if c not in ("source",)]
    uid = f"{quote_identifier('source')} || ':' || {quote_identifier('record_id')}"
    select = ",\n    ".join(
        [
            f"{uid} AS {UNIQUE_ID_COLUMN}",
            f"{quote_identifier('source')} AS {SOURCE_DATASET_COLUMN}",
            *columns,
        ]
    )
    return f"SELECT\n    {select}\nFROM {quote_identifier(records_table)}"


def create_model_input_view(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    *,
    records_table: str = "records",
    view_name: str = MODEL_INPUT_VIEW,
) -> str:
    """(Re)create a temporary view of ``records_table`` for Splink; refuse if columns are missing.

    Temporary, so it never lands in the store file.
    """
    check_model_fits_table(con, spec, records_table)
    absent = absent_shared_ids(con, spec, records_table)
    crowded = find_crowded_values(con, required_columns(spec), records_table)
    con.execute(
        f"CREATE OR REPLACE TEMPORARY VIEW {quote_identifier(view_name)} AS\n"
        + model_input_sql(spec, records_table, absent, crowded)
    )
    return view_name


def register_input(
    db_api: DatabaseAPISubClass, table_name: str, *, display_name: str = "records"
) -> SplinkDataFrame:
    """Hand an existing table or view to Splink (by name: nothing is copied)."""
    return db_api.register(table_name, dataset_display_name=display_name)


def make_linker(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    parameters: TrainedParameters | None = None,
    *,
    records_table: str = "records",
    view_name: str = MODEL_INPUT_VIEW,
    retain_intermediate_calculation_columns: bool = False,
    retain_matching_columns: bool = True,
    log_level: int | None = None,
) -> Linker:
    """A Splink Linker over ``records_table`` with settings built from the spec.

    ``retain_matching_columns`` False leaves the compared values (first_name_l, first_name_r,
    ...) and the comparison levels (Splink keeps gamma columns only with them) out of
    predictions: for callers that need the match probability alone.
    ``log_level`` None leaves Splink's logging to the application's configuration.
    """
    view = create_model_input_view(con, spec, records_table=records_table, view_name=view_name)
    db_api = make_db_api(con)
    table = register_input(db_api, view)
    settings = settings_creator(
        spec,
        parameters,
        retain_intermediate_calculation_columns=retain_intermediate_calculation_columns,
        retain_matching_columns=retain_matching_columns,
    )
    return new_linker(table, settings, log_level=log_level)


def new_linker(table: SplinkDataFrame, settings: SettingsCreator, *, log_level: int | None) -> Linker:
    """A Splink Linker without Splink's settings validation.

    That validation only logs columns it cannot find, and re-parses every level's SQL with
    sqlglot on each Linker to do so (seconds for the person model; a link builds several).
    create_model_input_view has already refused a model whose columns the records lack, with
    an error naming each column and where the model reads it.
    """
    return Linker(table, settings, log_level=log_level, validate_settings=False)


def drop_splink_tables(linker: Linker) -> None:
    """Drop the tables Splink created through this linker: they land in the store's schema."""
    linker.table_management.delete_tables_created_by_splink_from_db()  # type: ignore[no-untyped-call]
