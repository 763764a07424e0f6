"""The Azure deployment agrees with the code: app-ids, components, subscriptions, scale."""

import re

import pytest

from shared.events.topics import DEADLETTER_TOPIC, Topic
from tests.contract.test_components import USED_COMPONENTS
from tools import devstack
from tools.asyncapi.document import APPS, subscribed

BICEP = (devstack.ROOT / "deploy" / "azure" / "main.bicep").read_text()


def bicep_subscriptions() -> dict[str, set[str]]:
    block = BICEP[
        BICEP.index("var subscriptions = {") : BICEP.index(
            "}", BICEP.index("var subscriptions = {")
        )
    ]
    found = {}
    for topic, apps in re.findall(r"^\s*'?([\w.]+)'?: \[([^\]]*)\]", block, re.MULTILINE):
        found[topic] = set(re.findall(r"'(\w+)'", apps))
    return found


def test_every_topic_has_a_service_bus_topic():
    assert set(bicep_subscriptions()) == {t.value for t in Topic} | {DEADLETTER_TOPIC}


@pytest.mark.parametrize("app", APPS)
def test_each_app_has_a_subscription_for_every_topic_it_subscribes_to(app):
    in_bicep = {topic for topic, apps in bicep_subscriptions().items() if app in apps}
    assert in_bicep == subscribed(app)


def test_the_components_the_code_uses_are_declared_and_scoped():
    for name in USED_COMPONENTS:
        assert f"name: '{name}'" in BICEP
    assert "scopes: ['maintenance']" in BICEP  # the cron bindings
    assert "scopes: ['image']" in BICEP  # the blob binding


def test_only_webhook_receivers_face_the_internet_and_maintenance_is_one_replica():
    assert (
        "var external = { message: true, image: true, payment: true, maintenance: false }" in BICEP
    )
    assert "app == 'maintenance' ? { minReplicas: 1, maxReplicas: 1 }" in BICEP
    assert "subscriptionName: app" in BICEP


def test_pubsub_deliveries_are_retried_before_the_dead_letters_on_aca():
    # Without an inbound policy, Dapr dead-letters a message at its first failure.
    policy = BICEP[BICEP.index("resource pubsubResiliency") :]
    policy = policy[: policy.index("\n}\n")]
    assert "parent: pubsub" in policy
    inbound = policy[policy.index("inboundPolicy") : policy.index("outboundPolicy")]
    retries = int(re.search(r"maxRetries: (\d+)", inbound)[1])  # type: ignore[index]
    ceiling = int(re.search(r"maxIntervalInMilliseconds: (\d+)", inbound)[1])  # type: ignore[index]
    assert retries * ceiling / 1000 >= 25 * 60  # about half an hour, as on every profile
    assert "parent: statestore" in BICEP[BICEP.index("resource statestoreResiliency") :]


def test_the_deployment_is_usable_on_day_one():
    # The deployer can write the vault's secrets; the apps can reach PostgreSQL.
    assert "roles.keyVaultSecretsOfficer" in BICEP
    assert "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" in BICEP
    assert "firewallRules" in BICEP
    assert "daprAIConnectionString" in BICEP
    # Provider settings are parameters, never the sandbox's defaults.
    for setting in ("TWILIO_TEMPLATE_SID", "META_PHONE_NUMBER_ID", "SUCCESS_URL", "CANCEL_URL"):
        assert f"name: '{setting}'" in BICEP
    assert "14155238886" not in BICEP
