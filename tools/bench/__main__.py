"""`make bench`: the hot paths on the `redis` profile with real daprd, beside bare
baselines measured in the same run; prints a table and writes docs/benchmarks.md
with a chart (docs/benchmarks.png).

Phases, each on a fresh system so that one's backlog never slows the next:
1. baselines: a bare FastAPI webhook (parse only; + signature + one publish through
   daprd with the Dapr SDK's async client; the same over daprd's HTTP API; the same
   publish from the thread pool, as handlers publish), closed loop (32 connections) and
   open loop (100 req/s);
2. the project's webhook, the same two loads (its subscriber works meanwhile, as in
   production);
3. the project's replies: Dapr's primitives against Redis itself, "hi" to first reply
   with one and with twenty people at a time, people served end to end per second,
   CPU per reply, memory at idle and after load.

The sandbox plays Twilio in its lean mode (no receipts, no events panel), so the
measure is of the bot, not of its test double; its own cost is printed too.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path

import httpx

from shared.clock import system_clock
from tools import devstack
from tools.bench import baseline, load, procs
from tools.stack import AppProcess, Stack

DOCS = devstack.ROOT / "docs"
# The sandbox as a lean Twilio: no delivery receipts, no consumer on every topic.
LEAN_SANDBOX = {"TWILIO_STATUS_CALLBACK_URL": "", "OBSERVE_EVENTS": "false"}
BASELINES = ("parse", "publish", "http", "sync")


@dataclass
class Results:
    started: str
    load_before: str = ""
    load_after: str = ""
    webhook_closed: dict[str, load.Attack] = field(default_factory=dict)
    webhook_open: dict[str, load.Attack] = field(default_factory=dict)
    primitives: dict[str, dict[str, float]] = field(default_factory=dict)
    first_reply: dict[str, dict[str, float]] = field(default_factory=dict)
    served: dict[str, float] = field(default_factory=dict)
    cpu_per_reply_ms: dict[str, float] = field(default_factory=dict)
    rss_idle: dict[str, float] = field(default_factory=dict)
    rss_loaded: dict[str, float] = field(default_factory=dict)
    pss_loaded: dict[str, float] = field(default_factory=dict)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def twilio_token() -> str:
    secrets = json.loads(devstack.ensure_secrets_file().read_text())
    return str(secrets["twilio-auth-token"])


@contextmanager
def system(workdir: Path, name: str, apps: tuple[str, ...] = devstack.APPS) -> Iterator[Stack]:
    stack = Stack("redis", workdir / name, apps=apps, env=LEAN_SANDBOX)
    try:
        stack.start()
        yield stack
    except Exception:
        print(stack.logs(40), file=sys.stderr)
        raise
    finally:
        stack.stop()


def both_loads(
    url: str, token: str, run: int, seconds: float, results: Results, label: str
) -> None:
    hooks = load.webhooks(url, token, run, count=int(seconds * 5000))
    closed = load.attack(hooks, duration=seconds, workers=32)
    results.webhook_closed[label] = closed
    print(f"  {label}: closed loop {closed.throughput:,.0f} req/s, p99 {closed.p99_ms:.1f} ms")
    steady = load.webhooks(url, token, run + 50, count=int(seconds * 300))
    opened = load.attack(steady, duration=seconds * 2, rate=100)
    results.webhook_open[label] = opened
    print(f"  {label}: 100 req/s p50 {opened.p50_ms:.1f} ms, p99 {opened.p99_ms:.1f} ms")


def baselines(workdir: Path, token: str, seconds: float, results: Results) -> None:
    print("baselines: a bare FastAPI webhook", flush=True)
    with system(workdir, "baseline", apps=()) as stack:
        for n, mode in enumerate(BASELINES):
            bare = AppProcess(
                f"bare-{mode}",
                app_id="message",
                command=baseline.command(
                    mode,
                    f"BENCH_TWILIO_TOKEN={token}",
                    "BENCH_PUBLIC_URL=http://127.0.0.1:{port}/SmsReceived",
                ),
            )
            stack.launch(bare)
            both_loads(f"{bare.url}/SmsReceived", token, 10 + n, seconds, results, f"bare {mode}")
            results.rss_loaded[f"bare {mode} app"] = procs.rss_mb(bare.running["app"].pid)


def pids(stack: Stack) -> dict[str, int]:
    found = {}
    for app in stack.apps.values():
        for kind, process in app.running.items():
            found[f"{app.name} {'daprd' if kind == 'daprd' else 'app'}"] = process.pid
    return found


class Outbox:
    """What the sandbox's Twilio received, read incrementally (its `seq` order)."""

    def __init__(self, sandbox: str) -> None:
        self._url = f"{sandbox}/sandbox/messages"
        self.by_person: dict[str, list[float]] = {}
        # Only what is sent from now on counts.
        sent = httpx.get(self._url, timeout=30).json()["messages"]
        self._seen = max((int(m["seq"]) for m in sent), default=0)
        self.total = 0

    def poll(self, client: httpx.Client) -> int:
        messages = client.get(self._url, params={"after": self._seen}).json()["messages"]
        for message in messages:
            person = message["to"].removeprefix("whatsapp:")
            self.by_person.setdefault(person, []).append(float(message["time"]))
            self._seen = max(self._seen, int(message["seq"]))
        self.total += len(messages)
        return len(messages)


