"""The sandbox app served once per test module, and our real senders pointed at it."""

from services.message.adapters.meta_sender import MetaSender
from services.message.adapters.twilio_sender import TwilioSender
from services.sandbox.twilio_fake import APPROVED_TEMPLATE_SID, APPROVED_TEMPLATE_SIDS

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "contract-token"
META_TOKEN = "meta-token"
ASTRIA_KEY = "astria-contract-key"
STRIPE_KEY = "sk_test_contract"


def sender(
    base_url: str, auth_token: str = AUTH_TOKEN, status_callback: str | None = None
) -> TwilioSender:
    return TwilioSender(
        account_sid=ACCOUNT_SID,
        auth_token=auth_token,
        from_="whatsapp:+14155238886",
        api_base=f"{base_url}/twilio",
        timeout=5,
        template_sid=APPROVED_TEMPLATE_SID,
        template_sids=APPROVED_TEMPLATE_SIDS,
        status_callback=status_callback,
    )


def meta_sender(base_url: str, token: str = META_TOKEN) -> MetaSender:
    return MetaSender(
        graph_base=f"{base_url}/meta/v26.0",
        phone_number_id="100000000000001",
        access_token=token,
        timeout=5,
    )
