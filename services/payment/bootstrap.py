"""Composition root of the payment service."""

from services.payment.settings import PaymentSettings
from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database


def build_deps(settings: PaymentSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
