"""The AsyncAPI 3 document of the events, generated from the event catalogue and the
apps' own subscriptions (`python -m tools.asyncapi` rewrites it), and its validator."""
