"""WhatsApp's customer-service window: free-form messages are allowed for 24 hours after
the person's last message; outside it only an approved template may be sent."""

from datetime import timedelta

WINDOW = timedelta(hours=24)

# What WhatsApp takes as a template's variable: no new line, no tab and no more than four
# spaces in a row (Meta refuses the send, #132018; Twilio fails it, 63013), and the
# template's text with its variables within 1,024 characters (Twilio 63021). Twilio
# advises values under 250 characters.
TEMPLATE_VARIABLE_MAX = 240


def template_variable(text: str) -> str:
    """`text` as one short line a template can carry: its lines joined by single spaces,
    cut at a word with an ellipsis when too long. Empty when `text` has no words."""
    line = " ".join(text.split())
    if len(line) <= TEMPLATE_VARIABLE_MAX:
        return line
    return line[: TEMPLATE_VARIABLE_MAX - 1].rsplit(" ", 1)[0] + "…"