def wall() -> float:
    return system_clock().astimezone(UTC).timestamp()


def send(client: httpx.Client, hook: load.Webhook) -> float:
    """Post one webhook; the wall time it was sent (the sandbox stamps replies the same way)."""
    sent = wall()
    answer = client.post(hook.url, content=hook.body, headers=hook.headers())
    answer.raise_for_status()
    return sent


def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.005)


def first_replies(stack: Stack, token: str, results: Results) -> None:
    webhook = f"{stack['message'].url}/SmsReceived"
    outbox = Outbox(stack["sandbox"].url)
    with httpx.Client(timeout=30) as client:
        # One person at a time: the next writes once the previous got the first reply.
        latencies = []
        for hook in load.webhooks(webhook, token, 30, count=40):
            sent = send(client, hook)

            def replied(person: str = hook.person) -> bool:
                outbox.poll(client)
                return person in outbox.by_person

            wait(replied, 30, "a reply")
            latencies.append((outbox.by_person[hook.person][0] - sent) * 1000)
        results.first_reply["1 at a time"] = percentiles(latencies)
        # Twenty at once, five rounds.
        latencies = []
        with ThreadPoolExecutor(max_workers=20) as pool:
            for round_ in range(5):
                hooks = load.webhooks(webhook, token, 31 + round_, count=20)
                times = pool.map(lambda h: send(client, h), hooks)
                sent_at = dict(zip((h.person for h in hooks), times, strict=True))

                def all_replied(people: dict[str, float] = sent_at) -> bool:
                    outbox.poll(client)
                    return all(p in outbox.by_person for p in people)

                wait(all_replied, 60, "replies to twenty people")
                latencies += [(outbox.by_person[p][0] - t) * 1000 for p, t in sent_at.items()]
        results.first_reply["20 at a time"] = percentiles(latencies)
    for label, stats in results.first_reply.items():
        print(f"  hi -> first reply, {label}: p50 {stats['p50']:.0f} ms, p99 {stats['p99']:.0f} ms")


def served(stack: Stack, token: str, people: int, rate: int, results: Results) -> None:
    """`people` say hi at `rate`/s; how fast are they all answered (one welcome each)?"""
    webhook = f"{stack['message'].url}/SmsReceived"
    outbox = Outbox(stack["sandbox"].url)
    hooks = load.webhooks(webhook, token, 40, count=people)
    running = pids(stack)
    before = procs.sample(running)
    started = wall()
    attack = load.attack(hooks, duration=people / rate, rate=rate)
    with httpx.Client(timeout=30) as client:

        def drained() -> bool:
            outbox.poll(client)
            return outbox.total >= people

        wait(drained, 600, f"{people} people answered")
    last = max(times[-1] for times in outbox.by_person.values())
    after = procs.sample(running)
    replies = outbox.total
    results.served = {
        "people": people,
        "offered per s": rate,
        "acknowledged": attack.success * attack.requests,
        "seconds": last - started,
        "people per s": people / (last - started),
        "replies": replies,
    }
    for name in running:
        spent = after.cpu[name] - before.cpu[name]
        results.cpu_per_reply_ms[name] = spent / replies * 1000
    print(
        f"  served {people} people in {last - started:.1f} s: "
        f"{people / (last - started):.1f} people/s; message app "
        f"{results.cpu_per_reply_ms['message app']:.1f} ms CPU per reply"
    )


