"""Each pack's cover picture: the catalogue's `cover_url`, else the one Astria shows for
the pack (`GET /p/:id`). Kept a day, because whether Astria's S3 links expire is not
documented; a cover that cannot be had is asked for again after a few minutes, not on
every preview."""

import logging
import threading
from datetime import datetime, timedelta

from services.image.adapters.media import MediaFetcher
from services.image.ports import Astria, AstriaRefused, AstriaTimedOut, MediaRefused
from shared.clock import Clock
from shared.errors import Transient
from shared.packs import Pack

log = logging.getLogger(__name__)


class PackCovers:
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
        self._kept: dict[str, tuple[bytes | None, datetime]] = {}
        self._lock = threading.Lock()

    def cover(self, pack: Pack) -> bytes | None:
        now = self._clock()
        with self._lock:
            kept = self._kept.get(pack.code)
        if kept is not None:
            data, until = kept
            if now < until:
                return data
        data = self._fetch(pack)
        with self._lock:
            self._kept[pack.code] = (data, now + (self._keep if data else self._retry_after))
        return data

    def _fetch(self, pack: Pack) -> bytes | None:
        try:
            url = pack.cover_url or self._astria.pack(pack.astria_pack_id).get("cover_url")
            return self._media.download(str(url)) if url else None
        except (AstriaRefused, AstriaTimedOut, MediaRefused, Transient) as exc:
            log.warning("no cover for a pack", extra={"pack": pack.code, "error": str(exc)})
            return None
