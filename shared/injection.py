"""Each handler receives only what it uses.

A handler names its collaborators as keyword-only parameters (`orders: Orders`,
`publisher: Publisher`, `meta: EventMeta`); the entry point that runs it passes its
positional arguments and takes each named collaborator from the service's ports, by
name. A handler's signature is therefore the whole of what it can touch, and its tests
pass exactly that. Plain Python: no framework.
"""

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def needs(handler: Callable[..., Any]) -> tuple[str, ...]:
    """The collaborators `handler` names: its keyword-only parameters, in order."""
    parameters = inspect.signature(handler).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


def unmet(handler: Callable[..., Any], ports: object, given: tuple[str, ...] = ()) -> list[str]:
    """What `handler` names that neither `ports` nor the caller (`given`) provides."""
    return [name for name in needs(handler) if name not in given and not hasattr(ports, name)]


def call(handler: Callable[..., T], ports: object, /, *args: Any, **given: Any) -> T:
    """Run `handler` on `args`, with each collaborator it names taken from `given` when
    the caller has it (an event's `meta`), else from `ports`. What it does not name, it
    does not get."""
    named = {
        name: given[name] if name in given else getattr(ports, name) for name in needs(handler)
    }
    return handler(*args, **named)