def primitives(stack: Stack, results: Results, count: int = 2000) -> None:
    """One publish / state get / state save through the message's daprd, with the adapters
    the services use (the Dapr SDK's client), and the same straight against Redis."""
    import redis
    from dapr.conf import settings as sdk_settings

    from shared.dapr.client import connect
    from shared.dapr.publisher import DaprPublisher
    from shared.dapr.state import DaprStateStore
    from shared.settings import ServiceSettings

    value = json.dumps({"conversation": {"step": "photos", "photos": 3}, "processed": []})

    def timed(operation: Callable[[int], object]) -> dict[str, float]:
        samples = []
        for n in range(count):
            began = time.perf_counter()
            operation(n)
            samples.append((time.perf_counter() - began) * 1000)
        return percentiles(samples)

    # This process is not an app of the stack: point the SDK at the message's sidecar.
    vars(sdk_settings).update(
        DAPR_HTTP_PORT=stack["message"].dapr_http_port,
        DAPR_GRPC_PORT=stack["message"].dapr_grpc_port,
    )
    client = connect(ServiceSettings(app_id="message"))
    publisher = DaprPublisher(client, "pubsub")
    store = DaprStateStore(client, "statestore")
    results.primitives["daprd publish"] = timed(
        lambda _n: publisher.publish_json("bench.primitives", value)
    )
    results.primitives["daprd state save"] = timed(
        lambda n: store.save(f"bench-{n}", json.loads(value))
    )
    results.primitives["daprd state get"] = timed(lambda n: store.get(f"bench-{n}"))
    client.close()  # type: ignore[no-untyped-call]
    assert stack.broker is not None
    direct = redis.Redis(port=stack.broker.port)
    results.primitives["redis XADD"] = timed(
        lambda _n: direct.xadd("bench.direct", {"data": value})
    )
    results.primitives["redis SET"] = timed(lambda n: direct.set(f"direct-{n}", value))
    results.primitives["redis GET"] = timed(lambda n: direct.get(f"direct-{n}"))
    direct.close()
    for name, stats in results.primitives.items():
        print(f"  {name}: p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8, help="length of each closed loop")
    parser.add_argument("--people", type=int, default=600, help="people in the served measure")
    parser.add_argument("--rate", type=int, default=150, help="their arrival rate, per second")
    parser.add_argument("--no-docs", action="store_true", help="print only; write no docs")
    parser.add_argument(
        "--phases",
        default="baselines,webhook,replies",
        help="a comma-separated subset of baselines,webhook,replies (implies --no-docs)",
    )
    args = parser.parse_args()
    if not load.VEGETA.exists():
        print("vegeta is missing: run `make bench` (tools/bench/install.sh)", file=sys.stderr)
        return 1
    token = twilio_token()
    results = Results(started=system_clock().strftime("%Y-%m-%d %H:%M UTC"))
    results.load_before = procs.load_average()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        workdir = Path(folder)
        phases = set(args.phases.split(","))
        if "baselines" in phases:
            baselines(workdir, token, args.seconds, results)
        if "webhook" in phases:
            print("the project's webhook (redis profile, real daprd)", flush=True)
            with system(workdir, "webhook") as stack:
                both_loads(
                    f"{stack['message'].url}/SmsReceived",
                    token,
                    20,
                    args.seconds,
                    results,
                    "project",
                )
        if "replies" in phases:
            print("the project's replies", flush=True)
            with system(workdir, "replies") as stack:
                time.sleep(2)
                results.rss_idle = procs.sample(pids(stack)).rss
                primitives(stack, results)
                first_replies(stack, token, results)
                served(stack, token, args.people, args.rate, results)
                loaded = procs.sample(pids(stack))
                results.rss_loaded.update(loaded.rss)
                results.pss_loaded.update(loaded.pss)
    results.load_after = procs.load_average()
    from tools.bench import report

    print()
    print(report.table(results))
    print(f"\n(the bench took {time.monotonic() - began:.0f} s)")
    if not args.no_docs and phases == {"baselines", "webhook", "replies"}:
        report.write(results, DOCS)
        print(f"wrote {DOCS / 'benchmarks.md'} and {DOCS / 'benchmarks.png'}")
    (Path(tempfile.gettempdir()) / "bench-results.json").write_text(
        json.dumps(asdict(results), indent=2, default=str)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
