"""The national air-quality standards (空气质量标准) as pure, date-versioned rules.

- :mod:`.hj633` — HJ 633-2012 / HJ 633-2026 AQI tables, products, levels and texts;
- :mod:`.aqi` — the scalar AQI reference implementation;
- :mod:`.gb3095` — GB 3095 limits (2012, 2026 transition, 2031 final) and validity minimums;
- :mod:`.hj663` — HJ 663 evaluation statistics (percentiles, MDA8, ratios, attainment);
- :mod:`.ranking` — composite index and rankings;
- :mod:`.rounding` — GB/T 8170 rounding and the index ceiling.
"""
