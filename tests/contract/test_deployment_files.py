"""The deployment files, checked offline with the tools of their platforms (no Azure and no
cluster here; tests/e2e/test_compose.py runs the compose file): the Bicep parsed and linted
by checkov, the Kubernetes manifests rendered by kustomize and validated against Kubernetes'
schemas and Dapr's CRDs (strictly: a field the CRD does not know is an error, as
`initialInterval` was), and docker-compose.yml resolved by Docker Compose.
tools/deploy/install.sh builds the tools."""

import importlib
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from fastapi.routing import APIRoute

from tests.contract.test_deployment import SIDECAR_LIMIT
from tools import devstack, wiring
from tools.deploy import deploy_tool

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
# The Kubernetes release the manifests are validated against (AKS supports it in 2026).
KUBERNETES_VERSION = "1.33.0"
DAPR_KINDS = {
    "Component": "components",
    "Configuration": "configuration",
    "Resiliency": "resiliency",
}
SERVICES = ("message", "image", "payment", "maintenance")


@cache
def rendered() -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(deploy_tool("kustomize")), "build", str(KUBERNETES)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in rendered() if doc["kind"] == kind}


@cache
def dapr_schema(kind: str) -> dict[str, Any]:
    """The CRD's schema, closed: every object that lists its properties allows no others."""
    download = subprocess.run(
        ["go", "mod", "download", "-json", f"github.com/dapr/dapr@v{devstack.DAPRD_VERSION}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "tools" / "dapr" / "runtime",
    )
    crds = Path(json.loads(download.stdout)["Dir"]) / "charts" / "dapr" / "crds"
    crd = yaml.safe_load((crds / f"{DAPR_KINDS[kind]}.yaml").read_text())
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema: dict[str, Any] = closed(version["schema"]["openAPIV3Schema"])
    return schema


def closed(schema: Any) -> Any:
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def test_the_bicep_parses_and_passes_checkov_with_each_skip_justified():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "checkov"),
            "--directory",
            str(ROOT / "deploy" / "azure"),
            "--framework",
            "bicep",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["results"]["parsing_errors"] == []
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] >= 8
    for skipped in report["results"]["skipped_checks"]:
        # "checkov:skip=ID: why" — a skip without a reason is a silenced finding.
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]


def test_the_kubernetes_manifests_render_and_validate_against_their_schemas():
    kinds = {doc["kind"] for doc in rendered()}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "Ingress", "Component"} <= kinds
    for doc in rendered():
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in DAPR_KINDS:
            jsonschema.validate(doc, dapr_schema(doc["kind"]))
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert "set-from-settings-env" not in json.dumps(doc), f"{name}: a value was not filled"
        assert doc["metadata"].get("namespace", "astria-bot") == "astria-bot", name


def test_replica_ranges_are_the_original_systems_and_maintenance_is_one():
    ranges = {
        name: (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])
        for name, hpa in of_kind("HorizontalPodAutoscaler").items()
    }
    assert ranges == {"message": (3, 10), "image": (2, 5), "payment": (2, 3)}
    maintenance = of_kind("Deployment")["maintenance"]["spec"]
    # A cron binding fires in every replica, also in a rolling update's second one.
    assert (maintenance["replicas"], maintenance["strategy"]["type"]) == (1, "Recreate")


def test_every_app_has_its_sidecar_and_secrets_only_by_reference():
    deployments = of_kind("Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]
        annotations = pod["metadata"]["annotations"]
        assert annotations["dapr.io/enabled"] == "true"
        assert annotations["dapr.io/app-id"] == name
        assert annotations["dapr.io/app-port"] == "8000"
        assert annotations["dapr.io/config"] in of_kind("Configuration")
        assert annotations["dapr.io/max-body-size"] == SIDECAR_LIMIT
        [container] = pod["spec"]["containers"]
        # Traffic only once the app, its database and its sidecar answer; a restart only
        # when the process itself stops answering.
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        for variable in container["env"]:
            if any(word in variable["name"] for word in ("TOKEN", "DATABASE", "KEY", "SECRET")):
                assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]


