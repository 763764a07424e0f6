"""I/O for the message service: providers, Dapr, database."""
