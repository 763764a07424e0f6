"""Which setting of which app points where in the local sandbox: one table.

The test stack (`tools/stack.py`) takes its environment from here; `dapr.yaml` (make run)
and `docker-compose.yml` write the same table out with their own addresses, and a
contract test checks them against it (tests/contract/test_wiring.py). Production's
values come from the deployment (deploy/), never from here.
"""

import json
from collections.abc import Callable

from services.sandbox.twilio_fake import APPROVED_TEMPLATE_SID, APPROVED_TEMPLATE_SIDS
from shared.settings import GRAPH_API_VERSION

APPS = ("sandbox", "message", "image", "payment", "maintenance")
# What the fakes answer to: the sandbox's Meta number and its approved Twilio template.
SANDBOX_META_PHONE_NUMBER_ID = "100000000000001"
SANDBOX_TEMPLATE_SID = APPROVED_TEMPLATE_SID


def sandbox_env(
    app_id: str, url: Callable[[str], str], public: Callable[[str], str] | None = None
) -> dict[str, str]:
    """The settings `app_id` needs to find the others; `url(app)` is how an app is
    reached from its peers (http://127.0.0.1:8001 under make run, http://message:8000 in
    compose), `public(app)` how a person's browser reaches it (the same under make run,
    http://localhost:8002 in compose)."""
    public = public or url
    sandbox = url("sandbox")
    host = sandbox.removeprefix("http://")
    outside: dict[str, str] = {}
    if public("sandbox") != sandbox:
        # The person's links on their address, the providers' URLs on the services', and
        # the image service's public links reached as the internet would.
        outside = {
            "PUBLIC_URL": public("sandbox"),
            "PROVIDER_URL": sandbox,
            "PUBLIC_ROUTES": json.dumps({public("image"): url("image")}),
        }
    table: dict[str, dict[str, str]] = {
        "sandbox": {
            "MESSAGE_WEBHOOK_URL": f"{url('message')}/SmsReceived",
            "MESSAGE_META_WEBHOOK_URL": f"{url('message')}/webhooks/meta",
            "PAYMENT_WEBHOOK_URL": f"{url('payment')}/payment-received",
            **outside,
        },
        "message": {
            "TWILIO_API_BASE": f"{sandbox}/twilio",
            "META_GRAPH_BASE": f"{sandbox}/meta/{GRAPH_API_VERSION}",
            "META_PHONE_NUMBER_ID": SANDBOX_META_PHONE_NUMBER_ID,
            "TWILIO_STATUS_CALLBACK_URL": f"{url('message')}/twilio/status",
            "TWILIO_TEMPLATE_SID": SANDBOX_TEMPLATE_SID,
            "TWILIO_TEMPLATE_SIDS": json.dumps(APPROVED_TEMPLATE_SIDS),
            "PACK_PREVIEWS_URL": f"{public('image')}/previews",
        },
        "image": {
            "PUBLIC_BASE_URL": public("image"),
            "ASTRIA_API_BASE": f"{sandbox}/astria",
            "ASTRIA_BRANCH": "fast",
            "TWILIO_API_BASE": f"{sandbox}/twilio",
            "TWILIO_MEDIA_HOSTS": host,
            "META_GRAPH_BASE": f"{sandbox}/meta/{GRAPH_API_VERSION}",
            "META_MEDIA_HOSTS": host,
            # The sandbox plays Twilio, Meta and Astria on a private address.
            "ALLOW_PRIVATE_MEDIA_HOSTS": "true",
        },
        "payment": {"STRIPE_API_BASE": f"{sandbox}/stripe"},
        "maintenance": {},
    }
    return table[app_id]
