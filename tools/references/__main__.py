"""Vendor the parts of the providers' own OpenAPI documents that the bot's calls use, with
their licences, into tests/contract/references/ (read by tests/contract/openapi.py), and
the parts of Azure's resource schemas that deploy/azure/main.bicep uses.

    python -m tools.references TWILIO_OAI FACEBOOK_OPENAPI ARM_SCHEMAS

TWILIO_OAI, FACEBOOK_OPENAPI and ARM_SCHEMAS are clones of github.com/twilio/twilio-oai,
github.com/facebook/openapi and github.com/Azure/azure-resource-manager-schemas (ARM_SCHEMAS
may be a bare one: it is read with `git show`). Each document keeps its header, the
operations or resource types listed below, and everything those reach (followed through
`$ref`), unchanged.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parents[2] / "tests" / "contract" / "references"

# file in the provider's repository -> the operations the bot makes or receives there.
TWILIO = {
    "spec/json/twilio_api_v2010.json": {
        "/2010-04-01/Accounts/{AccountSid}/Messages.json": ["post"],
        "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json": ["delete"],
    },
    "spec/json/twilio_content_v1.json": {"/v1/Content": ["get", "post"]},
    "spec/json/twilio_messaging_v2.json": {"/v2/Indicators/Typing.json": ["post"]},
}
META = {
    "business-messaging-api_v23.0.yaml": {
        "/{Version}/{Phone-Number-ID}/messages": ["post"],
        "/whatsapp/webhooks": ["post"],
    }
}


# Microsoft's schema of each Microsoft.App API version main.bicep uses -> its resource types.
ARM = {
    "schemas/2025-01-01/Microsoft.App.json": [
        "containerApps",
        "managedEnvironments",
        "managedEnvironments_daprComponents",
    ],
}


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs(item) for item in node)) if node else set()
    return set()


def subset(document: dict[str, Any], operations: dict[str, list[str]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in operations.items():
        whole = document["paths"][path]
        paths[path] = {k: v for k, v in whole.items() if k not in {"get", "post", "delete"}}
        paths[path].update({method: whole[method] for method in methods})
    kept: dict[str, dict[str, Any]] = {}
    todo = refs(paths)
    while todo:
        ref = todo.pop()
        _, _, kind, name = ref.split("/", 3)
        if name in kept.setdefault(kind, {}):
            continue
        kept[kind][name] = document["components"][kind][name]
        todo |= refs(kept[kind][name])
    header = {k: v for k, v in document.items() if k not in {"paths", "components"}}
    components = {k: dict(sorted(v.items())) for k, v in sorted(kept.items())}
    if "securitySchemes" in document.get("components", {}):
        components["securitySchemes"] = document["components"]["securitySchemes"]
    return {**header, "paths": paths, "components": components}


def commit(repo: Path) -> str:
    command = ["git", "-C", str(repo), "rev-parse", "HEAD"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def vendor(repo: Path, files: dict[str, dict[str, list[str]]], prefix: str) -> None:
    for name, operations in files.items():
        text = (repo / name).read_text()
        document = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
        target = OUT / f"{prefix}-{Path(name).stem}.json"
        target.write_text(json.dumps(subset(document, operations), indent=1, sort_keys=False))
        print(f"{target.relative_to(OUT.parents[2])}: {len(operations)} paths")
    (OUT / f"{prefix}.LICENSE").write_text((repo / "LICENSE").read_text())
    (OUT / f"{prefix}.source").write_text(f"{prefix}\n{commit(repo)}\n")


def arm_subset(document: dict[str, Any], resources: list[str]) -> dict[str, Any]:
    """The resource types listed and every definition they reach (`#/definitions/…`); the
    common expression definition stays a reference to Microsoft's URL."""
    chosen = {name: document["resourceDefinitions"][name] for name in resources}
    kept: dict[str, Any] = {}
    todo = {ref for ref in refs(chosen) if ref.startswith("#/definitions/")}
    while todo:
        name = todo.pop().removeprefix("#/definitions/")
        if name not in kept:
            kept[name] = document["definitions"][name]
            todo |= {ref for ref in refs(kept[name]) if ref.startswith("#/definitions/")}
    header = {k: v for k, v in document.items() if k not in {"resourceDefinitions", "definitions"}}
    return {**header, "resourceDefinitions": chosen, "definitions": dict(sorted(kept.items()))}


def git(repo: Path, *args: str) -> str:
    """git in a clone or a bare repository."""
    where = ["-C", str(repo)] if (repo / ".git").exists() else ["--git-dir", str(repo)]
    return subprocess.run(["git", *where, *args], check=True, capture_output=True, text=True).stdout


def vendor_arm(repo: Path) -> None:
    for name, resources in ARM.items():
        version = Path(name).parent.name
        target = OUT / f"arm-schemas-{version}-{Path(name).stem}.json"
        document = json.loads(git(repo, "show", f"HEAD:{name}"))
        target.write_text(json.dumps(arm_subset(document, resources), indent=1))
        print(f"{target.relative_to(OUT.parents[2])}: {len(resources)} resource types")
    (OUT / "arm-schemas.LICENSE").write_text(git(repo, "show", "HEAD:LICENSE"))
    head = git(repo, "rev-parse", "HEAD").strip()
    (OUT / "arm-schemas.source").write_text(f"Azure/azure-resource-manager-schemas\n{head}\n")


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    vendor(Path(sys.argv[1]), TWILIO, "twilio-oai")
    vendor(Path(sys.argv[2]), META, "facebook-openapi")
    vendor_arm(Path(sys.argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
