"""The message service: the only one that talks to WhatsApp, in and out."""
