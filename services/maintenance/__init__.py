"""The maintenance service: runs scheduled cleanup and reconciliation, and records dead letters."""
