"""The alerts read what the code counts and logs: every metric, label and log phrase an
alert names exists, so no alert waits for something that can never happen."""

import re

import yaml
from prometheus_client import Counter, Gauge

from shared import metrics
from tools import devstack

ROOT = devstack.ROOT
RULES = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
BICEP = (ROOT / "deploy" / "azure" / "main.bicep").read_text()
COUNTERS = {
    f"{value._name}_total" if isinstance(value, Counter) else value._name: value
    for value in vars(metrics).values()
    if isinstance(value, Counter | Gauge)
}
SOURCE = "\n".join(
    p.read_text() for p in [*ROOT.glob("services/*/**/*.py"), *ROOT.glob("shared/**/*.py")]
)


def rules():
    return [rule for group in RULES["groups"] for rule in group["rules"]]


def test_every_prometheus_rule_is_complete():
    for rule in rules():
        assert {"alert", "expr", "labels", "annotations"} <= rule.keys(), rule
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]


def test_every_metric_and_label_a_rule_reads_is_one_the_services_count():
    for rule in rules():
        named = re.findall(r"\b(bot_\w+)(\{[^}]*\})?", rule["expr"])
        assert named, rule["alert"]
        for name, matchers in named:
            assert name in COUNTERS, (rule["alert"], name)
            labels = set(re.findall(r"(\w+)\s*=~?", matchers))
            assert labels <= set(COUNTERS[name]._labelnames), (rule["alert"], labels)
        for label in re.findall(r"by \(([\w, ]+)\)", rule["expr"]):
            for name, _ in named:
                assert set(label.replace(" ", "").split(",")) <= set(COUNTERS[name]._labelnames)


def test_the_routes_and_values_the_rules_match_exist():
    expressions = " ".join(rule["expr"] for rule in rules())
    for route in re.findall(r'route="([^"]+)"', expressions):
        assert f'"{route}"' in SOURCE, route
    assert 'result="window_closed"' in expressions
    assert '"window_closed"' in SOURCE


def bicep_phrases():
    block = BICEP[BICEP.index("var alerts = [") : BICEP.index("resource logAlerts")]
    return re.findall(r'Log_s has "((?:[^"\\]|\\\\")+)"', block)


def test_every_phrase_an_azure_alert_looks_for_is_one_the_code_logs():
    phrases = bicep_phrases()
    assert len(phrases) >= 5
    for phrase in phrases:
        plain = phrase.replace('\\\\"', "")
        assert plain in SOURCE, phrase


def test_azure_and_prometheus_alert_on_the_same_things():
    on_azure = set(re.findall(r"^\s+name: '([\w-]+)'\n\s+severity:", BICEP, re.MULTILINE))
    assert on_azure == {
        "dead-letters",
        "refund-rate",
        "outside-the-window",
        "stripe-webhook-failures",
        "stuck-orders",
    }
    in_prometheus = {rule["alert"] for rule in rules()}
    assert {
        "DeadLetters",
        "RefundRateHigh",
        "OutsideTheWindowRejections",
        "StripeWebhookFailures",
        "StuckOrders",
    } <= in_prometheus
