"""TOML values for the mpi.toml files mpi writes (synth, inspect, init --from).

Python's tomllib reads TOML but does not write it, and a writer library would be one more
dependency for a few scalars, lists and inline tables: a JSON string is a valid TOML basic string.
"""

from __future__ import annotations

import json
import re
from typing import Any


def toml_value(value: Any) -> str:
    """``value`` (bool, int, str, list/tuple or dict of them) as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} to TOML")


def _toml_key(key: str) -> str:
    """A bare key when TOML allows one (column, date_format), else a quoted one ("1" is fine either way)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)
