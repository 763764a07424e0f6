"""A person on WhatsApp, played through the sandbox, and what the services publish."""

import base64
import itertools
import json
import re
import time

import httpx
import redis
from sqlalchemy import create_engine, inspect, text

from services.image.handlers import user_folder
from tests import photographs
from tests.imagery import encode, photo
from tools import devstack

_phones = itertools.count(1)
# Real photos, each different, so the image service accepts them; one too small, one
# without a face and one of two people.
# Astria's Corporate Headshots (pack 260) for a woman, as the sandbox's Astria defines it
# from Astria's docs: 35 prompts of one portrait each. Every journey here orders it.
PORTRAITS = 35

GOOD = [base64.b64encode(encode(photo(700, 900, seed=seed))).decode() for seed in range(1, 5)]
SMALL = base64.b64encode(encode(photo(300, 400, seed=99))).decode()
FACELESS = base64.b64encode(encode(photo(700, 900, seed=98, face=False))).decode()
TWO_PEOPLE = base64.b64encode(encode(photographs.two_people())).decode()


class Person:
    def __init__(self, stack, channel="twilio"):
        self.stack = stack
        self.channel = channel
        self.phone = f"+1555{next(_phones) + 5000:07d}"
        self.address = f"whatsapp:{self.phone}"

    def send(self, text="", photos=0, files=None, choice=None):
        files = files if files is not None else GOOD[:photos]
        media = [{"content_type": "image/jpeg", "data_base64": data} for data in files]
        response = httpx.post(
            f"{self.stack['sandbox'].url}/sandbox/{self.channel}/inbound",
            json={"phone": self.phone, "text": text, "media": media, "choice": choice},
            timeout=20,
        )
        assert response.json()["webhook_status"] == 200, response.text

    def messages(self):
        response = httpx.get(
            f"{self.stack['sandbox'].url}/sandbox/messages", params={"to": self.address}, timeout=20
        )
        return response.json()["messages"]

    def received(self):
        return [m["body"] or f"[image {m['media_urls']}]" for m in self.messages()]

    def controls(self):
        """What the person can tap, newest last: buttons, lists and links as the fake drew
        them ({"type", "options": [{"id", "title", "description"}], "button", "url"})."""
        return [m["interactive"] for m in self.messages() if m.get("interactive")]

    def tap(self, option_id):
        """Tap the newest button or list row with this id, as WhatsApp reports a tap."""
        for control in reversed(self.controls()):
            for option in control["options"]:
                if option["id"] == option_id and control["type"] != "link":
                    kind = "list" if control["type"] == "list" else "button"
                    choice = {"id": option_id, "title": option["title"], "kind": kind}
                    return self.send(choice=choice)
        raise AssertionError(f"nothing to tap with id {option_id!r} in {self.controls()}")

    def taps_and_waits(self, option_id, new_messages):
        before = len(self.received())
        self.tap(option_id)
        return self.wait_for(before + new_messages)[before:]

    def pay_link(self):
        """The newest pay button's (label, URL)."""
        links = [c for c in self.controls() if c["type"] == "link"]
        assert links, f"no pay button in {self.received()}"
        return links[-1]["options"][0]["title"], links[-1]["url"]

    def wait_for(self, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {self.received()}")

    def wait_for_text(self, needle, since=0, timeout=60.0):
        """The messages since index `since`, once one of them contains `needle`."""
        deadline = time.monotonic() + timeout
        while not any(needle in m for m in self.received()[since:]):
            assert time.monotonic() < deadline, self.received()[since:]
            time.sleep(0.2)
        return self.received()[since:]

    def says_and_waits(self, text, new_messages):
        before = len(self.received())
        self.send(text)
        return self.wait_for(before + new_messages)[before:]


ACKNOWLEDGED = re.compile(r"✅ (\d+) photos? accepted")


def acknowledged(messages):
    """How many photos each acknowledgement among `messages` accepted, in order."""
    return [int(m.group(1)) for m in map(ACKNOWLEDGED.match, messages) if m]


def wait_published(stack, topic, count=1, timeout=30.0, **fields):
    """The events on `topic` whose data has each of `fields`, once there are `count`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = [
            e
            for e in stack.published(topic)
            if all(e["data"].get(key) == value for key, value in fields.items())
        ]
        if len(events) >= count:
            return events
        time.sleep(0.1)
    raise AssertionError(f"{topic}: expected {count} events with {fields}")


def walk_to_photos(person):
    """Hi, then a tap on "Yes" and on "Woman": one message from the bot each time."""
    [welcome] = person.says_and_waits("hi", 1)
    assert "Astria portrait bot" in welcome
    assert [o["id"] for o in person.controls()[-1]["options"]] == ["yes", "no"]
    assert "Who is in the photos?" in person.taps_and_waits("yes", 1)[0]
    assert "3 to 5 photos" in person.taps_and_waits("woman", 1)[0]


def rows(stack, app_id, sql, **params):
    """What a service's own database holds (SQLite or PostgreSQL, as the profile has it)."""
    engine = create_engine(stack.database_url(app_id))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).fetchall()
    finally:
        engine.dispose()


