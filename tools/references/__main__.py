"""Vendor the parts of the providers' own OpenAPI documents that the bot's calls use, with
their licences, into tests/contract/references/ (read by tests/contract/openapi.py).

    python -m tools.references TWILIO_OAI FACEBOOK_OPENAPI

TWILIO_OAI and FACEBOOK_OPENAPI are clones of github.com/twilio/twilio-oai and
github.com/facebook/openapi. Each document keeps its header, the operations listed
below, and every component those reach (followed through `$ref`), unchanged.
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


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    vendor(Path(sys.argv[1]), TWILIO, "twilio-oai")
    vendor(Path(sys.argv[2]), META, "facebook-openapi")
    return 0


if __name__ == "__main__":
    sys.exit(main())
