"""A book's images for programs: list, upload (multipart ``file``), delete."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_login import current_user

from server import audit, editing
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM
from server.database import db
from server.editing import max_asset_bytes
from server.errors import UserError
from server.library import library
from server.permissions import Ability, book_access

ASSET = schema("Asset", {
    "type": "object", "required": ["name", "markdown", "url"],
    "properties": {"name": {"type": "string"}, "markdown": {"type": "string"}, "url": {"type": "string"},
                   "size": {"type": "integer"}, "sha": {"type": "string"}, "branch": {"type": "string"}},
})
ASSET_LIST = schema("AssetList", {
    "type": "object", "required": ["book", "branch", "assets"],
    "properties": {"book": {"type": "string"}, "branch": {"type": "string"},
                   "assets": {"type": "array", "items": ASSET}},
})
BRANCH_QUERY = {"branch": {"type": "string", "maxLength": 200}}


def asset_json(book: str, name: str, branch: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "markdown": f"![](../assets/{name})",
            "url": url_for("assets.raw", book=book, name=name, branch=branch), "branch": branch, **extra}


@endpoint("GET", "/books/{book}/assets", summary="The book's images on a branch",
          params={"book": BOOK_PARAM}, query=BRANCH_QUERY, response=ASSET_LIST, tags=["assets"], errors=(503,))
@book_access(Ability.write)
def list_assets(book: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = editing.target_branch(current_user, book, branch, lib)
    rev = editing.read_revision(lib, branch)
    return {"book": book, "branch": branch,
            "assets": [asset_json(book, name, branch) for name in sorted(editing.asset_files(lib, book, rev))]}


@endpoint("POST", "/books/{book}/assets", summary="Upload an image (multipart field `file`)",
          description="png, jpg, gif, webp or svg; the type is checked by content. SVG is stored as an allow-list "
                      "sanitizer leaves it: scripts, event handlers, animations, foreignObject and references to "
                      "other files are dropped; a file that is no SVG picture answers 422. Too large: 413.",
          params={"book": BOOK_PARAM}, query=BRANCH_QUERY, response=ASSET, status=201, tags=["assets"],
          errors=(413, 415, 503))
@book_access(Ability.write)
def upload_asset(book: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = editing.target_branch(current_user, book, branch or request.form.get("branch"), lib)
    upload = request.files.get("file")
    if upload is None:
        raise UserError("asset.missing", status=422)
    data = upload.stream.read(max_asset_bytes() + 1)
    name, saved = editing.upload_asset(lib, current_user, book, branch, upload.filename or "", data, max_asset_bytes())
    return asset_json(book, name, branch, size=len(data), sha=saved.sha if saved else "")


@endpoint("DELETE", "/books/{book}/assets/{name}", summary="Delete an image",
          params={"book": BOOK_PARAM, "name": {"type": "string", "maxLength": 200}}, query=BRANCH_QUERY,
          status=204, tags=["assets"], errors=(503,))
@book_access(Ability.write)
def delete_asset(book: str, name: str, branch: str | None) -> None:
    lib = library()
    branch = editing.target_branch(current_user, book, branch, lib)
    editing.delete_asset(lib, current_user, book, branch, name)
    audit.record("asset.delete", f"{book}/{name}", branch=branch)
    db().commit()
