"""Composition root of the sandbox: the shared secrets (to sign as Twilio does) and its store."""

from dataclasses import dataclass, field

from services.sandbox.settings import SandboxSettings
from services.sandbox.store import SandboxStore
from shared.app import BaseDeps
from shared.dapr.secrets import read_secret
from shared.runtime import connect_dapr


@dataclass(kw_only=True)
class SandboxRuntime(BaseDeps):
    store: SandboxStore
    twilio_account_sid: str
    twilio_auth_token: str = field(repr=False)
    meta_app_secret: str = field(default="", repr=False)
    meta_access_token: str = field(default="", repr=False)
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)


def build_deps(settings: SandboxSettings) -> SandboxRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)
    return SandboxRuntime(
        store=SandboxStore(),
        twilio_account_sid=read_secret(client, settings.secretstore_name, "twilio-account-sid"),
        twilio_auth_token=read_secret(client, settings.secretstore_name, "twilio-auth-token"),
        meta_app_secret=read_secret(client, settings.secretstore_name, "meta-app-secret"),
        meta_access_token=read_secret(client, settings.secretstore_name, "meta-access-token"),
        stripe_secret_key=read_secret(client, settings.secretstore_name, "stripe-secret-key"),
        stripe_webhook_secret=read_secret(
            client, settings.secretstore_name, "stripe-webhook-secret"
        ),
        ready_checks=resources.ready_checks,
        closers=resources.closers,
    )
