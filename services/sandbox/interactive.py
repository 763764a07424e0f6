"""Buttons, lists and link buttons as the fake providers accept them.

Each channel's payload is checked against the limits WhatsApp documents
(Meta's Cloud API pages on interactive messages; for Twilio, its Content API pages per type
API), so what a real provider would refuse is refused here too. What was accepted is kept in
one shape for both channels, which the chat page draws and the tests tap:
`{"type": "buttons" | "list" | "link", "options": [{"id", "title", "description"}],
"button": list opener or None, "url": link or None}`.
"""

import json
import re
from typing import Any

# The documents WhatsApp sends, on either channel (Meta's supported media types; Twilio's
# WhatsApp media guidance lists the same).
DOCUMENT_TYPES = frozenset(
    {
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)


class Refused(ValueError):
    """A payload the provider would answer 400 to; the message says which field."""


def _text(value: Any, field: str, most: int, *, required: bool = True) -> str:
    text = value if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise Refused(f"{field} must be a string")
    if required and not text:
        raise Refused(f"{field} is required")
    if len(text) > most:
        raise Refused(f"{field} must be at most {most} characters")
    return text


def _items(value: Any, field: str, fewest: int, most: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Refused(f"{field} must be a list of objects")
    if not fewest <= len(value) <= most:
        raise Refused(f"{field} must have {fewest} to {most} entries")
    return value


def _unique(values: list[str], field: str) -> None:
    if len(set(values)) != len(values):
        raise Refused(f"{field} must be unique")


def _option(id_: str, title: str, description: str = "") -> dict[str, str]:
    return {"id": id_, "title": title, "description": description}


def _url(value: Any, field: str) -> str:
    url = _text(value, field, 2000)
    if not re.match(r"https?://[^/\s]+", url):
        raise Refused(f"{field} must be an http(s) URL")
    return url


def shown(
    kind: str, options: list[dict[str, str]], button: str | None = None, url: str | None = None
) -> dict[str, Any]:
    return {"type": kind, "options": options, "button": button, "url": url}


# Meta's Cloud API: the `interactive` object of a message (A.2 buttons, A.3 list, A.4 cta_url).


def meta(interactive: Any) -> tuple[str, dict[str, Any]]:
    """(body text, what the person sees) of an interactive message; Refused if Meta would."""
    if not isinstance(interactive, dict):
        raise Refused("interactive must be an object")
    kind = interactive.get("type")
    action = interactive.get("action")
    if not isinstance(action, dict):
        raise Refused("interactive['action'] is required")
    body_most = 4096 if kind == "list" else 1024
    body = _text((interactive.get("body") or {}).get("text"), "body['text']", body_most)
    if kind == "button":
        buttons = _items(action.get("buttons"), "action['buttons']", 1, 3)
        options = []
        for button in buttons:
            reply = button.get("reply") or {}
            if button.get("type") != "reply":
                raise Refused("action['buttons'][]['type'] must be reply")
            options.append(
                _option(
                    _text(reply.get("id"), "reply['id']", 256),
                    _text(reply.get("title"), "reply['title']", 20),
                )
            )
        _unique([o["title"] for o in options], "button titles")
        _unique([o["id"] for o in options], "button ids")
        return body, shown("buttons", options)
    if kind == "list":
        opener = _text(action.get("button"), "action['button']", 20)
        sections = _items(action.get("sections"), "action['sections']", 1, 10)
        options = []
        for section in sections:
            if len(sections) > 1:
                _text(section.get("title"), "section['title']", 24)
            for row in _items(section.get("rows"), "section['rows']", 1, 10):
                options.append(
                    _option(
                        _text(row.get("id"), "row['id']", 200),
                        _text(row.get("title"), "row['title']", 24),
                        _text(row.get("description"), "row['description']", 72, required=False),
                    )
                )
        if len(options) > 10:
            raise Refused("a list has at most 10 rows in all")
        _unique([o["id"] for o in options], "row ids")
        return body, shown("list", options, button=opener)
    if kind == "cta_url":
        parameters = action.get("parameters") or {}
        if action.get("name") != "cta_url":
            raise Refused("action['name'] must be cta_url")
        label = _text(parameters.get("display_text"), "parameters['display_text']", 20)
        url = _url(parameters.get("url"), "parameters['url']")
        return body, shown("link", [_option(url, label)], url=url)
    raise Refused("interactive['type'] must be button, list or cta_url")


# Twilio's Content API: one content type per template, its text filled from ContentVariables.

TWILIO_TYPES = ("twilio/quick-reply", "twilio/list-picker", "twilio/call-to-action", "twilio/text")
VARIABLE = re.compile(r"\{\{(\w{1,16})\}\}")


def twilio_types(types: Any) -> None:
    """Refused unless `types` is one content type WhatsApp can show in a session (B.2)."""
    if not isinstance(types, dict) or len(types) != 1:
        raise Refused("types must hold exactly one content type")
    [(kind, content)] = types.items()
    if kind not in TWILIO_TYPES or not isinstance(content, dict):
        raise Refused(f"types['{kind}'] is not a content type the sandbox knows")
    _text(content.get("body"), f"{kind} body", 1024)
    if kind == "twilio/quick-reply":
        # WhatsApp shows 3 buttons in a session without approval; titles as Meta's (A.2).
        actions = _items(content.get("actions"), "actions", 1, 3)
        for action in actions:
            if action.get("type", "QUICK_REPLY") != "QUICK_REPLY":
                raise Refused("quick-reply actions have type QUICK_REPLY")
            _text(action.get("title"), "actions[].title", 20)
            _text(action.get("id"), "actions[].id", 256)
        _unique([a["title"] for a in actions], "action titles")
    elif kind == "twilio/list-picker":
        _text(content.get("button"), "button", 20)
        for item in _items(content.get("items"), "items", 1, 10):
            _text(item.get("item"), "items[].item", 24)
            _text(item.get("id"), "items[].id", 200)
            # Required, as Twilio's list-picker page has it (twilio.com/docs/content/
            # twiliolist-picker), though Meta's rows may go without.
            _text(item.get("description"), "items[].description", 72)
    elif kind == "twilio/call-to-action":
        for action in _items(content.get("actions"), "actions", 1, 2):
            if action.get("type") != "URL":
                raise Refused("the sandbox's call-to-action takes URL actions")
            _text(action.get("title"), "actions[].title", 25)
            _text(action.get("url"), "actions[].url", 2000)


# What WhatsApp refuses in a template's variable: "Param text cannot have new-line/tab
# characters or more than 4 consecutive spaces" (Meta, #132018); Twilio fails the message
# with 63013 ("more than 4 consecutive whitespaces replace a placeholder").
TEMPLATE_VARIABLE_REFUSED = re.compile(r"[\n\t]| {5,}")
# A template's text with its variables filled in (Twilio 63021, Meta's body limit).
TEMPLATE_TEXT_MAX = 1024


def twilio_variables(raw: str | None) -> dict[str, str]:
    """ContentVariables as Twilio reads them: a JSON object of non-empty strings (21656)."""
    if raw is None:
        return {}
    try:
        variables = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Refused("ContentVariables is not JSON") from exc
    if not isinstance(variables, dict) or not all(
        isinstance(v, str) and v for v in variables.values()
    ):
        raise Refused("ContentVariables values must be non-empty strings")
    return variables


def twilio_render(
    types: dict[str, Any], variables: dict[str, str]
) -> tuple[str, dict[str, Any] | None]:
    """(body, what the person sees) of a content template filled with its variables."""

    def fill(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            if match.group(1) not in variables:
                raise Refused(f"ContentVariables has no value for {{{{{match.group(1)}}}}}")
            return variables[match.group(1)]

        return VARIABLE.sub(value, text)

    [(kind, content)] = types.items()
    body = fill(content["body"])
    if kind == "twilio/quick-reply":
        options = [_option(fill(a["id"]), fill(a["title"])) for a in content["actions"]]
        return body, shown("buttons", options)
    if kind == "twilio/list-picker":
        options = [
            _option(fill(i["id"]), fill(i["item"]), fill(i.get("description") or ""))
            for i in content["items"]
        ]
        return body, shown("list", options, button=fill(content["button"]))
    if kind == "twilio/call-to-action":
        links = [_option(_url(fill(a["url"]), "url"), fill(a["title"])) for a in content["actions"]]
        return body, shown("link", links, url=links[0]["id"])
    return body, None
