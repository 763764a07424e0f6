"""Composition root of the maintenance service."""

from services.maintenance.settings import MaintenanceSettings
from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database


def build_deps(settings: MaintenanceSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
