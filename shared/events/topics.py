"""Topic names are part of the contract between services."""

from enum import StrEnum


class Topic(StrEnum):
    WHATSAPP_INBOUND = "whatsapp.inbound"
    PHOTO_SUBMITTED = "photo.submitted"
    PHOTO_CHECKED = "photo.checked"
    CHECKOUT_REQUESTED = "checkout.requested"
    CHECKOUT_READY = "checkout.ready"
    CHECKOUT_EXPIRED = "checkout.expired"
    PAYMENT_COMPLETED = "payment.completed"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"
    TUNE_STARTED = "tune.started"
    TUNE_TRAINED = "tune.trained"
    TUNE_FAILED = "tune.failed"
    PROMPT_SETTLED = "prompt.settled"
    IMAGES_READY = "images.ready"
    ORDER_COMPLETED = "order.completed"
    USER_ERASED = "user.erased"
    MAINTENANCE_RECONCILE = "maintenance.reconcile"
    MAINTENANCE_CLEANUP = "maintenance.cleanup"
    MAINTENANCE_REPORT = "maintenance.report"


# Every subscription names it; maintenance records what lands there.
DEADLETTER_TOPIC = "deadletter"
