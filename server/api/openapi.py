"""The OpenAPI 3.1 document, generated from the endpoint registry."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from server.api.registry import OPERATIONS, SCHEMAS, Operation, endpoint, ref
from server.permissions import public

# What each status means, for the document.
STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No content", 400: "Refused: bad input, or the CSRF header missing with the session cookie",
    401: "Not signed in, or the token is wrong", 403: "Not allowed", 404: "Not found",
    409: "Conflicts with the current state", 422: "The request is not valid", 503: "The library is not set up",
}


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.status == 204:
        responses["204"] = {"description": STATUS_TEXT[204]}
    else:
        responses[str(op.status)] = {
            "description": STATUS_TEXT.get(op.status, "OK"),
            "content": {"application/json": {"schema": op.response or {}}},
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
            "content": {"application/json": {"schema": ref("Error")}},
        }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": definition} for name, definition in op.params.items()
    ] + [
        {"name": name, "in": "query", "required": False, "schema": definition} for name, definition in op.query.items()
    ]
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
        document["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    return document


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault("/api" + op.path, {})[op.method.lower()] = _operation(op)
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
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "personal access token (jb_...)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "browser session; unsafe methods also need the X-CSRFToken header"},
            },
        },
    }


@endpoint("GET", "/openapi.json", summary="This document", response={"type": "object"}, tags=["meta"])
@public
def openapi_json():
    return jsonify(openapi_document())
