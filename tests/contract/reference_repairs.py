"""Where a provider's own OpenAPI document is wrong about what the provider takes: each
repair says what the document gets wrong and which page of the provider's documentation
says otherwise. Applied when tests/contract/openapi.py loads the document; everything
else is checked as the provider published it."""

from collections.abc import Callable
from typing import Any

Spec = dict[str, Any]


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for value in node.values() for n in _walk(value))]
    if isinstance(node, list):
        return [n for item in node for n in _walk(item)]
    return []


def closed_over_all_parts(spec: Spec) -> None:
    """Each message type is `allOf: [BaseMessageProperties, {…, additionalProperties:
    false}]`, which under JSON Schema refuses `to` and `messaging_product` themselves, so
    no message at all would pass. Meant, and kept as strict: no property outside the
    parts, which is `unevaluatedProperties: false` on the whole.
    Page: developers.facebook.com/docs/whatsapp/cloud-api/reference/messages"""
    for node in _walk(spec):
        parts = node.get("allOf")
        if isinstance(parts, list) and any(
            isinstance(p, dict) and p.get("additionalProperties") is False for p in parts
        ):
            for part in parts:
                if isinstance(part, dict):
                    part.pop("additionalProperties", None)
            node["unevaluatedProperties"] = False


def call_to_action_url(spec: Spec) -> None:
    """The document knows no `cta_url` interactive message (a button that opens a URL),
    which Meta sends: `interactive.type: cta_url` with `action.name: cta_url` and
    `action.parameters` holding `display_text` (20 characters at most) and `url`.
    Page: developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-cta-url-messages"""
    schemas = spec["components"]["schemas"]
    schemas["InteractiveObject"]["properties"]["type"]["enum"].append("cta_url")
    schemas["ActionObject"]["oneOf"].append(
        {
            "required": ["name", "parameters"],
            "properties": {
                "name": {"type": "string", "enum": ["cta_url"]},
                "parameters": {
                    "type": "object",
                    "required": ["display_text", "url"],
                    "additionalProperties": False,
                    "properties": {
                        "display_text": {"type": "string", "maxLength": 20},
                        "url": {"type": "string"},
                    },
                },
            },
        }
    )


def read_with_typing(spec: Spec) -> None:
    """Marking a message read (and showing "typing…") is a POST to the same /messages,
    with `status: read`, the `message_id` and an optional `typing_indicator`; the document
    lists only messages sent.
    Pages: developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read and
    developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators"""
    spec["components"]["schemas"]["Message"]["oneOf"].append(
        {
            "type": "object",
            "required": ["messaging_product", "status", "message_id"],
            "additionalProperties": False,
            "properties": {
                "messaging_product": {"type": "string", "enum": ["whatsapp"]},
                "status": {"type": "string", "enum": ["read"]},
                "message_id": {"type": "string"},
                "typing_indicator": {
                    "type": "object",
                    "required": ["type"],
                    "additionalProperties": False,
                    "properties": {"type": {"type": "string", "enum": ["text"]}},
                },
            },
        }
    )


def incoming_messages(spec: Spec) -> None:
    """A message a person sends is described by the schemas of messages the business sends
    (`TextMessage`: `to`, `recipient_type` and `messaging_product` required), so the
    document refuses its own webhook examples. What Meta sends: `from`, `id`, `timestamp`
    and `type`, optional `context`, and the object named by `type`.
    Page: developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages"""
    text = {"type": "string"}
    spec["components"]["schemas"]["IncomingMessage"] = {
        "type": "object",
        "required": ["from", "id", "timestamp", "type"],
        "properties": {
            "from": text,
            "id": text,
            "timestamp": text,
            "type": {
                "type": "string",
                "enum": [
                    "audio",
                    "button",
                    "contacts",
                    "document",
                    "image",
                    "interactive",
                    "location",
                    "order",
                    "reaction",
                    "request_welcome",
                    "sticker",
                    "system",
                    "text",
                    "unknown",
                    "unsupported",
                    "video",
                ],
            },
            "context": {"type": "object", "properties": {"from": text, "id": text}},
            "text": {"type": "object", "required": ["body"], "properties": {"body": text}},
            "image": {"type": "object", "required": ["id"], "properties": {"id": text}},
            "button": {"type": "object", "required": ["payload", "text"]},
            "interactive": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["button_reply", "list_reply", "nfm_reply"]}},
            },
        },
    }


META: list[Callable[[Spec], None]] = [
    closed_over_all_parts,
    call_to_action_url,
    read_with_typing,
    incoming_messages,
]
