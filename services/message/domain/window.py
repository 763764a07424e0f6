"""WhatsApp's customer-service window: free-form messages are allowed for 24 hours after
the person's last message; outside it only an approved template may be sent."""

from datetime import timedelta

WINDOW = timedelta(hours=24)
