"""Each pack as Astria defines it (`GET /p/:id`): how many portraits it makes of each
class, and its cover picture (the catalogue's `cover_url` first). Kept a day, because a
pack changes with Astria's releases, not by the minute, and whether Astria's S3 links
expire is not documented; what cannot be had now is asked for again after a few minutes,
not on every order or preview."""

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from services.image.adapters.media import MediaFetcher
from services.image.domain.packs import images_for
from services.image.ports import Astria, AstriaRefused, AstriaTimedOut, MediaRefused
from shared.clock import Clock
from shared.errors import Transient
from shared.packs import Pack

log = logging.getLogger(__name__)


class AstriaPacks:
    def __init__(
        self,
        *,
        astria: Astria,
        media: MediaFetcher,
        clock: Clock,
        keep: timedelta = timedelta(hours=24),
        retry_after: timedelta = timedelta(minutes=5),
    ) -> None:
        self._astria, self._media, self._clock = astria, media, clock
        self._keep, self._retry_after = keep, retry_after
        self._packs: dict[str, tuple[dict[str, Any], datetime]] = {}
        self._covers: dict[str, tuple[bytes | None, datetime]] = {}
        self._lock = threading.Lock()

    def images(self, pack: Pack, subject: str) -> int | None:
        """How many portraits the pack makes of `subject`, as Astria says; None when
        Astria has no such pack or class. Transient when Astria cannot be asked now."""
        try:
            return images_for(self._described(pack), subject)
        except AstriaRefused as exc:
            log.error("astria has no such pack", extra={"pack": pack.code, "error": str(exc)})
            return None

    def cover(self, pack: Pack) -> bytes | None:
        now = self._clock()
        with self._lock:
            kept = self._covers.get(pack.code)
        if kept is not None and now < kept[1]:
            return kept[0]
        data = self._fetch_cover(pack)
        with self._lock:
            self._covers[pack.code] = (data, now + (self._keep if data else self._retry_after))
        return data

    def _described(self, pack: Pack) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            kept = self._packs.get(pack.code)
        if kept is not None and now < kept[1]:
            return kept[0]
        try:
            described = self._astria.pack(pack.astria_pack_id)
        except AstriaTimedOut as exc:
            raise Transient(f"astria did not describe pack {pack.astria_pack_id}") from exc
        with self._lock:
            self._packs[pack.code] = (described, now + self._keep)
        return described

    def _fetch_cover(self, pack: Pack) -> bytes | None:
        try:
            url = pack.cover_url or self._described(pack).get("cover_url")
            return self._media.download(str(url)) if url else None
        except (AstriaRefused, MediaRefused, Transient) as exc:
            log.warning("no cover for a pack", extra={"pack": pack.code, "error": str(exc)})
            return None
