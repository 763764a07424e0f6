"""The bot's services; each sub-package is one deployable app with its own sidecar."""
