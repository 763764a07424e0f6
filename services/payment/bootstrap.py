"""Composition root of the payment service."""

from shared.app import BaseDeps
from shared.runtime import connect_dapr, connect_database

from services.payment.settings import PaymentSettings


def build_deps(settings: PaymentSettings) -> BaseDeps:
    deps = BaseDeps()
    connect_dapr(settings, deps)
    connect_database(settings, deps)
    return deps