def blob_files(stack, person):
    """The files the image service keeps of the person: photos, and our portrait copies."""
    found = rows(
        stack,
        "image",
        "SELECT blob_name FROM photo WHERE user_address = :user",
        user=person.address,
    )
    photos = [stack.workdir / "blobs" / name for (name,) in found if name]
    portraits = stack.workdir / "blobs" / "portraits" / user_folder(person.address)
    return photos + sorted(path for path in portraits.rglob("*") if path.is_file())


def _tables_naming(url: str, needle: str) -> list[str]:
    """Every table of a database in which some row mentions `needle`, in any column."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = []
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    if needle in str(tuple(row)):
                        found.append(table)
                        break
            return found
    finally:
        engine.dispose()


def where_the_person_remains(stack, person) -> list[str]:
    """Every place the project keeps data in which the person's number still appears: each
    service's tables (dead letters included), the Dapr state store, their blob folder.
    The broker's streams are left out on purpose: Dapr cannot delete a published event,
    so they keep events for a bounded time instead (`streamTTL`, a contract test)."""
    digits = person.phone.removeprefix("+")
    places = [
        f"{app}.{table}"
        for app in ("message", "image", "payment", "maintenance")
        for table in _tables_naming(stack.database_url(app), digits)
    ]
    if stack.postgres is not None:
        places += [
            f"state.{t}" for t in _tables_naming(stack.postgres.url() + "/dapr_state", digits)
        ]
    elif stack.profile == "local":
        for state in sorted(stack.workdir.glob("state-*.db")):
            places += [f"{state.name}.{t}" for t in _tables_naming(f"sqlite:///{state}", digits)]
    else:
        client = redis.Redis(port=stack.broker.port)
        try:
            for key in client.scan_iter(count=1000):
                if client.type(key) == b"stream":
                    continue
                value = bytes(client.dump(key) or b"")  # type: ignore[arg-type]
                if digits.encode() in key or digits.encode() in value:
                    places.append(f"state key {key!r}")
        finally:
            client.close()
    folder = stack.workdir / "blobs" / "photos" / user_folder(person.address)
    if folder.exists() and any(folder.iterdir()):
        places.append(f"blobs {folder}")
    return places


def leaks_in_logs(stack, person, *secrets: str) -> list[str]:
    """Lines of our apps' and their sidecars' logs that carry the person's full number or a
    secret (every value of secrets.json, and `secrets`). The sandbox's own logs are the
    providers' side, and the broker's and PostgreSQL's are not ours to write."""
    stored = json.loads(devstack.ensure_secrets_file().read_text()).values()
    needles = [person.phone.removeprefix("+"), *secrets, *(v for v in stored if len(v) >= 8)]
    leaks = []
    for path in sorted(stack.logs_dir.glob("*.log")):
        if path.name.split(".")[0].split("-")[0] not in (
            "message",
            "image",
            "payment",
            "maintenance",
        ):
            continue
        for line in path.read_text(errors="replace").splitlines():
            if any(needle in line for needle in needles):
                leaks.append(f"{path.name}: {line[:400]}")
    return leaks


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
