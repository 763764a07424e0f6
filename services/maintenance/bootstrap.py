"""Composition root of the maintenance service."""

from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database

from services.maintenance.settings import MaintenanceSettings


def build_deps(settings: MaintenanceSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
