"""The real archives imported once per session (each set into its own data folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lantian.services.airquality import AirQualityService

ARCHIVES = {
    "2019": "cnemc_sites_2019_jiangsu",
    "2025": "quotsoft_china_sites_2025/jiangsu_shanghai_subset",
    "2025-full": "quotsoft_china_sites_2025/full",
}


@pytest.fixture(scope="session")
def archive(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    """``archive("2019")`` → an AirQualityService holding that file set and the dated station lists."""
    aq = seeds_dir.parent / "data" / "aq"
    loaded: dict[str, AirQualityService] = {}

    def load(name: str) -> AirQualityService:
        if name not in loaded:
            svc = AirQualityService(tmp_path_factory.mktemp(f"aq-{name}"))
            svc.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
            svc.import_files(sorted((aq / ARCHIVES[name]).glob("china_sites_*.csv")))
            loaded[name] = svc
        return loaded[name]

    return load
