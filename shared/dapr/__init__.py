"""The only place the services touch the Dapr SDK."""
