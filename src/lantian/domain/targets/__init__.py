"""Targets (目标): what the rest of the year must deliver (pure arithmetic, docs/metrics.md)."""
