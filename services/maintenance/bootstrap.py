"""Composition root of the maintenance service."""

from dataclasses import dataclass, field
from datetime import timedelta

from services.maintenance.adapters.orders import SqlOrderTimeline
from services.maintenance.adapters.records import SqlMaintenance
from services.maintenance.domain.orders import StuckRules
from services.maintenance.ports import MaintenancePorts
from services.maintenance.settings import MaintenanceSettings
from shared.app import BaseDeps
from shared.dapr.publisher import DaprPublisher
from shared.dapr.secret_store import read_secret
from shared.runtime import connect_dapr, connect_database


@dataclass(kw_only=True)
class MaintenanceRuntime(BaseDeps):
    ports: MaintenancePorts
    operator_token: str = field(repr=False)


def build_deps(settings: MaintenanceSettings) -> MaintenanceRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)
    engine = connect_database(settings, resources)
    return MaintenanceRuntime(
        ports=MaintenancePorts(
            publisher=DaprPublisher(client, settings.pubsub_name),
            records=SqlMaintenance(engine),
            retention=timedelta(days=settings.retention_days),
            overdue_minutes=settings.reconcile_overdue_minutes,
            clock=resources.clock,
            timeline=SqlOrderTimeline(engine),
            stuck_rules=StuckRules(
                paid_minutes=settings.stuck_paid_minutes,
                eta_margin_minutes=settings.stuck_eta_margin_minutes,
                delivering_minutes=settings.stuck_delivering_minutes,
            ),
        ),
        operator_token=read_secret(client, settings.secretstore_name, "operator-token"),
        clock=resources.clock,
        ready_checks=resources.ready_checks,
        closers=resources.closers,
    )
