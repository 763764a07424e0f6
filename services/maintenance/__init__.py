"""The maintenance service: Runs scheduled cleanup and reconciliation, and records dead letters."""
