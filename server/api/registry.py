"""Declare an API endpoint once: its Flask route, request validation and OpenAPI entry.

::

    @endpoint("PUT", "/books/{book}/members/{username}", summary="Add a member or change their role",
              params={"book": BookName, "username": Username}, body=RoleChange, response=Member,
              tags=["memberships"])
    @book_access(Ability.maintain)
    def put_member(book: str, username: str, body: RoleChange) -> dict: ...

Requests are described by pydantic models, and the same model both validates the
request and is its schema in the OpenAPI document (``server.api.openapi``), so the
two cannot drift apart:

* ``body``: a ``Body`` model; the JSON body is validated before the view runs
  (422 ``request.invalid``, translated, otherwise: the model's ``refused``) and
  passed as ``body=``. With ``forms=True`` a posted HTML form is read by the same
  model (the document shows the JSON).
* ``query``: a ``Query`` model of the query string; its fields are passed to the
  view by name (by alias: ``from`` for a field ``from_``).
* ``params``: the types of the ``{name}`` path parameters (annotated types of
  ``server.api.schemas``); integers route as ``<int:name>``. Flask's routing reads
  them and the view answers 404 for what names nothing; the types document them.
* ``response``: the model of what the view returns, for the document (the
  schemathesis test holds every view to it).

The view returns plain data (serialised as JSON with the declared ``status``)
or a ``Response``. The permission decorator under ``@endpoint`` is checked
before anything else and shown in the document as ``x-permission``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import jsonschema
from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from server.database import MAX_INTEGER
from server.errors import UserError
from server.permissions import Requirement, requirement_of

blueprint = Blueprint("api", __name__)
SCHEMAS: dict[str, dict[str, Any]] = {}


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI form, relative to /api: "/users/{username}"
    name: str
    summary: str
    description: str
    tags: list[str]
    requirement: Requirement
    params: dict[str, Any]  # name -> its type
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...] = field(default_factory=tuple)


OPERATIONS: list[Operation] = []


def _validated_body(model: type[BaseModel], forms: bool) -> BaseModel:
    data = request.form.to_dict() if forms and not request.is_json else request.get_json(silent=True)
    if data is None:
        raise UserError("request.invalid", status=422, detail="a JSON body is required")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise model.refused(error) from None  # server.api.schemas.Body: a translated 4xx


def _validated_query(model: type[BaseModel]) -> dict[str, Any]:
    try:
        found = model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise model.refused(error) from None  # server.api.schemas.Query
    return found.model_dump(by_alias=True)


def is_integer(kind: Any) -> bool:
    return TypeAdapter(kind).json_schema().get("type") == "integer"


def schema(name: str, definition: dict[str, Any]) -> dict[str, Any]:
    """Register a named schema (``components.schemas``) and return a ``$ref`` to it."""
    SCHEMAS[name] = definition
    return ref(name)


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}  # id(definition) -> (definition, its validator)


def _validator(definition: dict[str, Any]) -> Any:
    """One validator per declared schema, built on first use (building one per request showed in profiles)."""
    cached = _VALIDATORS.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    validator = jsonschema.Draft202012Validator({**definition, "components": {"schemas": SCHEMAS}})
    if len(_VALIDATORS) < 4096:
        _VALIDATORS[id(definition)] = (definition, validator)
    return validator


def _validate(instance: Any, definition: dict[str, Any]) -> None:
    validator = _validator(definition)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "body"
        raise UserError("request.invalid", status=422, detail=f"{where}: {error.message}"[:300])


def _refuse_huge_integers(value: Any, where: str = "body") -> None:
    """No JSON number a database cannot store gets past the door (422, not a crash later)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise UserError("request.invalid", status=422, detail=f"{where}: number out of range")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_huge_integers(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_huge_integers(item, f"{where}/{index}")


def _convert(name: str, raw: str, definition: dict[str, Any]) -> Any:
    kind = definition.get("type", "string")
    try:
        if kind == "integer":
            value: Any = int(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError(raw)
            value = raw == "true"
        else:
            value = raw
    except ValueError:
        raise UserError("request.invalid", status=422, detail=f"{name}: {raw[:50]!r}") from None
    _validate(value, definition)
    _refuse_huge_integers(value, name)
    return value


def _flask_rule(path: str, params: dict[str, Any]) -> str:
    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = params.get(name, str)
        integer = kind.get("type") == "integer" if isinstance(kind, dict) else is_integer(kind)  # legacy dict
        return f"<int:{name}>" if integer else f"<{name}>"

    return re.sub(r"\{(\w+)\}", convert, path)


def endpoint(
    method: str, path: str, *, summary: str, response: type[BaseModel] | None = None, status: int = 200,
    body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
    params: dict[str, Any] | None = None, tags: list[str] | None = None, description: str = "",
    errors: tuple[int, ...] = (), forms: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    method = method.upper()
    params = {name: (params or {}).get(name, str) for name in re.findall(r"\{(\w+)\}", path)}
    for name, definition in params.items():  # legacy dict
        if isinstance(definition, dict) and definition.get("type") == "integer":
            params[name] = {"minimum": 0, "maximum": MAX_INTEGER, **definition}

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        requirement = requirement_of(view)
        if requirement is None:
            raise RuntimeError(f"API view {view.__name__} declares no permission")

        @functools.wraps(view)
        def handle(**kwargs: Any) -> Response:
            requirement.enforce(kwargs)  # refuse before looking at the input
            if isinstance(body, dict):  # legacy dict
                data = request.get_json(silent=True)
                if data is None:
                    raise UserError("request.invalid", status=422, detail="a JSON body is required")
                _validate(data, body)
                _refuse_huge_integers(data)
                kwargs["body"] = data
            elif body is not None:
                kwargs["body"] = _validated_body(body, forms)
            if isinstance(query, dict):  # legacy dict
                for name, definition in query.items():
                    raw = request.args.get(name)
                    kwargs[name] = definition.get("default") if raw is None else _convert(name, raw, definition)
            elif query is not None:
                kwargs.update(_validated_query(query))
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            if status == 204:
                return Response(status=204)
            response_ = jsonify(result)
            response_.status_code = status
            return response_

        blueprint.add_url_rule(_flask_rule(path, params), endpoint=view.__name__, view_func=handle, methods=[method])
        OPERATIONS.append(
            Operation(method, path, view.__name__, summary, description or (view.__doc__ or "").strip(),
                      list(tags or []), requirement, params, query, body, response, status, tuple(errors))
        )
        return view

    return register
