"""Helpers shared by the CLI and report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.services.airquality import AirQualityService

ARCHIVE_2019 = "cnemc_sites_2019_jiangsu"
ARCHIVE_2025 = "quotsoft_china_sites_2025/jiangsu_shanghai_subset"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit status, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def aq_store(folder: Path, seeds_dir: Path, *archives: str) -> AirQualityService:
    """A data folder holding the dated station lists and the given archives of ``../shared/data/aq``."""
    aq = seeds_dir.parent / "data" / "aq"
    svc = AirQualityService(folder)
    svc.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    for archive in archives:
        svc.import_files(sorted((aq / archive).glob("china_sites_*.csv")))
    return svc
