"""Code shared by every service: event contracts, Dapr helpers, settings, logging, DB."""
