"""The AsyncAPI document is the catalogue's, current, and valid for the reference parser."""

import subprocess
from pathlib import Path

from shared.events import registry
from shared.events.topics import Topic
from tools.asyncapi.document import PATH, build, render

VALIDATOR = Path.home() / ".cache" / "whatsapp-astria-bot" / "asyncapi" / "validate.mjs"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120
    )


def test_the_committed_document_is_the_one_the_code_generates():
    assert PATH.read_text() == render(), (
        "shared/events/asyncapi.yaml drifted from the catalogue or the subscriptions; "
        "run `python -m tools.asyncapi` and commit it"
    )


def test_every_event_has_its_channel_its_publishers_and_its_receivers():
    document = build()
    operations = document["operations"]
    for event in registry.CATALOGUE:
        assert document["channels"][event.TOPIC]["address"] == event.TOPIC
        for service in registry.publishers_of(event):
            assert operations[f"{service}.sends.{event.TOPIC}"]["action"] == "send"
    assert operations["image.receives.payment.completed"]["action"] == "receive"
    assert operations["maintenance.receives.deadletter"]["action"] == "receive"
    assert "message.receives.photo.submitted" not in operations


def test_the_reference_parser_accepts_the_document():
    checked = validate(PATH)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A channel per topic and the dead letters'.
    assert f"valid: {len(Topic) + 1} channels" in checked.stdout


def test_the_reference_parser_refuses_a_broken_reference(tmp_path):
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(
        PATH.read_text().replace(
            "#/components/messages/PhotoChecked", "#/components/messages/Missing", 1
        )
    )
    checked = validate(broken)
    assert checked.returncode == 1
    assert "invalid-ref" in checked.stdout
