import pytest
from starlette.datastructures import FormData

from services.message.adapters.twilio_inbound import parse_inbound, public_url, signature_is_valid
from shared.errors import Rejected
from shared.events.message import Channel
from tests.fakes import T0

TEXT_FORM = {
    "SmsMessageSid": "SM" + "a" * 32,
    "NumMedia": "0",
    "ProfileName": "Jane Doe",
    "MessageType": "text",
    "SmsSid": "SM" + "a" * 32,
    "WaId": "15551234567",
    "SmsStatus": "received",
    "Body": "help",
    "To": "whatsapp:+14155238886",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": "AC" + "b" * 32,
    "From": "whatsapp:+15551234567",
    "ApiVersion": "2010-04-01",
}


def test_text_message_is_parsed_into_the_channel_neutral_event():
    event = parse_inbound(FormData(TEXT_FORM), T0)
    assert event.channel is Channel.TWILIO
    assert event.provider_message_id == "SM" + "a" * 32
    assert event.sender == "whatsapp:+15551234567"
    assert event.profile_name == "Jane Doe"
    assert event.text == "help"
    assert event.media == ()


def test_photo_without_caption_keeps_media_references_in_order():
    form = {
        **TEXT_FORM,
        "Body": "",
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME0",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
        "MediaContentType1": "image/png",
    }
    event = parse_inbound(FormData(form), T0)
    assert event.text == ""
    assert [m.reference[-3:] for m in event.media] == ["ME0", "ME1"]
    assert [m.content_type for m in event.media] == ["image/jpeg", "image/png"]


def test_a_sender_that_is_not_a_phone_number_is_accepted():
    # Users who hide their number arrive as whatsapp:<BSUID>.
    event = parse_inbound(FormData({**TEXT_FORM, "From": "whatsapp:US.13491208655302741918"}), T0)
    assert event.sender == "whatsapp:US.13491208655302741918"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"MessageSid": "", "SmsMessageSid": ""}, "MessageSid"),
        ({"From": ""}, "From"),
        ({"NumMedia": "two"}, "NumMedia"),
        ({"NumMedia": "11"}, "NumMedia"),
        ({"NumMedia": "1"}, "MediaUrl0"),
    ],
)
def test_malformed_forms_are_rejected_with_the_reason(change, reason):
    with pytest.raises(Rejected, match=reason):
        parse_inbound(FormData({**TEXT_FORM, **change}), T0)


def test_signature_matches_twilios_published_test_vector():
    # twilio.com/docs/usage/webhooks/webhooks-security, from twilio-python's own tests.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = FormData(
        {
            "CallSid": "CA1234567890ABCDE",
            "Caller": "+14158675309",
            "Digits": "1234",
            "From": "+14158675309",
            "To": "+18005551212",
        }
    )
    assert signature_is_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_is_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B9=")
    assert not signature_is_valid("wrong", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_is_valid("12345", url, params, "")


def test_public_url_prefers_the_configured_base_and_keeps_the_query():
    url = public_url(
        request_url="http://10.0.0.5:8001/SmsReceived?a=1",
        path="/SmsReceived",
        query="b=2&a=1",
        headers={},
        public_base_url="https://bot.example.com/",
        trust_forwarded_headers=False,
    )
    assert url == "https://bot.example.com/SmsReceived?b=2&a=1"


def test_public_url_from_forwarded_headers_only_when_trusted():
    headers = {"x-forwarded-proto": "https", "x-forwarded-host": "bot.example.com"}
    kwargs = {
        "request_url": "http://10.0.0.5:8001/SmsReceived",
        "path": "/SmsReceived",
        "query": "",
    }
    assert (
        public_url(**kwargs, headers=headers, public_base_url=None, trust_forwarded_headers=True)
        == "https://bot.example.com/SmsReceived"
    )
    assert (
        public_url(**kwargs, headers=headers, public_base_url=None, trust_forwarded_headers=False)
        == "http://10.0.0.5:8001/SmsReceived"
    )
