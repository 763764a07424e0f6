from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from shared import timeouts
from shared.packs import DEFAULT_CATALOGUE
from shared.settings import META_GRAPH_BASE, ServiceSettings

# What a binding call carries besides the picture: its name, the file's names, framing.
BLOB_CALL_BYTES = 64 * 1024


class ImageSettings(ServiceSettings):
    app_id: str = "image"
    # Our public URL, as Astria calls it back: required (the local profile sets it).
    public_base_url: str | None = None
    astria_api_base: str = "https://api.astria.ai"
    # "fast" is Astria's free test mode: sandbox, tests, staging.
    astria_branch: str | None = None
    astria_timeout_seconds: float = timeouts.ASTRIA.seconds
    twilio_api_base: str = "https://api.twilio.com"
    twilio_media_hosts: str = "mms.twiliocdn.com,media.twiliocdn.com,s3-external-1.amazonaws.com"
    meta_graph_base: str = META_GRAPH_BASE
    meta_media_hosts: str = "lookaside.fbsbx.com"
    # Local runs only: the sandbox plays the providers on 127.0.0.1.
    allow_private_media_hosts: bool = False
    max_photo_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    media_timeout_seconds: float = timeouts.MEDIA.seconds
    blob_binding: str = "blobstore"
    packs_file: Path = DEFAULT_CATALOGUE

    @model_validator(mode="after")
    def _pictures_fit_the_sidecar(self) -> Self:
        """A picture we keep goes to the blob binding in one message to the sidecar."""
        if self.max_photo_bytes + BLOB_CALL_BYTES > self.dapr_max_message_bytes:
            raise ValueError(
                f"MAX_PHOTO_BYTES ({self.max_photo_bytes}) and the call around it do not fit "
                f"in {self.dapr_max_message_bytes} bytes: raise daprd's --max-body-size and "
                "DAPR_MAX_MESSAGE_BYTES with it"
            )
        return self
