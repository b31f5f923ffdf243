"""Check API answers against the served OpenAPI document (JSON Schema 2020-12 inside OpenAPI 3.1)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from consult.app import CAPABILITIES
from consult.openapi import document


def _template_matches(template: str, path: str) -> bool:
    pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
    return re.match(pattern, path) is not None


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """Return the documented path template and operation that serve METHOD PATH."""
    spec = document(CAPABILITIES)
    candidates = [t for t in spec["paths"] if _template_matches(t, path)]
    # The most literal template wins (/faq/similar over /faq/{id}).
    candidates.sort(key=lambda t: t.count("{"))
    for template in candidates:
        operation = spec["paths"][template].get(method.lower())
        if operation is not None:
            return template, operation
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_response(method: str, path: str, status: int, body: Any) -> None:
    """Fail unless the status is documented for that operation and the body fits its schema."""
    spec = document(CAPABILITIES)
    template, operation = find_operation(method, path.split("?")[0])
    responses = operation.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    assert response is not None, f"{method} {template}: status {status} is not documented"
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    registry: Registry[Any] = Registry().with_resource("urn:consult", DRAFT202012.create_resource(spec))
    jsonschema.Draft202012Validator(_rebase(schema), registry=registry).validate(body)


def _rebase(schema: Any) -> Any:
    """Point local $refs (#/components/...) at the registered document."""
    if isinstance(schema, dict):
        return {
            k: ("urn:consult" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema
