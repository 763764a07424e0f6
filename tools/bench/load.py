"""Load: signed Twilio webhooks, each from its own person with its own message id, and
vegeta to send them, open loop (a fixed rate) or closed loop (as fast as N workers can)."""

import base64
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from services.sandbox.people import InboundMessage
from services.sandbox.twilio_fake import build_inbound_form, sign

VEGETA = Path.home() / ".cache" / "whatsapp-astria-bot" / "bench-tools" / "vegeta"
ACCOUNT_SID = "AC" + "0" * 32
BOT_NUMBER = "whatsapp:+14155238886"


def phone(run: int, n: int) -> str:
    """A distinct person per (run, n): no rate limit or per-person order is shared."""
    return f"+1{700 + run}{n:07d}"


@dataclass(frozen=True)
class Webhook:
    url: str
    body: bytes
    signature: str
    person: str

    def target(self) -> dict[str, object]:
        """One line of vegeta's JSON target format."""
        return {
            "method": "POST",
            "url": self.url,
            "body": base64.b64encode(self.body).decode(),
            "header": {
                "Content-Type": ["application/x-www-form-urlencoded"],
                "X-Twilio-Signature": [self.signature],
            },
        }

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.signature,
        }


def webhooks(url: str, auth_token: str, run: int, count: int, text: str = "hi") -> list[Webhook]:
    """`count` first messages, signed over `url` as Twilio signs them."""
    made = []
    for n in range(count):
        person = phone(run, n)
        sid = f"SM{run:04d}{n:028d}"
        form = build_inbound_form(
            InboundMessage(phone=person, text=text),
            account_sid=ACCOUNT_SID,
            to=BOT_NUMBER,
            message_sid=sid,
        )
        made.append(Webhook(url, urlencode(form).encode(), sign(auth_token, url, form), person))
    return made


@dataclass(frozen=True)
class Attack:
    requests: int
    rate: float  # requests per second sent
    throughput: float  # successful requests per second
    success: float  # the share answered 2xx
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_codes: dict[str, int]


def attack(hooks: list[Webhook], *, duration: float, rate: int = 0, workers: int = 32) -> Attack:
    """rate=0: closed loop, `workers` connections each sending as soon as answered."""
    with tempfile.TemporaryDirectory() as folder:
        targets = Path(folder) / "targets.json"
        targets.write_text("\n".join(json.dumps(h.target()) for h in hooks) + "\n")
        command = [
            str(VEGETA),
            "attack",
            "-format=json",
            f"-targets={targets}",
            f"-duration={duration}s",
            "-timeout=30s",
            "-keepalive=true",
        ]
        if rate:
            command += [f"-rate={rate}/1s"]
        else:
            command += ["-rate=0", f"-workers={workers}", f"-max-workers={workers}"]
        results = subprocess.run(command, check=True, capture_output=True).stdout
        report = subprocess.run(
            [str(VEGETA), "report", "-type=json"], input=results, check=True, capture_output=True
        ).stdout
    data = json.loads(report)
    latencies = data["latencies"]
    return Attack(
        requests=int(data["requests"]),
        rate=float(data["rate"]),
        throughput=float(data["throughput"]),
        success=float(data["success"]),
        p50_ms=latencies["50th"] / 1e6,
        p90_ms=latencies["90th"] / 1e6,
        p99_ms=latencies["99th"] / 1e6,
        max_ms=latencies["max"] / 1e6,
        status_codes={str(k): int(v) for k, v in data["status_codes"].items()},
    )
