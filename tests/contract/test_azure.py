"""The Azure deployment agrees with the code: app-ids, components, subscriptions, scale."""

import json
import re
from typing import Any

import pycep
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


# Microsoft's published schema of each Microsoft.App API version main.bicep uses, vendored by
# tools/references (the resource types it uses, and what they reach).
ARM_SCHEMAS = {
    "2025-01-01": devstack.ROOT
    / "tests/contract/references/arm-schemas-2025-01-01-Microsoft.App.json",
}
# Checked by hand instead: no GA version has Dapr resiliency policies yet.
UNCHECKED = {
    "Microsoft.App/managedEnvironments/daprComponents/resiliencyPolicies@2024-10-02-preview"
}
# Bicep's own keys, never sent to Azure.
BICEP_ONLY = {"parent", "dependsOn", "scope"}


def parsed() -> dict[str, Any]:
    return dict(pycep.BicepParser().parse(text=BICEP))


class Schema:
    """One ARM schema document: which properties exist where."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The object and array shapes a value may take here ([] when anything goes: an
        expression, a string)."""
        if not schema:
            return []
        if "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/definitions/"):
                return []  # Microsoft's common `expression`: any ARM expression
            return self.resolve(self.document["definitions"][ref.removeprefix("#/definitions/")])
        shapes = [schema] if "properties" in schema or "items" in schema else []
        for key in ("oneOf", "anyOf", "allOf"):
            for option in schema.get(key, []):
                shapes += self.resolve(option)
        return shapes

    def properties(self, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        """Every property an object may have here; None when any name goes."""
        names: dict[str, Any] = {}
        for shape in self.resolve(schema):
            if "additionalProperties" in shape and shape["additionalProperties"] is not False:
                return None
            names |= shape.get("properties", {})
        return names

    def items(self, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        for shape in self.resolve(schema):
            if "items" in shape:
                return shape["items"]  # type: ignore[no-any-return]
        return None


def unknown_properties(
    node: Any, schema: dict[str, Any] | None, arm: Schema, variables: dict[str, Any], path: str
) -> list[str]:
    """Every property of a parsed Bicep value that its schema does not have, with its path;
    expressions are followed into the literal objects they may yield (a variable indexed by
    app, both arms of a condition, concat's arrays)."""
    if isinstance(node, str):
        if node in variables and isinstance(variables[node]["value"], dict | list):
            return unknown_properties(variables[node]["value"], schema, arm, variables, path)
        return []
    if isinstance(node, list):
        return [
            problem
            for item in node
            for problem in unknown_properties(item, arm.items(schema), arm, variables, path + "[]")
        ]
    if not isinstance(node, dict):
        return []
    if set(node) in ({"operator"}, {"function"}):
        expression = node.get("operator") or node["function"]
        operands = expression.get("operands") or expression.get("parameters") or {}
        found = []
        if expression.get("type") == "property_accessor":
            return []  # a value read from elsewhere (`identity.id`, `replicas[app].min`)
        if expression.get("type") == "index_accessor" and operands["operand_1"] in variables:
            for value in variables[operands["operand_1"]]["value"].values():
                found += unknown_properties(value, schema, arm, variables, path)
            return found
        for operand in operands.values():
            found += unknown_properties(operand, schema, arm, variables, path)
        return found
    names = arm.properties(schema)
    if names is None:
        return []
    found = []
    for key, value in node.items():
        if key not in names:
            found.append(f"{path}.{key}")
        else:
            found += unknown_properties(value, names[key], arm, variables, f"{path}.{key}")
    return found


def test_every_azure_container_apps_resource_uses_only_what_its_api_version_has():
    tree = parsed()
    checked = set()
    for name, resource in tree["resources"].items():
        kind, version = resource["type"], resource["api_version"]
        if not kind.startswith("Microsoft.App/"):
            continue
        if f"{kind}@{version}" in UNCHECKED:
            continue
        assert version in ARM_SCHEMAS, f"{name}: no schema vendored for {kind}@{version}"
        arm = Schema(json.loads(ARM_SCHEMAS[version].read_text()))
        definition = arm.document["resourceDefinitions"][
            kind.removeprefix("Microsoft.App/").replace("/", "_")
        ]
        body = resource["config"].get("config", resource["config"])  # a loop's body
        body = {k: v for k, v in body.items() if k not in BICEP_ONLY}
        assert unknown_properties(body, definition, arm, tree["variables"], name) == []
        checked.add(kind)
    assert checked == {
        "Microsoft.App/managedEnvironments",
        "Microsoft.App/managedEnvironments/daprComponents",
        "Microsoft.App/containerApps",
    }


def test_the_schema_check_finds_a_property_its_version_lacks():
    """As in 2024-03-01, whose custom scale rules had no `identity`: the check above fails."""
    tree = parsed()
    arm = Schema(json.loads(ARM_SCHEMAS["2025-01-01"].read_text()))
    del arm.document["definitions"]["CustomScaleRule"]["properties"]["identity"]
    apps = tree["resources"]["containerApps"]["config"]["config"]
    apps = {k: v for k, v in apps.items() if k not in BICEP_ONLY}
    found = unknown_properties(
        apps, arm.document["resourceDefinitions"]["containerApps"], arm, tree["variables"], "apps"
    )
    assert found
    assert set(found) == {"apps.properties.template.scale.rules[].custom.identity"}


def test_apps_scale_on_the_service_bus_work_they_consume_within_the_original_ranges():
    variables = parsed()["variables"]
    replicas = {app: (r["min"], r["max"]) for app, r in variables["replicas"]["value"].items()}
    assert replicas == {
        "message": (3, 10),
        "image": (2, 5),
        "payment": (2, 3),
        "maintenance": (1, 1),
    }
    for app, rules in variables["scaleRules"]["value"].items():
        bus = [rule["custom"] for rule in rules if isinstance(rule, dict) and "custom" in rule]
        assert all(rule["type"] == "azure-servicebus" for rule in bus)
        assert {rule["metadata"]["subscriptionName"] for rule in bus} <= {app}
        assert {rule["metadata"]["topicName"] for rule in bus} <= subscribed(app)
        # Each rule reads the bus with the apps' identity (no connection string).
        assert all("identity" in rule for rule in bus)
        assert bool(bus) == (app != "maintenance"), app
    assert "rules: scaleRules[app]" in BICEP
