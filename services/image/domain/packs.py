"""What a pack makes, as Astria defines it (`GET /p/:id`, docs.astria.ai
`docs/api/2-pack/2-get.md`): for each class, `costs[class].num_images` and the prompts in
`prompts_per_class[class]`. Corporate Headshots (pack 260) makes 35 portraits of a woman
and 28 of a man; our catalogue keeps what is ours (price, titles, cover), not this."""

from collections.abc import Mapping
from typing import Any


def images_for(pack: Mapping[str, Any], subject: str) -> int | None:
    """How many portraits the pack makes of `subject`; None if it has no such class."""
    cost = (pack.get("costs") or {}).get(subject) or {}
    stated = cost.get("num_images") if isinstance(cost, Mapping) else None
    if isinstance(stated, int) and not isinstance(stated, bool) and stated > 0:
        return stated
    prompts = (pack.get("prompts_per_class") or {}).get(subject)
    if not isinstance(prompts, list) or not prompts:
        return None
    # A prompt that does not say how many makes one (Astria's default num_images).
    counts = [p.get("num_images") if isinstance(p, Mapping) else None for p in prompts]
    return sum(n if isinstance(n, int) and n > 0 else 1 for n in counts)
