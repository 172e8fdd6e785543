"""The one place that wires settings to concrete adapters (装配).

The CLI, the tests (and later the web app) build the same objects through :class:`App`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantian.config import Settings
from lantian.domain.plans.departments import DepartmentDictionary
from lantian.domain.targets.accountability import Rules
from lantian.errors import InputError
from lantian.services.accountability import AccountabilityService, RankingService, load_rules
from lantian.services.accounts import AccountService
from lantian.services.actions import ActionService
from lantian.services.airquality import AirQualityService
from lantian.services.audit import AuditTrail
from lantian.services.bulletins import BulletinService
from lantian.services.measured import RULES_FILE
from lantian.services.notify import NotificationService
from lantian.services.overview import OverviewService
from lantian.services.places import PlaceService
from lantian.services.plans import PlanService
from lantian.services.public import PublicReportService
from lantian.services.reduction import ReductionService
from lantian.services.reports import ReportService
from lantian.services.targets import TargetService
from lantian.services.tracking import WorkflowService, WorkflowSettings
from lantian.services.warnings import WarningService
from lantian.storage.store import Store


def load_dictionary(settings: Settings) -> DepartmentDictionary:
    """The shipped department dictionary, extended by ``<data dir>/departments.toml`` when present."""
    base = DepartmentDictionary.load_default()
    return base.merged_with(settings.departments_file) if settings.departments_file.is_file() else base


def office_place(settings: Settings) -> str | None:
    """本平台所属辖区: ``LANTIAN_OFFICE_PLACE``, else ``place`` in ``<data dir>/office.toml``, else None
    (the public page then covers every place stored and takes no complaints)."""
    if settings.office_place:
        return settings.office_place
    path = settings.office_file
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a TOML file (配置文件格式错误): {exc}", file=str(path)) from None
    unknown = sorted(set(data) - {"place"})
    if unknown:
        raise InputError(f"unknown setting {unknown[0]!r}, known: place (未知配置项)", file=str(path), field=unknown[0])
    place = data.get("place", "")
    if not isinstance(place, str) or len(place.strip()) > 200:
        raise InputError(f"place must be the name of a place such as 苏州市, not {place!r} (所属辖区)", file=str(path),
                         field="place")  # fmt: skip
    return place.strip() or None


@dataclass
class App:
    settings: Settings
    store: Store
    plans: PlanService
    airquality: AirQualityService
    targets: TargetService
    accountability: AccountabilityService
    reports: ReportService
    warnings: WarningService
    reduction: ReductionService
    audit: AuditTrail
    accounts: AccountService
    workflow: WorkflowService
    overview: OverviewService
    public: PublicReportService  # 群众举报
    notify: NotificationService  # 待办与通知
    actions: ActionService  # 问责措施: the actions taken on flags
    bulletins: BulletinService  # 月报: generated in the browser, published to /public
    rankings: RankingService  # 排名通报
    places: PlaceService  # 辖区目录: which place a name means, and which places are above it

    @property
    def office_place(self) -> str | None:
        """本平台所属辖区 (:func:`office_place`)."""
        return self.public.office_place

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> App:
        if settings.is_sqlite:
            settings.ensure_dirs()
        store = Store.open(settings.database_url, migrate=migrate)
        audit = AuditTrail(store)
        airquality = AirQualityService.from_settings(settings)
        targets = TargetService(store, airquality, audit, rules_file=settings.data_dir / RULES_FILE)
        reduction = ReductionService(settings.data_dir, audit)
        places = PlaceService(settings.places_file, airquality.area_maps, airquality.maps_signature, audit,
                              settings.limits)  # fmt: skip
        warnings = WarningService(airquality, store, reduction, audit, places)
        plans = PlanService(store, load_dictionary(settings), audit=audit, limits=settings.limits,
                            ancestors=places.ancestors)  # fmt: skip
        accountability = AccountabilityService(airquality, targets, plans, audit)
        rankings = RankingService(airquality, accountability)
        workflow = WorkflowService(
            store,
            audit,
            settings.data_dir,
            places.ancestors,
            settings=WorkflowSettings.load(settings.workflow_file),
        )
        public = PublicReportService(audit, workflow, office_place=office_place(settings), limits=settings.limits,
                                     key_file=settings.public_key_file)  # fmt: skip
        reports = ReportService(airquality, targets, accountability, plans, audit, rankings)
        return cls(
            settings=settings,
            store=store,
            plans=plans,
            airquality=airquality,
            targets=targets,
            accountability=accountability,
            reports=reports,
            warnings=warnings,
            reduction=reduction,
            audit=audit,
            accounts=AccountService(store, audit, ancestors=places.ancestors),
            places=places,
            workflow=workflow,
            overview=OverviewService(airquality, targets),
            public=public,
            notify=NotificationService(store, audit, workflow, settings.notify),
            actions=ActionService(store, audit, accountability, workflow, rankings=rankings),
            bulletins=BulletinService(reports, audit, settings.data_dir),
            rankings=rankings,
        )

    def rules(self, path: Path | None = None) -> Rules:
        """The accountability rules every page and command judges by: ``path`` when given, else the
        office's ``<data dir>/accountability.toml``, else the defaults lantian ships."""
        if path is None and self.settings.rules_file.is_file():
            path = self.settings.rules_file
        return load_rules(path)

    def close(self) -> None:
        self.store.close()


def dictionary_only(settings: Settings) -> DepartmentDictionary:
    """For commands that parse without a store (``plans parse``)."""
    return load_dictionary(settings)
