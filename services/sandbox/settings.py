from pydantic import Field

from shared.settings import ServiceSettings


class SandboxSettings(ServiceSettings):
    app_id: str = "sandbox"
    # Where "Twilio" delivers inbound messages: the message service's webhook.
    message_webhook_url: str = "http://127.0.0.1:8001/SmsReceived"
    message_meta_webhook_url: str = "http://127.0.0.1:8001/webhooks/meta"
    payment_webhook_url: str = "http://127.0.0.1:8003/payment-received"
    meta_phone_number_id: str = "100000000000001"
    meta_display_number: str = "15550783881"
    twilio_whatsapp_number: str = "whatsapp:+14155238886"
    webhook_timeout_seconds: float = 15.0  # Twilio's own budget
    # The address a person's browser uses for the sandbox, for links it shows them (the
    # checkout page) when the services reach it by another name (compose).
    public_url: str | None = None
    # The address the services reach the sandbox at, for the providers' own URLs (media,
    # covers, portraits, Content) when it is not the one a request came in on (compose).
    provider_url: str | None = None
    # The sandbox plays the internet, which reaches a public address by another route than
    # a container does: {"http://localhost:8002": "http://image:8000"} in compose, where the
    # image service's links are made for the person's browser on the host.
    public_routes: dict[str, str] = Field(default_factory=dict)
    # The events panel watches every topic as one more consumer; a benchmark turns it off
    # so that the sandbox is not what it measures.
    observe_events: bool = True
    # How big the fake Astria's portraits are, in MB: each between the two, as Astria's
    # are (2 to 10 MB). (0, 0) keeps them small (768 px), which the test suites use for
    # time; one journey there asks for real sizes.
    astria_portrait_megabytes: tuple[float, float] = (2, 10)
