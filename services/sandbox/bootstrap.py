"""Composition root of the sandbox: the shared secrets (to sign as Twilio does) and its store."""

from dataclasses import dataclass, field

import httpx

from services.sandbox.settings import SandboxSettings
from services.sandbox.store import SandboxStore
from services.sandbox.twilio_fake import approved_templates
from shared.app import BaseDeps
from shared.dapr.secret_store import read_secret
from shared.runtime import connect_dapr


class PublicRoutes(httpx.AsyncHTTPTransport):
    """Reaches each public origin of `routes` at its private address, keeping the URL's
    Host: the internet's route to a public link, for the sandbox in compose."""

    def __init__(self, routes: dict[str, str]) -> None:
        super().__init__()
        self.routes = {origin.rstrip("/"): httpx.URL(to) for origin, to in routes.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        target = self.routes.get(f"{url.scheme}://{url.netloc.decode()}")
        if target is not None:
            request.url = url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
        return await super().handle_async_request(request)


@dataclass(kw_only=True)
class SandboxRuntime(BaseDeps):
    store: SandboxStore
    twilio_account_sid: str
    twilio_auth_token: str = field(repr=False)
    meta_app_secret: str = field(default="", repr=False)
    meta_access_token: str = field(default="", repr=False)
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    astria_api_key: str = field(default="", repr=False)
    # One pool for every call the fakes make (webhooks, receipts, callbacks): a client per
    # call cost an SSL context each and capped the whole local stack (`make bench`).
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    def __post_init__(self) -> None:
        # The account holds its approved WhatsApp template from the start, as a real one.
        for template in approved_templates(self.twilio_account_sid, self.clock().isoformat()):
            self.store.add_content(template)

    @property
    def ports(self) -> "SandboxRuntime":
        """The fakes are the sandbox's handlers: they take what they need from it all."""
        return self


def build_deps(settings: SandboxSettings) -> SandboxRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)

    def secret(name: str) -> str:
        return read_secret(client, settings.secretstore_name, name)

    runtime = SandboxRuntime(
        store=SandboxStore(),
        twilio_account_sid=secret("twilio-account-sid"),
        twilio_auth_token=secret("twilio-auth-token"),
        meta_app_secret=secret("meta-app-secret"),
        meta_access_token=secret("meta-access-token"),
        stripe_secret_key=secret("stripe-secret-key"),
        stripe_webhook_secret=secret("stripe-webhook-secret"),
        astria_api_key=secret("astria-api-key"),
        clock=resources.clock,
        ready_checks=resources.ready_checks,
        closers=resources.closers,
        async_closers=resources.async_closers,
        http=httpx.AsyncClient(timeout=30, transport=PublicRoutes(settings.public_routes)),
    )
    runtime.async_closers.append(runtime.http.aclose)
    runtime.store.astria.knobs["portrait_megabytes"] = list(settings.astria_portrait_megabytes)
    return runtime
