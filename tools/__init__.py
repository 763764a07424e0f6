"""Developer tooling: provisioning Dapr, starting the local stack. Not part of the product."""
