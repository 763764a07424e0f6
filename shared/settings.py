"""Settings every service shares; each service subclasses it once."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import timeouts

# Meta's Graph API version, one for every call: the newest (v26.0, out 2026-07-29); v21.0,
# the one used before, is served until 2027-01-21 (developers.facebook.com/docs/graph-api/
# changelog/versions).
GRAPH_API_VERSION = "v26.0"
META_GRAPH_BASE = f"https://graph.facebook.com/{GRAPH_API_VERSION}"

# daprd's --max-body-size in dapr.yaml, the compose file, Kubernetes and Azure (20Mi): a
# test holds them to this number.
SIDECAR_MAX_BODY_BYTES = 20 * 1024 * 1024


class ServiceSettings(BaseSettings):
    """Read from the environment. Secrets are not settings: they come from the Dapr secret store."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # `dapr run` exports APP_ID; the default is the service's own id.
    app_id: str
    # The service's database: DATABASE_URL when set; else a database named after the app on
    # DATABASE_SERVER (`postgresql+psycopg2://user@host:port`); else SQLite in DATA_DIR.
    database_url: str = ""
    database_server: str = ""
    data_dir: str = "."
    log_level: str = "INFO"
    pubsub_name: str = "pubsub"
    statestore_name: str = "statestore"
    secretstore_name: str = "secretstore"
    # Set by daprd's environment when the app<->sidecar hop is protected.
    app_api_token: str | None = Field(default=None, repr=False)
    # Where the sidecar is, its token and how long to wait for it at start-up are the Dapr
    # SDK's own variables (DAPR_GRPC_PORT, DAPR_HTTP_PORT, DAPR_API_TOKEN,
    # DAPR_HEALTH_TIMEOUT), which `dapr run`, Kubernetes and Azure Container Apps set.
    # A call to the sidecar that takes longer than this has failed (Transient).
    dapr_timeout_seconds: float = Field(default=timeouts.SIDECAR.seconds, gt=0)
    # The largest message to or from the sidecar: daprd's --max-body-size, 20Mi in every
    # deployment file (the largest picture we keep, and the call's envelope around it).
    dapr_max_message_bytes: int = Field(default=SIDECAR_MAX_BODY_BYTES, gt=0)
    # Deliveries handled at once (each on a worker thread); see shared.dapr.subscriptions.
    subscriber_threads: int = Field(default=4, ge=1, le=64)
    # How long photos, portraits and message logs are kept: one setting for the whole
    # system, which maintenance enforces and the consent text promises.
    retention_days: int = Field(default=30, ge=1)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.database_server:
            return f"{self.database_server.rstrip('/')}/{self.app_id}"
        return f"sqlite:///{self.data_dir}/{self.app_id}.db"


class SettingMissing(RuntimeError):
    """A setting production must give has no value: the service refuses to start."""


def required(value: str | None, variable: str, why: str) -> str:
    if not value:
        raise SettingMissing(f"{variable} is not set ({why})")
    return value
