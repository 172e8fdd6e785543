"""Analytics backends (计算后端): Ibis connections. Nothing connects at import time.

- ``duckdb`` (default): in-process, over the Parquet store.
- ``pyspark`` (extra ``lantian[spark]``, needs Java 17): a local Spark session, for data that
  outgrows one machine. The same Ibis expressions run on both; ``tests/analytics/test_parity.py``
  requires identical results. Spark is configured as the stack notes require: Arrow transfers on
  (otherwise float NULLs become NaN), session time zone UTC (timestamps are naive Beijing time and
  must not shift), loopback only, no UI.
"""

from __future__ import annotations

import os
from typing import Any

import ibis

from lantian.errors import ConfigError

ENGINES = ("duckdb", "pyspark")


def connect(engine: str = "duckdb", **options: Any) -> Any:
    """An Ibis backend for ``engine``.

    Ibis's merging of successive projections is turned off: lantian's expressions are staged
    projections (rounding, sub-indices, AQI, level …), and merging them costs more time in the
    compiler (0.6 → 0.2 s for the hourly AQI) than it saves the engines, whose optimisers merge
    projections themselves (the national-scale benchmark runs about 1 s faster)."""
    ibis.options.sql.fuse_selects = False
    if engine == "duckdb":
        return ibis.duckdb.connect(**options)
    if engine == "pyspark":
        return ibis.pyspark.connect(spark_session(**options))
    raise ConfigError(
        f"unknown analytics engine {engine!r}; use one of {', '.join(ENGINES)} (未知的计算引擎)", field="engine"
    )


def spark_session(cores: int = 2, app_name: str = "lantian") -> Any:
    """A local Spark session configured for lantian's numerical semantics."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "the pyspark engine needs the spark extra: pip install 'lantian[spark]' and Java 17 "
            "(未安装 Spark 计算组件)",
            field="engine",
        ) from None
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )


def read_hourly(con: Any, pattern: str) -> Any:
    """The hourly Parquet files matching ``pattern`` as an Ibis table, on either engine.

    Only the store's own columns: DuckDB would add the ``year=``/``month=`` folder names as columns
    (hive partitioning), Spark would not, and the two must see the same table."""
    from lantian.analytics.parquet_store import SCHEMA

    table = con.read_parquet(pattern)
    return table.select(*(name for name in SCHEMA.names if name in table.columns))
