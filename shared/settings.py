"""Settings every service shares; each service subclasses it once."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from the environment. Secrets are not settings: they come from the Dapr secret store."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # `dapr run` exports APP_ID; the default is the service's own id.
    app_id: str
    database_url: str = ""
    log_level: str = "INFO"
    pubsub_name: str = "pubsub"
    statestore_name: str = "statestore"
    secretstore_name: str = "secretstore"
    # Set by daprd's environment when the app<->sidecar hop is protected.
    app_api_token: str | None = Field(default=None, repr=False)
    # How long to wait for the sidecar at start-up.
    dapr_wait_seconds: float = 60.0

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///./{self.app_id}.db"
