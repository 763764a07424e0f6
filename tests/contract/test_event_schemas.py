import json

import pytest

from shared.events import registry
from shared.events.topics import Topic


@pytest.mark.parametrize("topic", registry.PAYLOADS)
def test_the_committed_schema_matches_the_model(topic):
    committed = (registry.SCHEMA_DIR / f"{topic}.schema.json").read_text()
    assert committed == registry.render(topic), (
        f"{topic}: the model and its JSON Schema drifted; if the change is deliberate, "
        "run `python -m shared.events.registry` and commit the schema"
    )


def test_every_schema_file_belongs_to_a_known_topic():
    known = {f"{topic}.schema.json" for topic in registry.PAYLOADS}
    assert {p.name for p in registry.SCHEMA_DIR.glob("*.json")} == known


@pytest.mark.parametrize("topic", registry.PAYLOADS)
def test_payloads_carry_a_schema_version(topic):
    schema = json.loads(registry.render(topic))
    assert "schema_version" in schema["properties"]


def test_every_topic_carries_exactly_one_event_type():
    topics = [event.TOPIC for event in registry.CATALOGUE]
    assert sorted(topics) == sorted(t.value for t in Topic)


@pytest.mark.parametrize("event", registry.CATALOGUE, ids=lambda e: e.__name__)
def test_each_event_is_published_by_known_services(event):
    assert set(registry.publishers_of(event)) <= {"message", "image", "payment", "maintenance"}
