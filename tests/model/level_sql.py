"""Which level of a person-model comparison Splink's DuckDB SQL gives a pair of records."""

from __future__ import annotations

from typing import Any

import duckdb

from mpi.model.columns import comparison_columns
from mpi.model.person import build_person_model
from mpi.model.splink_settings import settings_dict


def level_label(comparison: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The label of the level Splink's DuckDB SQL puts this pair in (levels are tried in order)."""
    model = build_person_model()
    settings = settings_dict(model, "duckdb")
    (levels,) = [
        c["comparison_levels"] for c in settings["comparisons"] if c["output_column_name"] == comparison
    ]
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
        select += [f"NULL AS {name}_{side}" for name in extra for side in "lr"]
        con.execute(f"CREATE TABLE pair AS SELECT {', '.join(select)}", list(columns.values()))
        if "dob_l" in columns:
            con.execute(
                "CREATE OR REPLACE TABLE pair AS SELECT * REPLACE "
                "(CAST(dob_l AS DATE) AS dob_l, CAST(dob_r AS DATE) AS dob_r) FROM pair"
            )
        cases = " ".join(
            f"WHEN {level['sql_condition']} THEN {index}"
            for index, level in enumerate(levels)
            if level["sql_condition"] != "ELSE"
        )
        (found,) = con.execute(f"SELECT CASE {cases} ELSE {len(levels) - 1} END FROM pair").fetchall()[0]
    finally:
        con.close()
    return str(levels[found]["label_for_charts"])
