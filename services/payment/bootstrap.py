"""Composition root of the payment service."""

from dataclasses import dataclass, field

from services.payment.adapters.orders import SqlOrders
from services.payment.adapters.stripe_gateway import StripeGateway
from services.payment.ports import PaymentPorts
from services.payment.settings import PaymentSettings
from shared.app import BaseDeps
from shared.dapr.publisher import DaprPublisher
from shared.dapr.secret_store import read_secret
from shared.packs import load_catalogue
from shared.runtime import connect_dapr, connect_database


@dataclass(kw_only=True)
class PaymentRuntime(BaseDeps):
    ports: PaymentPorts
    stripe_webhook_secret: str = field(repr=False)


def build_deps(settings: PaymentSettings) -> PaymentRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)
    orders = SqlOrders(connect_database(settings, resources))
    gateway = StripeGateway(
        api_key=read_secret(client, settings.secretstore_name, "stripe-secret-key"),
        api_base=settings.stripe_api_base,
        max_network_retries=settings.stripe_max_network_retries,
        timeout=settings.stripe_timeout_seconds,
        success_url=settings.success_url,
        cancel_url=settings.cancel_url,
    )
    return PaymentRuntime(
        ports=PaymentPorts(
            publisher=DaprPublisher(client, settings.pubsub_name),
            orders=orders,
            gateway=gateway,
            catalogue=load_catalogue(settings.packs_file),
            clock=resources.clock,
            checkout_minutes=settings.checkout_minutes,
        ),
        stripe_webhook_secret=read_secret(
            client, settings.secretstore_name, "stripe-webhook-secret"
        ),
        clock=resources.clock,
        ready_checks=resources.ready_checks,
        closers=resources.closers,
    )
