"""Declare an API endpoint once: its Flask route, request validation and OpenAPI entry.

::

    @endpoint("PUT", "/books/{book}/members/{username}", summary="Add a member or change their role",
              params={"book": BookName, "username": Username}, body=RoleChange, response=Member,
              tags=["memberships"])
    @book_access(Ability.maintain)
    def put_member(book: str, username: str, body: RoleChange) -> dict: ...

Requests are described by pydantic models, and the same model both validates the
request and is its schema in the OpenAPI document (``server.rest.openapi``), so the
two cannot drift apart:

* ``body``: a ``Body`` model; the JSON body is validated before the view runs
  (422 ``request.invalid``, translated, otherwise: the model's ``refused``) and
  passed as ``body=``. With ``forms=True`` a posted HTML form is read by the same
  model (the document shows the JSON).
* ``query``: a ``Query`` model of the query string; its fields are passed to the
  view by name (by alias: ``from`` for a field ``from_``).
* ``params``: the types of the ``{name}`` path parameters (annotated types of
  ``server.rest.schemas``); integers route as ``<int:name>``, a ``ChapterFile`` as
  ``<chapter:name>`` (it may hold folders). Flask's routing reads
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

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from server.errors import UserError
from server.permissions import Requirement, requirement_of
from server.rest.schemas import ChapterFile

blueprint = Blueprint("api", __name__)


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
    media_type: str = "application/json"  # what a success answers: JSON, or a download (e.g. a git bundle)


OPERATIONS: list[Operation] = []


def _validated_body(model: type[BaseModel], forms: bool) -> BaseModel:
    data = request.form.to_dict() if forms and not request.is_json else request.get_json(silent=True)
    if data is None:
        raise UserError("request.invalid", status=422, detail="a JSON body is required")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise model.refused(error) from None  # server.rest.schemas.Body: a translated 4xx


def _validated_query(model: type[BaseModel]) -> dict[str, Any]:
    try:
        found = model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise model.refused(error) from None  # server.rest.schemas.Query
    return found.model_dump(by_alias=True)


def is_integer(kind: Any) -> bool:
    return TypeAdapter(kind).json_schema().get("type") == "integer"


def _flask_rule(path: str, params: dict[str, Any]) -> str:
    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        if params.get(name) is ChapterFile:  # sub-folders and all: server.app.ChapterFileConverter
            return f"<chapter:{name}>"
        return f"<int:{name}>" if is_integer(params.get(name, str)) else f"<{name}>"

    return re.sub(r"\{(\w+)\}", convert, path)


def endpoint(
    method: str, path: str, *, summary: str, response: type[BaseModel] | None = None, status: int = 200,
    body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
    params: dict[str, Any] | None = None, tags: list[str] | None = None, description: str = "",
    errors: tuple[int, ...] = (), forms: bool = False, media_type: str = "application/json",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    method = method.upper()
    params = {name: (params or {}).get(name, str) for name in re.findall(r"\{(\w+)\}", path)}

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        requirement = requirement_of(view)
        if requirement is None:
            raise RuntimeError(f"API view {view.__name__} declares no permission")

        @functools.wraps(view)
        def handle(**kwargs: Any) -> Response:
            requirement.enforce(kwargs)  # refuse before looking at the input
            if body is not None:
                kwargs["body"] = _validated_body(body, forms)
            if query is not None:
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
                      list(tags or []), requirement, params, query, body, response, status, tuple(errors),
                      media_type)
        )
        return view

    return register
