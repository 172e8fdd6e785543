"""Helpers shared by the benchmarks: timing (best of N), peak memory, and where the seeds are."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent


def seeds_dir() -> Path:
    env = os.environ.get("LANTIAN_SEEDS_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "seeds"
    if not path.is_dir():
        sys.exit(f"seed plans not found at {path}; set LANTIAN_SEEDS_DIR")
    return path


def best_of(n: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``n`` runs (seconds) and the last result: the least noisy figure on a shared machine."""
    best = float("inf")
    result: T | None = None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
