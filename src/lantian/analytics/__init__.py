"""Analytics (分析): the hourly monitoring store in Parquet and the engine over it (DuckDB by default).

The only package that imports pyarrow, DuckDB or Ibis.
"""
