"""Build the OpenAPI 3.1 document from the routes' declared schemas.

Each view declares its query, body and responses with :func:`operation`; the
document is assembled from those declarations and the pydantic models, so it
can't drift from what the code accepts and returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from comments.api.schemas import Problem

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"


@dataclass
class Operation:
    """One documented API operation."""

    method: str
    path: str
    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""
    header_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Answers that are not JSON: their media type, or "" for an answer without a body.
    media: dict[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []

_ERRORS = {
    400: "Malformed request (bad JSON, bad cursor).",
    404: "No such site or comment.",
    422: "Invalid input; `errors` says which fields.",
    429: "Too many requests; see `Retry-After`.",
}


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    responses: dict[int, tuple[str, type[BaseModel] | None]],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    path_params: dict[str, dict[str, Any]] | None = None,
    description: str = "",
    header_params: dict[str, dict[str, Any]] | None = None,
    media: dict[int, str] | None = None,
) -> Callable[[F], F]:
    """Declare a view's contract for the OpenAPI document.

    ``media`` names the answers that are not JSON: their media type (a text
    document such as a feed or an image), or "" for one without a body (304).
    """

    def register(view: F) -> F:
        OPERATIONS.append(
            Operation(
                method.lower(),
                path,
                summary,
                responses,
                query,
                body,
                path_params or {},
                description,
                header_params or {},
                media or {},
            )
        )
        return view

    return register


def _components() -> tuple[dict[Any, Any], dict[str, Any]]:
    models: set[type[BaseModel]] = {Problem}
    for op in OPERATIONS:
        models.update(m for _, m in op.responses.values() if m is not None)
        if op.body is not None:
            models.add(op.body)
    pairs = [(m, "validation" if _is_input(m) else "serialization") for m in models]
    pairs.sort(key=lambda pair: pair[0].__name__)
    refs, top = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    return refs, top.get("$defs", {})


def _is_input(model: type[BaseModel]) -> bool:
    return any(op.body is model for op in OPERATIONS)


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in op.path_params.items()
    ]
    params += [
        {"name": name, "in": "header", "required": True, **spec}  # spec may say otherwise
        for name, spec in op.header_params.items()
    ]
    if op.query is None:
        return params
    schema = op.query.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
        }
        if "description" in prop:
            param["description"] = prop["description"]
        if prop.get("type") == "array":
            param["style"] = "form"
            param["explode"] = True
        params.append(param)
    return params


def document(server_url: str = "/") -> dict[str, Any]:
    """Return the OpenAPI document of every declared operation."""
    refs, schemas = _components()

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        mode = "validation" if _is_input(model) else "serialization"
        return dict(refs[(model, mode)])

    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {}
        declared: dict[int, tuple[str, type[BaseModel]]] = {
            status: (text, Problem) for status, text in _ERRORS.items()
        }
        declared.update(
            {status: (text, model or Problem) for status, (text, model) in op.responses.items()}
        )
        for status, (description, model) in sorted(declared.items()):
            if status in op.media:
                other = op.media[status]
                responses[str(status)] = {"description": description}
                if other:
                    content = {other: {"schema": {"type": "string"}}}
                    responses[str(status)]["content"] = content
                continue
            media = "application/problem+json" if model is Problem else "application/json"
            responses[str(status)] = {
                "description": description,
                "content": {media: {"schema": ref(model)}},
            }
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_')}".replace(
                "{", ""
            ).replace("}", ""),
            "parameters": _parameters(op),
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        paths.setdefault(op.path, {})[op.method] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "comments public API",
            "version": "1",
            "description": "Read and post comments under articles. Errors are "
            "application/problem+json (RFC 9457) with a `code` and per-field `errors`.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
