from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from lantian.documents.read import read_document
from lantian.domain.plans.model import ParsedPlan
from lantian.domain.plans.parser import parse_plan


@cache
def _parse(path: str) -> ParsedPlan:
    return parse_plan(read_document(path))


@pytest.fixture
def seed(seeds_dir: Path) -> Callable[[str], ParsedPlan]:
    """``seed("001")`` → the parsed seed plan (parsed once per test session)."""

    def load(prefix: str) -> ParsedPlan:
        (path,) = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
        return _parse(str(path))

    return load
