"""Composition root of the image service."""

from dataclasses import dataclass

from services.image.adapters.astria import AstriaClient
from services.image.adapters.astria_packs import AstriaPacks
from services.image.adapters.blobs import DaprBlobStore
from services.image.adapters.media import MediaFetcher, MediaSettings
from services.image.adapters.records import SqlImages
from services.image.domain.photos import Limits
from services.image.ports import ImagePorts, Links
from services.image.settings import ImageSettings
from shared.app import BaseDeps
from shared.dapr.publisher import DaprPublisher
from shared.dapr.secret_store import read_secret
from shared.packs import load_catalogue
from shared.runtime import connect_dapr, connect_database
from shared.settings import required


@dataclass(kw_only=True)
class ImageRuntime(BaseDeps):
    ports: ImagePorts


def _hosts(csv: str) -> frozenset[str]:
    return frozenset(host.strip() for host in csv.split(",") if host.strip())


def build_deps(settings: ImageSettings) -> ImageRuntime:
    resources = BaseDeps()
    client = connect_dapr(settings, resources)
    records = SqlImages(connect_database(settings, resources))

    def secret(name: str) -> str:
        return read_secret(client, settings.secretstore_name, name)

    media = MediaFetcher(
        MediaSettings(
            twilio_api_base=settings.twilio_api_base,
            twilio_account_sid=secret("twilio-account-sid"),
            twilio_auth_token=secret("twilio-auth-token"),
            twilio_media_hosts=_hosts(settings.twilio_media_hosts),
            meta_graph_base=settings.meta_graph_base,
            meta_access_token=secret("meta-access-token"),
            meta_media_hosts=_hosts(settings.meta_media_hosts),
            max_bytes=settings.max_photo_bytes,
            timeout=settings.media_timeout_seconds,
            allow_private_hosts=settings.allow_private_media_hosts,
        )
    )
    resources.closers.append(media.close)
    astria = AstriaClient(
        base_url=settings.astria_api_base,
        api_key=secret("astria-api-key"),
        timeout=settings.astria_timeout_seconds,
    )
    resources.closers.append(astria.close)
    public_url = required(
        settings.public_base_url, "PUBLIC_BASE_URL", "the public URL Astria calls back"
    )
    return ImageRuntime(
        ports=ImagePorts(
            publisher=DaprPublisher(client, settings.pubsub_name),
            records=records,
            blobs=DaprBlobStore(client, settings.blob_binding),
            media=media,
            astria=astria,
            catalogue=load_catalogue(settings.packs_file),
            astria_packs=AstriaPacks(astria=astria, media=media, clock=resources.clock),
            callback_base=public_url,
            links=Links(
                base=public_url, key=secret("portrait-link-key"), days=settings.retention_days
            ),
            clock=resources.clock,
            astria_branch=settings.astria_branch,
            limits=Limits(max_bytes=settings.max_photo_bytes),
        ),
        clock=resources.clock,
        ready_checks=resources.ready_checks,
        closers=resources.closers,
    )
