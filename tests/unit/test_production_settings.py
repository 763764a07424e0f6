"""Production settings never default to the sandbox: the local profile says so itself."""

import pytest
from pydantic_settings import BaseSettings

from services.image.settings import ImageSettings
from services.maintenance.settings import MaintenanceSettings
from services.message.adapters.meta_sender import MetaSender
from services.message.settings import MessageSettings
from services.payment.settings import PaymentSettings
from shared.errors import Transient
from shared.settings import SettingMissing, required

SERVICES: list[type[BaseSettings]] = [
    MessageSettings,
    ImageSettings,
    PaymentSettings,
    MaintenanceSettings,
]
SANDBOX_HINTS = ("127.0.0.1", "localhost", "sandbox", "100000000000001")


@pytest.mark.parametrize("settings", SERVICES, ids=lambda s: s.__name__)
def test_no_default_points_at_the_sandbox(settings):
    for name, field in settings.model_fields.items():
        default = str(field.default)
        assert not any(hint in default for hint in SANDBOX_HINTS), (name, default)


def test_private_media_hosts_are_refused_unless_a_local_run_allows_them():
    assert ImageSettings.model_fields["allow_private_media_hosts"].default is False


def test_a_required_setting_without_a_value_stops_the_start_with_its_name():
    assert required("https://bot.example.com", "PUBLIC_BASE_URL", "why") == (
        "https://bot.example.com"
    )
    with pytest.raises(SettingMissing, match="PUBLIC_BASE_URL is not set"):
        required(None, "PUBLIC_BASE_URL", "the public URL Astria calls back")


def test_a_meta_reply_without_a_phone_number_id_waits_instead_of_vanishing():
    sender = MetaSender(
        graph_base="https://graph.example", phone_number_id=None, access_token="t", timeout=1
    )
    with pytest.raises(Transient, match="META_PHONE_NUMBER_ID"):
        sender.send_text(to="whatsapp:+15551234567", body="hi")
