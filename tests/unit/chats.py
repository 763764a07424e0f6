"""What a person sends the pure conversation, and what the bot says back, for its tests."""

import itertools
from typing import Any

from services.message.domain.conversation import Decision, Media, UserMessage

EN_USER = "whatsapp:+15551234567"
ES_USER = "whatsapp:+34612345678"
PHOTO = Media("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1", "image/jpeg")

_ids = itertools.count(1)


def message(**fields: Any) -> UserMessage:
    """A message from the person, with an id of its own."""
    return UserMessage(message_id=f"m{next(_ids)}", **fields)


def typed(body: str) -> UserMessage:
    return message(text=body)


def tapped(option_id: str, title: str = "whatever the person saw") -> UserMessage:
    return message(text=title, choice=option_id)


def photo() -> UserMessage:
    return message(media=(PHOTO,))


def said(decision: Decision) -> str:
    return "\n".join(r.text for r in decision.replies if r.text)
