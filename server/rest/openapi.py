"""The OpenAPI 3.1 document, generated from the endpoint registry.

Every schema in it is pydantic's ``model_json_schema()`` of the models the
endpoints validate with (requests) or answer with (responses); the models a
schema refers to are lifted from its ``$defs`` into ``components/schemas``.
"""
from __future__ import annotations

import functools
from typing import Any

from flask import jsonify
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from server.rest.registry import OPERATIONS, Operation, endpoint
from server.rest.schemas import Error, OpenApiDocument
from server.permissions import public

REF = "#/components/schemas/{model}"


class _Schemas(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title on every field: the field's name says it already."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


class _QuerySchemas(_Schemas):
    """A query argument is given or not: its model's ``None`` (not given) is no value to send."""

    def nullable_schema(self, schema: Any) -> dict[str, Any]:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: Any) -> dict[str, Any]:
        if schema.get("default") is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": REF.format(model=model.__name__)}


# What each status means, for the document.
STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No content", 400: "Refused: bad input, or the CSRF header missing with the session cookie",
    401: "Not signed in, or the token is wrong", 403: "Not allowed", 404: "Not found",
    409: "Conflicts with the current state", 422: "The request is not valid", 503: "The library is not set up",
}


class _Document:
    """Builds the document once: every body and response model in one pass, so a model that several
    endpoints share is one component, and their names agree."""

    def __init__(self) -> None:
        models = [(Error, "serialization")]
        for op in OPERATIONS:
            for model, mode in ((op.body, "validation"), (op.response, "serialization")):
                if model is not None:
                    models.append((model, mode))
        self.refs, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template=REF,
                                                    schema_generator=_Schemas)
        self.components: dict[str, Any] = dict(definitions.get("$defs", {}))

    def schema(self, model: type[BaseModel] | None, mode: str) -> dict[str, Any]:
        return self.refs[(model, mode)] if model is not None else {}

    def lifted(self, schema: dict[str, Any]) -> dict[str, Any]:
        self.components.update(schema.pop("$defs", {}))
        return schema

    def path_parameters(self, op: Operation) -> list[dict[str, Any]]:
        return [{"name": name, "in": "path", "required": True,
                 "schema": self.lifted(TypeAdapter(kind).json_schema(ref_template=REF, schema_generator=_Schemas))}
                for name, kind in op.params.items()]

    def query_parameters(self, op: Operation) -> list[dict[str, Any]]:
        if op.query is None:
            return []
        schema = self.lifted(op.query.model_json_schema(ref_template=REF, schema_generator=_QuerySchemas))
        required = set(schema.get("required", ()))
        return [{"name": name, "in": "query", "required": name in required, "schema": definition}
                for name, definition in schema.get("properties", {}).items()]

    def operation(self, op: Operation) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        if op.status == 204:
            responses["204"] = {"description": STATUS_TEXT[204]}
        elif op.media_type != "application/json":
            responses[str(op.status)] = {"description": STATUS_TEXT.get(op.status, "OK"),
                                         "content": {op.media_type: {"schema": {"type": "string", "format": "binary"}}}}
        else:
            responses[str(op.status)] = {
                "description": STATUS_TEXT.get(op.status, "OK"),
                "content": {"application/json": {"schema": self.schema(op.response, "serialization")}},
            }
        errors = set(op.errors)
        if op.requirement.kind != "public":
            errors |= {401, 403}
            if op.method in ("POST", "PUT", "PATCH", "DELETE"):
                errors.add(400)
        if op.params:
            errors.add(404)
        if op.params or op.body is not None or op.query:
            errors.add(400)  # a domain error on bad input (materials, review, build) is a 400
        if op.body is not None or op.query:
            errors.add(422)
        for status in sorted(errors):
            responses[str(status)] = {
                "description": STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": ref(Error)}},
            }
        parameters = self.path_parameters(op) + self.query_parameters(op)
        document: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": op.tags,
            "responses": responses,
            "x-permission": op.requirement.describe(),
            "security": [] if op.requirement.kind == "public" else [{"token": []}, {"session": []}],
        }
        if op.description:
            document["description"] = op.description
        if parameters:
            document["parameters"] = parameters
        if op.body is not None:
            document["requestBody"] = {"required": True,
                                       "content": {"application/json": {"schema": self.schema(op.body, "validation")}}}
        return document


@functools.cache
def openapi_document() -> dict[str, Any]:
    """Built at the first request: every API module has registered its endpoints by then."""
    built = _Document()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault("/api" + op.path, {})[op.method.lower()] = built.operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jointbook API",
            "version": "1",
            "description": "Every action of the Jointbook pages. Authenticate with a personal access token "
                           "(Authorization: Bearer jb_...), created on the account page.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(built.components.items())),
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "personal access token (jb_...)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "browser session; unsafe methods also need the X-CSRFToken header"},
            },
        },
    }


@endpoint("GET", "/openapi.json", summary="This document", response=OpenApiDocument, tags=["meta"])
@public
def openapi_json():
    return jsonify(openapi_document())
