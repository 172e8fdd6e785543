"""Analytics backends (计算后端): Ibis connections. DuckDB is the default; nothing connects at import."""

from __future__ import annotations

from typing import Any

import ibis

from lantian.errors import ConfigError

ENGINES = ("duckdb",)


def connect(engine: str = "duckdb", **options: Any) -> Any:
    """An Ibis backend for ``engine`` (in-memory DuckDB by default)."""
    if engine == "duckdb":
        return ibis.duckdb.connect(**options)
    raise ConfigError(f"unknown analytics engine {engine!r}; use one of {', '.join(ENGINES)}", field="engine")
