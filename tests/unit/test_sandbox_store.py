"""The sandbox's memory: bounded, and read from where a reader left off."""

from services.sandbox import store as store_module
from services.sandbox.store import SandboxStore


def sent(store: SandboxStore, to: str, body: str) -> None:
    store.record_outbound({"to": to, "body": body})


def test_messages_after_a_seq_are_only_the_newer_ones_in_order():
    store = SandboxStore()
    for n in range(5):
        sent(store, "whatsapp:+1" if n % 2 else "whatsapp:+2", f"m{n}")
    assert [m["seq"] for m in store.outbound_to(None)] == [1, 2, 3, 4, 5]
    assert [m["body"] for m in store.outbound_to(None, after=3)] == ["m3", "m4"]
    assert [m["body"] for m in store.outbound_to("whatsapp:+2", after=1)] == ["m2", "m4"]
    assert store.outbound_to(None, after=5) == []


def test_history_is_bounded_and_seq_keeps_counting(monkeypatch):
    monkeypatch.setattr(store_module, "HISTORY", 3)
    store = SandboxStore()
    for n in range(5):
        sent(store, "whatsapp:+1", f"m{n}")
    assert [m["body"] for m in store.outbound_to(None)] == ["m2", "m3", "m4"]
    assert store.outbound_count == 5
    assert [m["seq"] for m in store.outbound_to(None, after=4)] == [5]
