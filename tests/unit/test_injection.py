"""Each handler receives only what it uses: the ports it names, by name."""

import dis
from collections.abc import Callable
from dataclasses import fields
from types import SimpleNamespace

import pytest
from fastapi import FastAPI

from services.image.app import create_app as image_app
from services.image.ports import ImagePorts
from services.maintenance.app import create_app as maintenance_app
from services.maintenance.ports import MaintenancePorts
from services.message.app import create_app as message_app
from services.message.ports import MessagePorts
from services.payment.app import create_app as payment_app
from services.payment.ports import PaymentPorts
from shared.injection import call, needs, unmet


def refund(event: str, *, orders: list[str], meta: str = "") -> str:
    orders.append(event)
    return f"{event} {meta}".strip()


def test_a_handler_gets_what_it_names_and_nothing_else():
    ports = SimpleNamespace(orders=[], gateway="never asked for", publisher=None)
    assert needs(refund) == ("orders", "meta")
    assert call(refund, ports, "ev-1", meta="m-1") == "ev-1 m-1"
    assert ports.orders == ["ev-1"]


def test_what_the_caller_gives_is_used_only_if_the_handler_names_it():
    def quiet(event: str, *, orders: list[str]) -> int:
        return len(orders)

    assert call(quiet, SimpleNamespace(orders=[1, 2]), "ev", meta="ignored") == 2


def test_a_port_the_service_lacks_is_named():
    assert unmet(refund, SimpleNamespace(), given=("meta",)) == ["orders"]
    with pytest.raises(AttributeError, match="orders"):
        call(refund, SimpleNamespace(), "ev")


SERVICES: dict[str, tuple[Callable[[], FastAPI], type]] = {
    "message": (message_app, MessagePorts),
    "image": (image_app, ImagePorts),
    "payment": (payment_app, PaymentPorts),
    "maintenance": (maintenance_app, MaintenancePorts),
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_subscribed_handler_names_only_its_services_ports(service):
    create_app, ports_class = SERVICES[service]
    declared = SimpleNamespace(**{f.name: None for f in fields(ports_class)})
    handlers = create_app().state.subscriptions.handlers
    assert handlers
    for handler in handlers:
        assert unmet(handler, declared, given=("meta",)) == [], handler.__qualname__
        # Nobody takes the whole bag: a handler names only what its body reads.
        assert set(needs(handler)) - {"meta"} <= read_in_body(handler), handler.__qualname__


def read_in_body(handler: Callable[..., object]) -> set[str]:
    """The local names the handler's own code reads."""
    names: set[str] = set()
    for instruction in dis.get_instructions(handler):
        if instruction.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE")):
            value = instruction.argval
            names.update(value if isinstance(value, tuple) else (value,))
    return names


def test_negative_control_a_named_port_never_read_is_found():
    def greedy(event: str, *, orders: list[str], gateway: object) -> int:
        return len(orders)

    assert {"orders", "gateway"} - read_in_body(greedy) == {"gateway"}