def test_the_components_are_productions_with_the_same_types_and_scopes():
    production = {
        doc["metadata"]["name"]: doc
        for path in sorted((devstack.COMPONENTS / "production").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc["kind"] == "Component"
    }
    kubernetes = of_kind("Component")
    assert set(kubernetes) == set(production)
    for name, component in kubernetes.items():
        assert component["spec"]["type"] == production[name]["spec"]["type"], name
        assert component["scopes"] == production[name]["scopes"], name


# Apps whose routes are never public: maintenance's are the operator's API and the sidecar's
# cron bindings, reached with `kubectl port-forward` (deploy/kubernetes/README.md).
PRIVATE_APPS = {"maintenance"}


def public_routes() -> dict[str, str]:
    """Every route of every public app's own routers, as the app declares them (its
    SERVICE in app.py), to the app that serves it; a route with parameters by its prefix."""
    routes = {}
    for app in SERVICES:
        service = importlib.import_module(f"services.{app}.app").SERVICE
        for router in service.routers:
            for route in router.routes:
                if isinstance(route, APIRoute) and app not in PRIVATE_APPS:
                    routes[route.path.split("{", 1)[0]] = app
    return routes


def test_the_ingress_routes_every_public_route_of_every_app_and_nothing_else():
    services = of_kind("Service")
    [rule] = of_kind("Ingress")["webhooks"]["spec"]["rules"]
    paths = rule["http"]["paths"]
    backends = {p["path"]: p["backend"]["service"]["name"] for p in paths}
    assert set(backends.values()) <= set(services)
    assert backends == public_routes()
    # Portraits, documents and galleries among them: what Twilio, Meta and people fetch.
    assert {"/portraits/", "/documents/", "/gallery/", "/previews/"} <= set(backends)
    for path in paths:
        expected = "Prefix" if path["path"].endswith("/") else "Exact"
        assert path["pathType"] == expected, path


# Settings of the sandbox's wiring (tools/wiring.py) that production leaves to the settings'
# own defaults, each for a reason; every other one must be set by each deployment.
PRODUCTION_DEFAULTS = {
    "TWILIO_API_BASE": "Twilio's own API, the SDK's default host",
    "META_GRAPH_BASE": "graph.facebook.com at our Graph API version",
    "ASTRIA_API_BASE": "api.astria.ai",
    "STRIPE_API_BASE": "Stripe's own API, the SDK's default host",
    "TWILIO_MEDIA_HOSTS": "Twilio's media hosts",
    "META_MEDIA_HOSTS": "Meta's media host",
    "ALLOW_PRIVATE_MEDIA_HOSTS": "off: media only from the providers' public hosts",
    "ASTRIA_BRANCH": "Astria's default branch, which really trains",
    "TWILIO_STATUS_CALLBACK_URL": "made from PUBLIC_BASE_URL",
}


def wired(app: str) -> set[str]:
    """What `app` is told about where things are, in the sandbox's wiring table."""
    return set(wiring.sandbox_env(app, lambda peer: f"http://{peer}:8000"))


@pytest.mark.parametrize("app", SERVICES)
def test_every_setting_an_app_needs_is_set_in_its_kubernetes_deployment(app):
    [container] = of_kind("Deployment")[app]["spec"]["template"]["spec"]["containers"]
    names = {variable["name"] for variable in container["env"]}
    assert wired(app) - set(PRODUCTION_DEFAULTS) <= names
    assert {"APP_ID", "DATABASE_URL", "DAPR_API_TOKEN", "APP_API_TOKEN"} <= names


@pytest.mark.parametrize("app", SERVICES)
def test_every_setting_an_app_needs_is_set_in_its_container_app(app):
    bicep = (ROOT / "deploy" / "azure" / "main.bicep").read_text()
    common = re.search(r"env: concat\(\[(.*?)\], appSettings\[app\]\)", bicep, re.S)
    own = re.search(rf"^  {app}: \[(.*?)^  \]$|^  {app}: \[\]$", bicep, re.M | re.S)
    assert common is not None
    assert own is not None
    names = set(re.findall(r"name: '([A-Z_]+)'", common[1] + (own[1] or "")))
    assert wired(app) - set(PRODUCTION_DEFAULTS) <= names
    assert {"APP_ID", "DATABASE_URL"} <= names


def test_the_production_defaults_are_settings_the_apps_have():
    every = set().union(*(wired(app) for app in (*SERVICES, "sandbox")))
    assert set(PRODUCTION_DEFAULTS) <= every


def test_the_operations_commands_name_objects_that_exist():
    readme = (KUBERNETES / "README.md").read_text()
    kinds = {
        "deploy": "Deployment",
        "deployment": "Deployment",
        "hpa": "HorizontalPodAutoscaler",
        "svc": "Service",
    }
    named = re.findall(
        r"kubectl -n astria-bot [^\n]*?\b(deploy|deployment|hpa|svc)[/ ]([a-z-]+)", readme
    )
    assert {kind for kind, _ in named} == set(kinds)
    for kind, name in named:
        assert name in of_kind(kinds[kind]), f"{kind}/{name}"


def test_kubernetes_and_self_hosted_production_share_one_resiliency_policy():
    production = yaml.safe_load(
        (ROOT / "components" / "production" / "resiliency.yaml").read_text()
    )
    [kubernetes] = of_kind("Resiliency").values()
    assert kubernetes["spec"] == production["spec"]
    assert kubernetes["scopes"] == production["scopes"]


def test_docker_compose_resolves_the_file():
    result = subprocess.run(
        [str(deploy_tool("docker-compose")), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "DAPR_API_TOKEN": "", "APP_API_TOKEN": ""},
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    for name in (*SERVICES, "sandbox"):
        assert f"{name}-dapr" in services
        assert services[f"{name}-dapr"]["network_mode"] == f"service:{name}"
    mount = next(
        v for v in services["message-dapr"]["volumes"] if v["target"] == "/secrets/secrets.json"
    )
    # False (compose omits it): the engine is asked through its Mount API and refuses a
    # missing components/secrets.json ("bind source path does not exist") instead of
    # creating a directory in its place, as the short syntax does (create_host_path: true).
    assert mount["bind"].get("create_host_path", False) is False


def test_the_installer_provides_the_runtimes_the_tests_expect():
    script = (ROOT / "tools" / "dapr" / "install.sh").read_text()
    assert f'\nRUNTIME_VERSION="{devstack.DAPRD_VERSION}"' in script
    assert f'\nACA_RUNTIME_VERSION="{devstack.ACA_DAPRD_VERSION}"' in script


@pytest.mark.parametrize("kind", sorted(DAPR_KINDS))
def test_the_strict_dapr_schema_refuses_a_field_dapr_does_not_know(kind):
    """The check above can fail: an unknown field anywhere is an error."""
    doc = json.loads(json.dumps(next(d for d in rendered() if d["kind"] == kind)))
    doc["spec"]["initialInterval"] = "1s"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, dapr_schema(kind))


def test_the_kubernetes_schema_refuses_a_misspelt_field():
    deployment = json.loads(json.dumps(of_kind("Deployment")["message"]))
    deployment["spec"]["replica"] = 3
    with pytest.raises(jsonschema.ValidationError, match="'replica' was unexpected"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
