"""Which level of a model's comparison Splink's DuckDB SQL gives a pair of records."""

from __future__ import annotations

from typing import Any

import duckdb

from mpi.model.columns import comparison_columns
from mpi.model.person import build_person_model
from mpi.model.spec import ModelSpec
from mpi.model.splink_settings import settings_dict


def level_index_sql(spec: ModelSpec, comparison: str) -> tuple[str, list[dict[str, Any]]]:
    """A SQL expression over <column>_l / <column>_r giving the index of the pair's level, and the levels.

    Levels are tried in order, as Splink's CASE does; the last is the else level.
    """
    (levels,) = [
        c["comparison_levels"]
        for c in settings_dict(spec, "duckdb")["comparisons"]
        if c["output_column_name"] == comparison
    ]
    cases = " ".join(
        f"WHEN {level['sql_condition']} THEN {index}"
        for index, level in enumerate(levels)
        if level["sql_condition"] != "ELSE"
    )
    return f"CASE {cases} ELSE {len(levels) - 1} END", levels


def level_label(comparison: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The label of the level the default person model puts this pair in."""
    model = build_person_model()
    index_sql, levels = level_index_sql(model, comparison)
    columns = {
        f"{name}_{side}": value for side, row in (("l", left), ("r", right)) for name, value in row.items()
    }
    con = duckdb.connect()
    try:
        # Columns the comparison reads but these rows lack (address, surnames) are NULL.
        extra = sorted(comparison_columns(model, comparison) - set(left))
        select = [
            f"CAST(? AS {'VARCHAR[]' if isinstance(v, list) else 'INTEGER' if 'birth_year' in k else 'VARCHAR'}) AS {k}"
            for k, v in columns.items()
        ]
        select += [
            f"NULL{'::DATE' if name == 'dob' else ''} AS {name}_{side}" for name in extra for side in "lr"
        ]
        con.execute(f"CREATE TABLE pair AS SELECT {', '.join(select)}", list(columns.values()))
        if "dob_l" in columns:
            con.execute(
                "CREATE OR REPLACE TABLE pair AS SELECT * REPLACE "
                "(CAST(dob_l AS DATE) AS dob_l, CAST(dob_r AS DATE) AS dob_r) FROM pair"
            )
        (found,) = con.execute(f"SELECT {index_sql} FROM pair").fetchall()[0]
    finally:
        con.close()
    return str(levels[found]["label_for_charts"])
