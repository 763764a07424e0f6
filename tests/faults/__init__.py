"""Fault tests: the real system on the `redis` profile, broken on purpose."""

import os

# The fault stacks run with Dapr's retries backing off five times as fast, and the outage
# tests' outages a fifth as long: the same policies, so an outage still outlasts the first
# retries, in seconds of test instead of minutes. `make soak` runs them at 1, in real time.
TIME_SCALE = float(os.environ.get("FAULT_TIME_SCALE", "0.2"))

# Callbacks lost while a process was down are fetched 15 s after the tune's ETA. The
# sandbox plays Twilio and Meta on the same two cores as everything else (and, under
# `make test`, beside the other suites): give its answers time, since a send that times
# out after the provider took it is sent again, which no test here should mistake for a
# bug of the system under test.
FAULT_ENV = {
    "RECONCILE_OVERDUE_MINUTES": "0.25",
    "TWILIO_TIMEOUT_SECONDS": "30",
    "META_TIMEOUT_SECONDS": "30",
    "WEBHOOK_TIMEOUT_SECONDS": "60",  # the sandbox delivering a person's message
}
