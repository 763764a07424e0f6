"""Fault tests: the real system on the `redis` profile, broken on purpose."""

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
