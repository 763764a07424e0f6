"""A person on WhatsApp, played through the sandbox, and what the services publish."""

import base64
import itertools
import time

import httpx
from sqlalchemy import create_engine, text

from tests.imagery import encode, photo

_phones = itertools.count(1)
# Real photos, each different, so the image service accepts them; and one too small.
GOOD = [base64.b64encode(encode(photo(700, 900, seed=seed))).decode() for seed in range(1, 5)]
SMALL = base64.b64encode(encode(photo(300, 400, seed=99))).decode()


class Person:
    def __init__(self, stack, channel="twilio"):
        self.stack = stack
        self.channel = channel
        self.phone = f"+1555{next(_phones) + 5000:07d}"
        self.address = f"whatsapp:{self.phone}"

    def send(self, text="", photos=0, files=None):
        files = files if files is not None else GOOD[:photos]
        media = [{"content_type": "image/jpeg", "data_base64": data} for data in files]
        response = httpx.post(
            f"{self.stack['sandbox'].url}/sandbox/{self.channel}/inbound",
            json={"phone": self.phone, "text": text, "media": media},
            timeout=20,
        )
        assert response.json()["webhook_status"] == 200, response.text

    def received(self):
        response = httpx.get(
            f"{self.stack['sandbox'].url}/sandbox/messages", params={"to": self.address}, timeout=20
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


def rows(stack, app_id, sql, **params):
    """What a service's own database holds (SQLite or PostgreSQL, as the profile has it)."""
    engine = create_engine(stack.database_url(app_id))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).fetchall()
    finally:
        engine.dispose()


def blob_files(stack, person):
    found = rows(
        stack,
        "image",
        "SELECT blob_name FROM photo WHERE user_address = :user",
        user=person.address,
    )
    return [stack.workdir / "blobs" / name for (name,) in found if name]


def nothing_left(stack, person, files) -> bool:
    """No row of the person in any service's database, and none of their blob files."""
    checks = [
        ("image", "SELECT 1 FROM photo WHERE user_address = :user"),
        ("image", "SELECT 1 FROM training WHERE user_address = :user"),
        ("payment", "SELECT 1 FROM customer_order WHERE user_address = :user"),
        ("message", "SELECT 1 FROM user_account WHERE address = :user"),
        ("message", "SELECT 1 FROM outbound_message WHERE user_address = :user"),
    ]
    return not any(rows(stack, app, sql, user=person.address) for app, sql in checks) and not any(
        f.exists() for f in files
    )
