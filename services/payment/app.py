"""The payment service's app: routes and subscriptions wired to handlers, nothing else."""

from services.payment import bootstrap, handlers, webhooks
from services.payment.settings import PaymentSettings
from shared.app import Service
from shared.events.image import OrderCompleted, TuneFailed
from shared.events.maintenance import CleanupRequested, ReconcileRequested
from shared.events.message import CheckoutRequested, UserErased

SERVICE = Service(
    title="payment",
    description="Creates Stripe Checkout Sessions and receives Stripe's payment webhook.",
    settings=PaymentSettings,
    build_deps=bootstrap.build_deps,
    routers=[webhooks.router],
    routes={
        CheckoutRequested: handlers.handle_checkout_requested,
        TuneFailed: handlers.handle_tune_failed,
        OrderCompleted: handlers.handle_order_completed,
        ReconcileRequested: handlers.handle_reconcile,
        CleanupRequested: handlers.handle_cleanup,
        UserErased: handlers.handle_user_erased,
    },
)
create_app = SERVICE.create_app
