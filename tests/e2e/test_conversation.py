"""The conversation on real sidecars, from "hi" to the payment link.

The image and payment services are played by the test: it publishes their
events through their own sidecars, and reads what the message service
published from the broker.
"""

import base64
import itertools
import threading
import time

import httpx
import pytest

pytestmark = pytest.mark.e2e

_phones = itertools.count(1)
FAKE_JPEG = base64.b64encode(
    b"\xff\xd8\xff\xe0 not a real photo; the image service checks"
).decode()


class Person:
    def __init__(self, stack, channel="twilio"):
        self.stack = stack
        self.channel = channel
        self.phone = f"+1555{next(_phones) + 5000:07d}"
        self.address = f"whatsapp:{self.phone}"

    def send(self, text="", photos=0):
        media = [{"content_type": "image/jpeg", "data_base64": FAKE_JPEG}] * photos
        response = httpx.post(
            f"{self.stack['sandbox'].url}/sandbox/{self.channel}/inbound",
            json={"phone": self.phone, "text": text, "media": media},
            timeout=20,
        )
        assert response.json()["webhook_status"] == 200, response.text

    def received(self):
        response = httpx.get(
            f"{self.stack['sandbox'].url}/sandbox/messages", params={"to": self.address}, timeout=5
        )
        return [m["body"] or f"[image {m['media_urls']}]" for m in response.json()["messages"]]

    def wait_for(self, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {self.received()}")

    def says_and_waits(self, text, new_messages):
        before = len(self.received())
        self.send(text)
        return self.wait_for(before + new_messages)[before:]


def wait_published(stack, topic, user, count, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = [e for e in stack.published(topic) if e["data"]["user"] == user]
        if len(events) >= count:
            return events
        time.sleep(0.1)
    raise AssertionError(f"{topic}: expected {count} events for {user}")


def walk_to_photos(person):
    welcome = person.says_and_waits("hi", 2)
    assert "Astria portrait bot" in welcome[0]
    assert "Reply *YES* or *NO*" in welcome[1]
    assert "Who is in the photos?" in person.says_and_waits("yes", 2)[1]
    assert "3 to 5 photos" in person.says_and_waits("I'm a woman", 1)[0]


@pytest.mark.parametrize("channel", ["twilio", "meta"])
def test_from_hi_to_the_payment_link(stack, channel):
    person = Person(stack, channel)
    walk_to_photos(person)

    person.send(photos=3)
    submitted = wait_published(stack, "photo.submitted", person.address, 3)
    assert {e["data"]["channel"] for e in submitted} == {channel}
    references = [e["data"]["media_reference"] for e in submitted]
    if channel == "twilio":
        # A media URL on Twilio's API host, behind Basic auth.
        twilio_media = stack["sandbox"].url + "/twilio/2010-04-01/Accounts/"
        assert all(ref.startswith(twilio_media) for ref in references)
        assert httpx.get(references[0], timeout=5).status_code == 401
    else:
        # A media id, resolved through the Graph API with the bearer token.
        assert all(ref.isdigit() for ref in references)

    before = len(person.received())
    for count, event in enumerate(submitted, 1):
        data = event["data"]
        stack.publish_as(
            "image",
            "photo.checked",
            {
                "user": person.address,
                "message_id": data["message_id"],
                "media_index": data["media_index"],
                "accepted": True,
                "accepted_count": count,
            },
            event_id=f"checked-{data['message_id']}-{data['media_index']}",
        )
    answers = person.wait_for(before + 3)[before:]
    assert answers[-1].startswith("✅ 3/5")
    assert "DONE" in answers[-1]

    menu = person.says_and_waits("done", 1)[0]
    assert "Corporate headshots" in menu
    assert "14.99 USD" in menu

    before = len(person.received())
    person.send("1")
    chosen, link = person.wait_for(before + 2)[before:]
    assert "Preparing your secure payment link" in chosen
    [request] = wait_published(stack, "checkout.requested", person.address, 1)
    assert request["data"]["pack_code"] == "corporate"
    assert request["data"]["subject"] == "woman"
    order_id = request["data"]["order_id"]
    assert request["id"] == f"checkout-{order_id}"

    # The payment service opened a Stripe Checkout Session at the sandbox.
    checkout_url = link.split("Pay here: ")[1].split()[0]
    assert checkout_url.startswith(stack["sandbox"].url + "/stripe/checkout/cs_test_")
    page = httpx.get(checkout_url, timeout=5)
    assert "Corporate headshots" in page.text
    assert "14.99 USD" in page.text

    before = len(person.received())
    assert httpx.post(checkout_url + "/pay", timeout=30).status_code == 200
    [paid] = person.wait_for(before + 1)[before:]
    assert "Payment received" in paid


def test_two_photos_sent_at_the_same_instant_are_both_counted(stack):
    person = Person(stack)
    walk_to_photos(person)
    senders = [threading.Thread(target=person.send, kwargs={"photos": 1}) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    wait_published(stack, "photo.submitted", person.address, 2)
    # Nothing is checked yet, so both must be pending: a lost update would say 1.
    assert "still checking 2 photo(s)" in person.says_and_waits("done", 1)[0]
