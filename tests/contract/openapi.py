"""The providers' own OpenAPI documents (vendored under references/ by tools/references)
as a check on both sides of a call: what our adapters send, and what the sandbox's fakes
answer. A validating proxy sits between an adapter and the sandbox and notes every
request or answer the provider's document does not allow.

Schemas are checked with jsonschema (draft 2020-12, which OpenAPI 3.1 is); an OpenAPI
3.0 document's `nullable` is read as JSON Schema's "null" type. A form body (Twilio's
2010 API) is read by its schema: repeated fields for arrays, numbers and booleans from
their text, and a field the operation does not define is a problem, as it is at Twilio.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jsonschema
from fastapi import FastAPI, Request, Response
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.contract import reference_repairs

REFERENCES = Path(__file__).parent / "references"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False):
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        else:
            return {"anyOf": [node, {"type": "null"}]}
    return node


@dataclass(frozen=True)
class Document:
    name: str
    spec: dict[str, Any]

    @property
    def uri(self) -> str:
        return f"urn:reference:{self.name}"

    def operations(self) -> Iterator[tuple[re.Pattern[str], str, str, dict[str, Any]]]:
        for template, item in self.spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            for method, operation in item.items():
                if method in {"get", "post", "delete", "put", "patch"}:
                    yield pattern, template, method, operation


# Documents with known flaws, and their repairs (tests/contract/reference_repairs.py).
REPAIRS = {"facebook-openapi-business-messaging-api_v23.0": reference_repairs.META}


@cache
def document(name: str) -> Document:
    spec = json.loads((REFERENCES / f"{name}.json").read_text())
    if spec["openapi"].startswith("3.0"):
        spec = _nullable(spec)
    for repair in REPAIRS.get(name, []):
        repair(spec)
    return Document(name, spec)


@dataclass
class Reference:
    """Which document answers for which prefix of the path the proxy is called on."""

    routes: dict[str, str]  # path prefix -> document name
    problems: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, template)

    def operation(self, method: str, path: str) -> tuple[Document, str, dict[str, Any]] | None:
        prefix = max((p for p in self.routes if path.startswith(p)), key=len, default=None)
        if prefix is None:
            return None
        doc = document(self.routes[prefix])
        rest = path[len(prefix) :]
        for pattern, template, verb, operation in doc.operations():
            if verb == method.lower() and pattern.match(rest):
                return doc, template, operation
        return None

    def check_request(self, method: str, path: str, content_type: str, body: bytes) -> None:
        found = self.operation(method, path)
        if found is None:
            self.problems.append(f"{method} {path}: no such operation in the reference")
            return
        doc, template, operation = found
        self.calls.append((method, template))
        content = (operation.get("requestBody") or {}).get("content") or {}
        kind = content_type.split(";")[0].strip()
        if not content:
            if body:
                self.problems.append(f"{method} {template}: a body where none is defined")
            return
        if kind not in content:
            self.problems.append(f"{method} {template}: {kind!r} is not one of {list(content)}")
            return
        schema = content[kind]["schema"]
        if kind == "application/x-www-form-urlencoded":
            instance, unknown = _form(doc, schema, body)
            self.problems += [f"{method} {template}: unknown parameter {name}" for name in unknown]
        else:
            instance = json.loads(body)
        self.problems += [f"{method} {template}: {e}" for e in errors(doc, schema, instance)]

    def check_response(self, method: str, path: str, status: int, body: bytes) -> None:
        found = self.operation(method, path)
        if found is None:
            return
        doc, template, operation = found
        responses = operation.get("responses") or {}
        answer = responses.get(str(status)) or responses.get("default")
        if answer is None:
            if status < 400:
                self.problems.append(
                    f"{method} {template}: answered {status}, not {list(responses)}"
                )
            return
        schema = ((answer.get("content") or {}).get("application/json") or {}).get("schema")
        if schema is None:
            if body.strip():
                self.problems.append(
                    f"{method} {template}: {status} has a body where none is defined"
                )
            return
        instance = json.loads(body)
        self.problems += [
            f"{method} {template} answer {status}: {e}" for e in errors(doc, schema, instance)
        ]


def _resolve(doc: Document, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = doc.spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _form(doc: Document, schema: dict[str, Any], body: bytes) -> tuple[dict[str, Any], list[str]]:
    properties = _resolve(doc, schema).get("properties", {})
    instance: dict[str, Any] = {}
    unknown = []
    for name, values in parse_qs(body.decode(), keep_blank_values=True).items():
        if name not in properties:
            unknown.append(name)
            continue
        kind = _resolve(doc, properties[name]).get("type")
        kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
        typed = [_typed(value, kind if kind != "array" else None) for value in values]
        instance[name] = typed if kind == "array" else typed[0] if len(typed) == 1 else typed
    return instance, unknown


def _typed(value: str, kind: str | None) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def errors(doc: Document, schema: dict[str, Any], instance: Any) -> list[str]:
    """Why `instance` does not fit `schema`; through a discriminator (Meta's message
    `type`), by the one schema the instance names, so the reason is the real one."""
    resolved = _resolve(doc, schema)
    discriminator = resolved.get("discriminator") or {}
    chosen = (discriminator.get("mapping") or {}).get(
        instance.get(discriminator.get("propertyName", "")) if isinstance(instance, dict) else None
    )
    if chosen:
        schema = {"$ref": chosen}
    registry: Registry[Any] = Registry().with_resource(
        doc.uri, Resource.from_contents(doc.spec, default_specification=DRAFT202012)
    )
    wrapped = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    wrapped = json.loads(json.dumps(wrapped).replace('"#/', f'"{doc.uri}#/'))
    validator = jsonschema.Draft202012Validator(wrapped, registry=registry)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def proxy(reference: Reference, upstream: str) -> FastAPI:
    """An app that checks each request by `reference`, forwards it to `upstream` (the
    sandbox) unchanged, checks the answer, and returns it."""
    app = FastAPI()
    client = httpx.AsyncClient(base_url=upstream, timeout=30)

    @app.api_route("/{path:path}", methods=["GET", "POST", "DELETE"])
    async def forward(path: str, request: Request) -> Response:
        body = await request.body()
        route = "/" + path
        reference.check_request(
            request.method, route, request.headers.get("content-type", ""), body
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        answer = await client.request(
            request.method, route, params=request.query_params, content=body, headers=headers
        )
        reference.check_response(request.method, route, answer.status_code, answer.content)
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in {"content-length", "content-encoding", "transfer-encoding"}
        }
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    return app
