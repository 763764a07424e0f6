"""Every timeout that bounds a delivery, in one table, and the order they nest in.

A call made while handling a delivery must end (answered, or given up on) before Dapr
gives up on that delivery: otherwise Dapr delivers again while the first request is still
running, and the provider sees it twice. So, for each call:

    the client's worst case (timeout x tries + its sleeps) < DELIVERY_SECONDS

and Dapr's retries of a failed delivery (resiliency `delivery`) come on top. A webhook
answers its provider before the provider stops waiting. A handler that makes several
calls in one delivery (a download, then a save) may take longer; each step is
idempotent, so a redelivery that overlaps it does no harm. The services' settings take their
defaults from here; tests/contract/test_timeouts.py checks the nesting against every
profile's resiliency file and the settings' defaults.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """One client's call: each try's timeout, how many tries, the most it sleeps between."""

    seconds: float
    tries: int = 1
    sleeps: float = 0.0

    @property
    def worst(self) -> float:
        return self.seconds * self.tries + self.sleeps


# How long one delivery may take before Dapr or the broker hands it out again: the
# tightest of every profile's resiliency `delivery` timeout and broker redelivery timer
# (components/local and compose: 30 s; Redis `processingTimeout` and JetStream `ackWait`:
# 30 s; production, Kubernetes and Container Apps: 60 s, with a 60 s Service Bus lock).
DELIVERY_SECONDS = 30.0

# Calls a handler makes while Dapr waits.
SIDECAR = Budget(20)  # a state, secret, binding or publish call (DAPR_TIMEOUT_SECONDS)
TWILIO = Budget(10)  # a send through Twilio's Messages API
META = Budget(10)  # a send through the Graph API
MEDIA = Budget(20)  # a photo or portrait download (16 MB at most)
# Astria gives up on a request itself after 30 s (docs.astria.ai); we give up first, and
# the retry sends the same request, which Astria's idempotency answers with the first.
ASTRIA = Budget(25)
# The stripe library retries a connection error, a 409 and a 5xx (max_network_retries 2),
# sleeping 0.5 s then at most 1 s (stripe/_http_client.py, _sleep_time_seconds); Stripe
# answers a Checkout Session or a refund in well under a second.
STRIPE = Budget(7, tries=3, sleeps=1.5)

# A webhook's publish, and how long its caller waits for our answer: Twilio gives up on
# a webhook after 15 s (twilio.com/docs/usage/webhooks/webhooks-connection-overrides).
WEBHOOK_PUBLISH = Budget(10)
TWILIO_WAITS_SECONDS = 15.0
