"""The real twilio library against the sandbox's fake Messages endpoint.

If the library can send through the fake and parse its answers, production code
cannot tell the fake from Twilio except by base URL.
"""

import pytest

from services.message.adapters.twilio_sender import TwilioSender
from services.sandbox.app import create_app
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.store import SandboxStore
from shared.errors import Rejected
from tests.servers import serve

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "contract-token"


@pytest.fixture(scope="module")
def sandbox():
    runtime = SandboxRuntime(
        store=SandboxStore(), twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN
    )
    with serve(create_app(build_deps=lambda _s: runtime)) as url:
        yield url, runtime.store


def sender(base_url, auth_token=AUTH_TOKEN):
    return TwilioSender(
        account_sid=ACCOUNT_SID,
        auth_token=auth_token,
        from_="whatsapp:+14155238886",
        api_base=f"{base_url}/twilio",
        timeout=5,
    )


def test_the_library_sends_and_the_fake_records_it(sandbox):
    url, store = sandbox
    sid = sender(url).send_text(to="whatsapp:+15550000001", body="*hello*")
    assert sid.startswith("SM")
    assert len(sid) == 34
    [message] = store.outbound_to("whatsapp:+15550000001")
    assert message["sid"] == sid
    assert message["body"] == "*hello*"
    assert message["from"] == "whatsapp:+14155238886"
    assert message["status"] == "queued"


def test_wrong_credentials_are_refused_like_twilio_does(sandbox):
    url, _ = sandbox
    with pytest.raises(Rejected, match="20003"):
        sender(url, auth_token="wrong").send_text(to="whatsapp:+15550000002", body="x")


def test_a_body_over_1600_characters_is_refused_with_21617(sandbox):
    url, store = sandbox
    with pytest.raises(Rejected, match="21617"):
        sender(url).send_text(to="whatsapp:+15550000003", body="x" * 1601)
    assert store.outbound_to("whatsapp:+15550000003") == []


def test_inbound_media_needs_basic_auth_and_redirects_to_the_cdn(sandbox):
    import httpx

    url, store = sandbox
    store.add_media("ME" + "1" * 32, "image/jpeg", b"jpeg bytes")
    media = f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{'1' * 32}"
    assert httpx.get(media).status_code == 401
    answer = httpx.get(media, auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert answer.status_code == 307
    assert answer.headers["location"].startswith("/twilio-cdn/")
    followed = httpx.get(media, auth=(ACCOUNT_SID, AUTH_TOKEN), follow_redirects=True)
    assert followed.content == b"jpeg bytes"
    assert followed.headers["content-type"] == "image/jpeg"
