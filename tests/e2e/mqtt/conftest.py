import pytest

from tests.e2e.stack import TEST_SCHEDULES, running
from tools.stack import Stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """The `mqtt` profile: pub/sub on mosquitto (MQTT 3.1.1), state as on `local`."""
    system = Stack("mqtt", tmp_path_factory.mktemp("stack-mqtt"), schedules=TEST_SCHEDULES)
    with running(request, system, "mqtt") as started:
        yield started
