"""Property-based: whatever a provider (or anyone) sends, each webhook parser answers with
a parsed event or `Rejected` (a 4xx), never another exception (a 500 after part of a
batch went out). Bodies are generated near the providers' shapes, so the parsers' inner
branches are reached, not only their first type check."""

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from services.image.handlers import _parse_time
from services.message.adapters import meta_inbound, twilio_inbound
from shared.errors import Rejected
from shared.webhook_body import parse_json
from tests.fakes import T0

# Derandomized: every run tries the same 300 cases, so CI is reproducible.
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["text", "image", "reaction", "interactive", "button", "messages", "1"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | json_values


SENDERS = ["15551230001", "34600000001"]
meta_contact = st.fixed_dictionaries(
    {"wa_id": st.sampled_from(SENDERS)},
    optional={
        "profile": maybe(st.fixed_dictionaries({"name": json_values})),
        "user_id": json_values,
    },
)
meta_message = st.fixed_dictionaries(
    {},
    optional={
        "from": maybe(st.sampled_from(SENDERS)),
        "id": maybe(st.text(min_size=1, max_size=12)),
        "type": maybe(st.sampled_from(["text", "image", "audio", "interactive", "button"])),
        "timestamp": maybe(st.integers().map(str)),
        "text": maybe(st.fixed_dictionaries({}, optional={"body": json_values})),
        "image": maybe(
            st.fixed_dictionaries({}, optional={"id": json_values, "mime_type": json_values})
        ),
        "interactive": json_values,
    },
)
meta_notification = st.fixed_dictionaries(
    {
        "object": maybe(st.just("whatsapp_business_account")),
        "entry": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "changes": maybe(
                            st.lists(
                                st.fixed_dictionaries(
                                    {
                                        "field": maybe(st.just("messages")),
                                        "value": maybe(
                                            st.fixed_dictionaries(
                                                {},
                                                optional={
                                                    "contacts": maybe(
                                                        st.lists(maybe(meta_contact), max_size=2)
                                                    ),
                                                    "messages": maybe(
                                                        st.lists(maybe(meta_message), max_size=3)
                                                    ),
                                                    "statuses": json_values,
                                                },
                                            )
                                        ),
                                    }
                                ),
                                max_size=2,
                            )
                        )
                    }
                ),
                max_size=2,
            )
        ),
    }
)


@FUZZ
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_parse_json_returns_json_or_rejects(raw: bytes) -> None:
    with contextlib.suppress(Rejected):
        parse_json(raw)


def notification(contact: Any, message: Any) -> dict[str, Any]:
    value = {"contacts": [contact], "messages": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


@FUZZ
@given(meta_notification | json_values)
# Found by hand first: a profile name that is not text failed the event's validation (500).
@example(notification({"wa_id": "1555", "profile": {"name": 5}}, {"from": "1555", "id": "x"}))
def test_a_meta_notification_parses_whole_or_is_rejected_whole(body: Any) -> None:
    try:
        messages, _statuses = meta_inbound.parse_notification(body, T0)
    except Rejected:
        return
    for message in messages:  # what will be published must serialise
        message.model_dump_json()


twilio_form = st.dictionaries(
    st.sampled_from(
        [
            "MessageSid",
            "From",
            "Body",
            "NumMedia",
            "MediaUrl0",
            "MediaContentType0",
            "ProfileName",
            "MessageType",
        ]
    ),
    st.text(max_size=30) | st.integers(min_value=-5, max_value=20).map(str),
)


@FUZZ
@given(twilio_form)
def test_a_twilio_form_parses_or_is_rejected(fields: dict[str, str]) -> None:
    with contextlib.suppress(Rejected):
        twilio_inbound.parse_inbound(FormData(fields), T0)


@FUZZ
@given(json_values)
def test_astrias_times_parse_or_are_absent(value: Any) -> None:
    parsed = _parse_time(value)
    assert parsed is None or parsed.year > 0
