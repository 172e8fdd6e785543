"""The demo (演示): load the seed plans into the store and summarise what lantian made of them.

Later capabilities add their data (monitoring, targets, warnings) to the same demo.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.domain.aq.periods import parse_period
from lantian.domain.aq.stations import valid_from_filename
from lantian.domain.plans.model import Role
from lantian.domain.plans.records import PlanSummary, TaskFilter
from lantian.domain.targets.registry import place_key, target_entry
from lantian.domain.tracking.model import UserRole
from lantian.domain.warnings.reduction import CheckResult
from lantian.errors import NotFoundError
from lantian.services.accountability import load_rules
from lantian.services.accounts import AccountService
from lantian.services.airquality import AirQualityService, AqImportReport
from lantian.services.assessment import Options
from lantian.services.plans import ImportReport, PlanService
from lantian.services.reduction import ReductionService
from lantian.services.reports import ReportService
from lantian.services.targets import TargetService

ENV_SEEDS_DIR = "LANTIAN_SEEDS_DIR"


def find_seeds_dir(explicit: str | Path | None = None, *, start: Path | None = None) -> Path:
    """The seed plans: ``--seeds``, else ``$LANTIAN_SEEDS_DIR``, else ``../shared/seeds`` from here up."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise NotFoundError(f"seed folder not found (未找到示例计划目录): {path}", field="seeds")
        return path
    if env := os.environ.get(ENV_SEEDS_DIR):
        return find_seeds_dir(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    raise NotFoundError(
        "seed plans not found: give --seeds DIR or set LANTIAN_SEEDS_DIR (未找到示例计划，请指明示例计划目录)",
        field="seeds",
    )


@dataclass
class DemoSummary:
    seeds_dir: Path
    report: ImportReport
    plans: list[PlanSummary]
    counts: dict[str, int]
    top_departments: list[tuple[str, int, int]] = field(default_factory=list)  # name, tasks, lead
    overdue: int = 0
    as_of: dt.date = field(default_factory=dt.date.today)
    aq_folder: Path | None = None  # the real monitoring data beside the seeds, when present
    station_lists: int = 0
    aq_report: AqImportReport | None = None
    city_assessment: list[dict[str, Any]] = field(default_factory=list)  # 2019 city statistics, ranked
    published_check: tuple[int, int] | None = None  # (equal, comparable) station-hours of the hourly AQI
    published_city_days: int = 0  # published city daily values stored (history)
    target_status: list[dict[str, Any]] = field(default_factory=list)  # the demo targets, as of target_as_of
    target_as_of: dt.date | None = None
    calibration: dict[str, Any] | None = None  # the backtest kept for the 目标 pages (<data>/calibration.json)
    bulletin: Path | None = None  # the monthly bulletin the demo writes
    reduction_template: Path | None = None  # the reduction-list template the demo writes and checks
    reduction_checks: list[tuple[str, CheckResult]] = field(default_factory=list)  # (rules applied, result)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # demo accounts (user name, what it is)
    warnings: list[str] = field(default_factory=list)  # what the demo could not do fully (警告), e.g. no CJK font


# demonstration accounts for the web app (演示账号): one per role, in 苏州市, whose plans seeds 000/001 are
DEMO_PASSWORD = "lantian-demo"
DEMO_ACCOUNTS = (
    ("dqb", UserRole.ADMIN, None, "苏州市大气办"),
    ("sthjj", UserRole.DEPARTMENT, "市生态环境局", "市生态环境局"),
    ("jtj", UserRole.DEPARTMENT, "市交通运输局", "市交通运输局"),
    ("lingdao", UserRole.LEADER, None, "市领导"),
)


DEMO_OFFICE = "苏州市"  # 本平台所属辖区 of the demo: the accounts' place, written to <data>/office.toml


def write_office_place(path: Path, place: str) -> bool:
    """Set the office's place (本平台所属辖区) in ``office.toml``, unless the file exists (never over a
    place the office set itself); True when written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'# 本平台所属辖区: whose public page this is, where public complaints go\nplace = "{place}"\n',
                    encoding="utf-8")  # fmt: skip
    return True


# the monitoring archives the demo loads from ``<seeds>/../data/aq`` (SOURCES.md there says what they are)
DEMO_ARCHIVES = ("cnemc_sites_2019_jiangsu", "quotsoft_china_sites_2025/jiangsu_shanghai_subset")
# published city daily values, the history of the target projection (later files win for a city-day)
DEMO_PUBLISHED = ("aqistudy_daily_2013_2017/data", "aqistudy_daily_nanjing_2014", "tianqihoubao_daily_2025")
# demonstration targets (演示目标), not taken from a plan: no seed sets targets for a year the data covers
DEMO_PLACE = "南京市"
DEMO_STAGES = 7  # plans, monitoring data, assessment, published values, targets, bulletin, reduction list
# the backtest the demo keeps for the 目标 pages: the cities with the longest history, few runs (seconds,
# not the minutes of every city at 200 runs: ``lantian targets backtest --save``)
DEMO_BACKTEST = ("南京", "苏州")
DEMO_BACKTEST_RUNS = 50
DEMO_TARGETS = (
    target_entry(DEMO_PLACE, "pm25", 2026, 3, comparator="decrease_by", baseline_year=2025,
                 note="演示目标 demo target: 较2025年下降3%"),
    target_entry(DEMO_PLACE, "good_day_ratio", 2026, 1, comparator="increase_by", baseline_year=2025,
                 note="演示目标 demo target: 较2025年提高1%"),
)  # fmt: skip


def run_demo(
    plans: PlanService,
    seeds_dir: Path,
    *,
    airquality: AirQualityService | None = None,
    targets: TargetService | None = None,
    reports: ReportService | None = None,
    reports_dir: Path | None = None,
    reduction: ReductionService | None = None,
    accounts: AccountService | None = None,
    as_of: dt.date | None = None,
    runs: int = 1000,
    office_file: Path | None = None,
    calibrate: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> DemoSummary:
    """Import the seeds and what sits beside them; ``progress(stage, stages, what)`` is told as each of
    the stages starts (the command line shows it: the demo takes a minute)."""

    def tell(stage: int, what: str) -> None:
        if progress is not None:
            progress(stage, DEMO_STAGES, what)

    files = sorted(p for p in seeds_dir.iterdir() if p.suffix in {".txt", ".docx", ".xlsx"})
    if not files:
        raise NotFoundError(f"no plan files in {seeds_dir} (目录中没有计划文件)", field="seeds")
    tell(0, "计划 plans")
    report = plans.import_files(files)
    as_of = as_of or dt.date.today()
    top = []
    for name, n in plans.departments()[:8]:
        lead = len(plans.list_tasks(TaskFilter(departments=[name], role=Role.LEAD)))
        top.append((name, n, lead))
    overdue = len(plans.list_tasks(TaskFilter(overdue_as_of=as_of)))
    summary = DemoSummary(seeds_dir, report, plans.list_plans(), plans.counts(), top, overdue, as_of)
    if office_file is not None:
        write_office_place(office_file, DEMO_OFFICE)
    if accounts is not None:  # first: the web app can be tried whatever follows
        existing = {u.username for u in accounts.list()}
        for name, role, department, label in DEMO_ACCOUNTS:
            if name not in existing:  # never over an account a person has since changed
                accounts.add(name, DEMO_PASSWORD, role, "苏州市", department=department, display_name=label)
            summary.accounts.append((name, label))
    aq = seeds_dir.parent / "data" / "aq"
    if airquality is not None and (aq / "station_lists").is_dir():
        summary.aq_folder = aq
        lists = sorted((aq / "station_lists").glob("站点列表-20*.csv"))
        # a list already kept for its start date stays (it may be one a person corrected and imported)
        kept = {p.stem for p in airquality.stations_dir.glob("*.csv")}
        new = [p for p in lists if (d := valid_from_filename(p.name)) is None or d.isoformat() not in kept]
        if new:
            airquality.import_station_lists(new)
        summary.station_lists = len(lists)
        files = [f for name in DEMO_ARCHIVES for f in sorted((aq / name).glob("china_sites_*.csv"))]
        tell(1, "监测数据 monitoring data")
        per_file = None if progress is None else (lambda d, t, w: tell(1, f"监测数据 monitoring data {d}/{t}"))
        summary.aq_report = airquality.import_files(files, progress=per_file) if files else None
        if (aq / "stations" / "NewSiteList.csv").is_file() and not airquality.areas_path.is_file():
            airquality.import_area_map(aq / "stations" / "NewSiteList.csv")  # never over the office's own map
        if not airquality.counties_path.is_file():  # 苏州's districts, so its county ranking has values
            airquality.import_county_map(demo_county_map())
        if summary.aq_report is not None:
            tell(2, "评价与核对 assessment")
            assessment = airquality.assessment()
            summary.city_assessment = assessment.period("city", parse_period("2019"), Options(), with_last_year=False)
            check = assessment.verify(None, None, Options())
            summary.published_check = (check.equal, check.comparable)
        published = [f for name in DEMO_PUBLISHED for f in sorted((aq / name).glob("*.csv"))]
        if published:
            tell(3, "城市日报发布值 published values")
            _, summary.published_city_days = airquality.import_published(published, city_from_file_name=True)
        if targets is not None and published:
            tell(4, "达标进度 targets")
            for entry in DEMO_TARGETS:  # never over a target the place already has (a user's or a plan's)
                targets.seed(entry)
            days = [d for (city, d) in airquality.published_days() if city == place_key(DEMO_PLACE)]
            summary.target_as_of = max(days)
            summary.target_status = targets.status(DEMO_PLACE, summary.target_as_of, runs=runs)
            if calibrate:  # the probability is never shown without what the backtest says of it
                tell(4, "达标概率回测 backtest")
                backtest = targets.backtest(DEMO_BACKTEST, runs=min(runs, DEMO_BACKTEST_RUNS))
                if backtest.forecasts:
                    summary.calibration = targets.save_calibration(backtest)
            if reports is not None and reports_dir is not None:
                # the bulletin of the last complete month on record
                tell(5, "月报 bulletin")
                month = summary.target_as_of.replace(day=1) - dt.timedelta(days=1)
                bulletin = reports.monthly(DEMO_PLACE, f"{month:%Y-%m}", load_rules(), runs=runs, issued=as_of)
                summary.bulletin = reports_dir / f"{bulletin.title}.docx"
                summary.warnings += reports.write_monthly(bulletin, summary.bulletin)
    if reduction is not None and reports_dir is not None:
        # the shipped template, checked under the national ratios and under 海门's (seed 004: 30/40/50 %)
        tell(6, "减排清单 reduction list")
        summary.reduction_template = reports_dir / "应急减排清单模板.xlsx"
        reduction.write_template(summary.reduction_template)
        for place in (None, "海门市"):
            summary.reduction_checks.append(
                (place or "全国", reduction.check(summary.reduction_template, jurisdiction=place))
            )
    tell(DEMO_STAGES, "")
    return summary


def demo_county_map() -> Path:
    """The demo's station → district map (区县对照表) of 苏州市's urban stations: 姑苏区, 吴中区,
    虎丘区, 苏州工业园区, 相城区 and 吴江 (越秀幼儿园 beside 吴江's own stations), assigned by the
    stations' names and coordinates for the demonstration, not an official list. The 2025 archive
    has no hours of the county-level cities' own stations (昆山, 常熟 …): they show unranked."""

    return Path(str(resources.files("lantian.data").joinpath("demo_counties.csv")))
