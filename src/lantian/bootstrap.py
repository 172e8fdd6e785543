"""The one place that wires settings to concrete adapters (装配).

The CLI, the tests (and later the web app) build the same objects through :class:`App`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lantian.config import Settings
from lantian.domain.plans.departments import DepartmentDictionary
from lantian.services.accountability import AccountabilityService
from lantian.services.accounts import AccountService
from lantian.services.airquality import AirQualityService
from lantian.services.audit import AuditTrail
from lantian.services.overview import OverviewService
from lantian.services.plans import PlanService
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

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> App:
        if settings.is_sqlite:
            settings.ensure_dirs()
        store = Store.open(settings.database_url, migrate=migrate)
        audit = AuditTrail(store)
        airquality = AirQualityService.from_settings(settings)
        targets = TargetService(store, airquality, audit)
        reduction = ReductionService(settings.data_dir, audit)
        warnings = WarningService(airquality, store, reduction, audit)
        plans = PlanService(store, load_dictionary(settings), audit=audit, limits=settings.limits,
                            ancestors=warnings.parents)  # fmt: skip
        accountability = AccountabilityService(airquality, targets, plans)
        return cls(
            settings=settings,
            store=store,
            plans=plans,
            airquality=airquality,
            targets=targets,
            accountability=accountability,
            reports=ReportService(airquality, targets, accountability, plans, audit),
            warnings=warnings,
            reduction=reduction,
            audit=audit,
            accounts=AccountService(store, audit, ancestors=warnings.parents),
            workflow=WorkflowService(
                store,
                audit,
                settings.data_dir,
                warnings.parents,
                settings=WorkflowSettings.load(settings.workflow_file),
            ),
            overview=OverviewService(airquality, targets),
        )

    def close(self) -> None:
        self.store.close()


def dictionary_only(settings: Settings) -> DepartmentDictionary:
    """For commands that parse without a store (``plans parse``)."""
    return load_dictionary(settings)
