from pathlib import Path

from pydantic import Field

from shared import timeouts
from shared.packs import DEFAULT_CATALOGUE
from shared.settings import META_GRAPH_BASE, ServiceSettings


class MessageSettings(ServiceSettings):
    app_id: str = "message"
    # Twilio signs the public URL it called. Behind a proxy set this (or trust the
    # forwarded headers) so the signature is checked against what Twilio signed.
    public_base_url: str | None = None
    trust_forwarded_headers: bool = False
    # Point the twilio library somewhere else than https://api.twilio.com (the sandbox).
    twilio_api_base: str | None = None
    twilio_whatsapp_from: str = "whatsapp:+14155238886"
    twilio_timeout_seconds: float = timeouts.TWILIO.seconds
    # Approved Content template sent outside the 24-hour window; {{1}} is the update. The
    # same template approved in other languages, by language (a JSON object in
    # TWILIO_TEMPLATE_SIDS, e.g. {"es": "HX…"}); a language without one gets the default.
    twilio_template_sid: str | None = None
    twilio_template_sids: dict[str, str] = Field(default_factory=dict)
    # Where Twilio posts delivery receipts; defaults to PUBLIC_BASE_URL + /twilio/status.
    twilio_status_callback_url: str | None = None
    max_webhook_bytes: int = Field(default=64 * 1024, gt=0)
    # Meta batches notifications; its bodies reach 3 MB.
    max_meta_webhook_bytes: int = Field(default=3 * 1024 * 1024, gt=0)
    meta_graph_base: str = META_GRAPH_BASE
    # The sending number's id (Graph API); the local profile sets the sandbox's.
    meta_phone_number_id: str | None = None
    meta_timeout_seconds: float = timeouts.META.seconds
    meta_template_name: str = "portrait_update"

    @property
    def status_callback(self) -> str | None:
        if self.twilio_status_callback_url:
            return self.twilio_status_callback_url
        if self.public_base_url:
            return self.public_base_url.rstrip("/") + "/twilio/status"
        return None

    # Above this many messages a minute a person gets one notice, then silence until the
    # minute is over. Twenty photos arrive as twenty messages, so keep it well above that.
    rate_limit_per_minute: int = Field(default=40, ge=1)
    # A person quiet this long halfway through gets one reminder (on the reconcile tick).
    nudge_after_hours: float = Field(default=6, gt=0, lt=24)
    # A pause between two messages to one person. 0: send at once, and let a pair rate
    # limit (Meta 131056, Twilio 63018) be retried later, which never drops a message.
    send_gap_seconds: float = Field(default=0, ge=0, le=10)
    # The image service's public /previews, which WhatsApp fetches: the packs in one
    # picture before the person chooses. Unset: the photo instructions go as text.
    pack_previews_url: str | None = Field(default=None, pattern=r"^https?://")
    min_photos: int = Field(default=8, ge=1)
    max_photos: int = Field(default=20, ge=1)
    packs_file: Path = DEFAULT_CATALOGUE
