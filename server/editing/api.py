"""Chapters for programs: read with the base commit, save against it, preview,
and change a book's structure (chapters and parts), each change one commit.

A book's images for programs: list, upload (multipart ``file``), delete.
"""


from __future__ import annotations
from typing import Any
from flask import jsonify, request, url_for
from flask_login import current_user
from materials import EditConflict, chapter_path
from server import landing
from server.rest.registry import endpoint
from server.rest.schemas import BookName, ChapterFile, RowId
from server.editing import chapters, images, item_picker, presence, schemas, structure
from server.editing.preview import preview_html
from server.editing.written_files import max_asset_bytes
from server.errors import UserError
from server.library import library
from server.permissions import Ability, book_access


PATH_PARAMS = {"book": BookName, "file": ChapterFile}


def chapter_json(chapter: chapters.ChapterText) -> dict[str, Any]:
    meta = chapter.meta
    return {
        "book": chapter.book, "file": chapter.filename, "branch": chapter.branch, "base": chapter.base,
        "text": chapter.text, "body": chapter.body, "problem": chapter.problem,
        "front_matter": {"title": meta.title, "objectives": list(meta.objectives), "standards": list(meta.standards),
                         "summary": meta.summary, "hours": meta.hours,
                         "sections": {k: list(v) for k, v in meta.sections.items()}},
    }


def conflict_response(conflict: EditConflict):
    """409 with every version of the text: the caller never loses what it sent."""
    response = jsonify(error=chapters.conflict_json(conflict))
    response.status_code = 409
    return response


def branch_for_reading(book: str, branch: str | None) -> str:
    return landing.target_branch(current_user, book, branch, library())


@endpoint("GET", "/books/{book}/chapters/{file}", summary="A chapter with the commit to save against",
          params=PATH_PARAMS, query=schemas.BranchQuery, response=schemas.ChapterText, tags=["chapters"],
          errors=(503,))
@book_access(Ability.write)
def get_chapter(book: str, file: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    return chapter_json(chapters.open_chapter(lib, book, file, branch_for_reading(book, branch)))


@endpoint("PUT", "/books/{book}/chapters/{file}", summary="Save a chapter on top of the commit it was read at",
          description="A stale base is merged with other people's edits; overlapping edits answer 409 with "
                      "their text, yours and a merged proposal, and nothing is written.",
          params=PATH_PARAMS, body=schemas.ChapterSave, response=schemas.ChapterSaved, tags=["chapters"],
          errors=(409, 503))
@book_access(Ability.write)
def save_chapter(book: str, file: str, body: schemas.ChapterSave):
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    path = chapter_path(book, file)
    try:
        if body.text is not None:
            saved = chapters.save_chapter(lib, current_user, book, file, branch, body.text, body.base, body.message)
        else:
            meta = chapters.front_matter_from(body.front_matter.model_dump(), path)
            saved = chapters.save_chapter_fields(lib, current_user, book, file, branch, meta, body.body or "",
                                                body.base, body.message)
    except EditConflict as conflict:
        return conflict_response(conflict)
    return chapters.saved_json(saved, branch)


def presence_json(editing: list[presence.Editing]) -> dict[str, Any]:
    return {"heartbeat": presence.heartbeat(),
            "editing": [{"name": e.name, "side": e.side, "since": e.since.isoformat(), "text": e.text} for e in editing]}


@endpoint("POST", "/books/{book}/chapters/{file}/presence", summary="I have this chapter open: who else has?",
          description="An open editor says so every `heartbeat` seconds; someone not heard from for a while "
                      "drops out. The answer lists the others with the chapter open on the same branch.",
          params=PATH_PARAMS, body=schemas.PresenceBranch, response=schemas.Presence, tags=["chapters"])
@book_access(Ability.write)
def chapter_presence(book: str, file: str, body: schemas.PresenceBranch) -> dict[str, Any]:
    chapter_path(book, file)  # a name no chapter may have is a 400
    branch = landing.target_branch(current_user, book, body.branch, library())
    return presence_json(presence.here(current_user, book, branch, file))


@endpoint("DELETE", "/books/{book}/chapters/{file}/presence", summary="I closed this chapter",
          params=PATH_PARAMS, query=schemas.BranchQuery, status=204, tags=["chapters"])
@book_access(Ability.write)
def chapter_gone(book: str, file: str, branch: str | None) -> None:
    chapter_path(book, file)
    presence.gone(current_user, landing.target_branch(current_user, book, branch, library()), file)


@endpoint("POST", "/books/{book}/preview", summary="Render Markdown as the published site will (sanitized)",
          params={"book": BookName}, body=schemas.PreviewRequest, response=schemas.Preview, tags=["chapters"])
@book_access(Ability.read)
def preview(book: str, body: schemas.PreviewRequest) -> dict[str, Any]:
    return {"html": preview_html(book, body.text, body.branch)}


@endpoint("GET", "/books/{book}/structure", summary="Parts and chapters in navigation order on a branch",
          params={"book": BookName}, query=schemas.BranchQuery, response=schemas.BookStructure, tags=["chapters"],
          errors=(503,))
@book_access(Ability.write)
def get_structure(book: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = branch_for_reading(book, branch)
    sha = landing.read_revision(lib, branch)
    return structure_json(lib, book, branch, sha)


def structure_json(lib: Any, book: str, branch: str, sha: str) -> dict[str, Any]:
    config = lib.book(book, sha, chapters=False).config
    return {"book": book, "branch": branch, "sha": sha,
            "parts": [{"title": p.title, "page": p.page, "chapters": list(p.chapters)} for p in config.navigation]}


def _after(book: str, branch: str, saved) -> dict[str, Any]:
    return structure_json(library(), book, branch, saved.sha)


@endpoint("POST", "/books/{book}/chapters", summary="Create a chapter at the end of a part",
          params={"book": BookName}, body=schemas.NewChapter, response=schemas.BookStructure, status=201,
          tags=["chapters"], errors=(409, 503))
@book_access(Ability.write)
def create_chapter(book: str, body: schemas.NewChapter) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    _, saved = structure.create_chapter(lib, current_user, book, branch, body.title, body.part, body.filename or None)
    return _after(book, branch, saved)


@endpoint("POST", "/books/{book}/chapters/{file}/rename", summary="Rename a chapter file (navigation follows)",
          params=PATH_PARAMS, body=schemas.ChapterRename, response=schemas.BookStructure, tags=["chapters"],
          errors=(409, 503))
@book_access(Ability.write)
def rename_chapter(book: str, file: str, body: schemas.ChapterRename) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    return _after(book, branch, structure.rename_chapter(lib, current_user, book, branch, file, body.filename))


@endpoint("POST", "/books/{book}/chapters/{file}/move", summary="Move a chapter up, down or into a part",
          params=PATH_PARAMS, body=schemas.ChapterMove, response=schemas.BookStructure, tags=["chapters"],
          errors=(409, 503))
@book_access(Ability.write)
def move_chapter(book: str, file: str, body: schemas.ChapterMove) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    saved = structure.move_chapter(lib, current_user, book, branch, file, direction=body.direction,
                                 part=body.part, position=body.position)
    return _after(book, branch, saved)


@endpoint("DELETE", "/books/{book}/chapters/{file}", summary="Delete a chapter (and its navigation entry)",
          params=PATH_PARAMS, query=schemas.BranchQuery, response=schemas.BookStructure, tags=["chapters"],
          errors=(409, 503))
@book_access(Ability.write)
def delete_chapter(book: str, file: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, branch, lib)
    saved = structure.delete_chapter(lib, current_user, book, branch, file)
    return _after(book, branch, saved)


@endpoint("POST", "/books/{book}/parts", summary="Add a part at the end of the book",
          params={"book": BookName}, body=schemas.PartTitle, response=schemas.BookStructure, status=201,
          tags=["chapters"], errors=(409, 503))
@book_access(Ability.write)
def add_part(book: str, body: schemas.PartTitle) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    return _after(book, branch, structure.add_part(lib, current_user, book, branch, body.title))


@endpoint("PUT", "/books/{book}/parts/{index}", summary="Rename a part (index from 0)",
          params={"book": BookName, "index": RowId}, body=schemas.PartTitle,
          response=schemas.BookStructure, tags=["chapters"], errors=(409, 503))
@book_access(Ability.write)
def rename_part(book: str, index: int, body: schemas.PartTitle) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, body.branch, lib)
    return _after(book, branch, structure.rename_part(lib, current_user, book, branch, index, body.title))


@endpoint("DELETE", "/books/{book}/parts/{index}", summary="Delete an empty part (index from 0)",
          params={"book": BookName, "index": RowId}, query=schemas.BranchQuery,
          response=schemas.BookStructure, tags=["chapters"], errors=(409, 503))
@book_access(Ability.write)
def delete_part(book: str, index: int, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, branch, lib)
    saved = structure.delete_part(lib, current_user, book, branch, index)
    return _after(book, branch, saved)


@endpoint("GET", "/books/{book}/standard-items", summary="Search the book's standard items by code or words",
          params={"book": BookName}, query=schemas.StandardItemSearch, response=schemas.StandardItemList,
          tags=["chapters"], errors=(503,))
@book_access(Ability.read)
def standard_items(book: str, q: str | None, branch: str | None, under: str | None = None) -> dict[str, Any]:
    lib = library()
    rev = landing.read_revision(lib, branch) if branch and landing.may_write_branch(current_user, book, branch, lib) \
        else landing.read_revision(lib, "main")
    return {"items": item_picker.standard_items(lib, book, rev, q or "", under=under)}


def asset_json(book: str, name: str, branch: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "markdown": f"![](../assets/{name})",
            "url": url_for("assets.raw", book=book, name=name, branch=branch), "branch": branch, **extra}


@endpoint("GET", "/books/{book}/assets", summary="The book's images on a branch",
          params={"book": BookName}, query=schemas.BranchQuery, response=schemas.AssetList, tags=["assets"],
          errors=(503,))
@book_access(Ability.write)
def list_assets(book: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, branch, lib)
    rev = landing.read_revision(lib, branch)
    return {"book": book, "branch": branch,
            "assets": [asset_json(book, name, branch) for name in sorted(images.asset_files(lib, book, rev))]}


@endpoint("POST", "/books/{book}/assets", summary="Upload an image (multipart field `file`)",
          description="png, jpg, gif, webp or svg; the type is checked by content. SVG is stored as an allow-list "
                      "sanitizer leaves it: scripts, event handlers, animations, foreignObject and references to "
                      "other files are dropped; a file that is no SVG picture answers 422. Too large: 413.",
          params={"book": BookName}, query=schemas.BranchQuery, response=schemas.Asset, status=201, tags=["assets"],
          errors=(413, 415, 503))
@book_access(Ability.write)
def upload_asset(book: str, branch: str | None) -> dict[str, Any]:
    lib = library()
    branch = landing.target_branch(current_user, book, branch or request.form.get("branch"), lib)
    upload = request.files.get("file")
    if upload is None:
        raise UserError("asset.missing", status=422)
    data = upload.stream.read(max_asset_bytes() + 1)
    name, saved = images.upload_asset(lib, current_user, book, branch, upload.filename or "", data, max_asset_bytes())
    return asset_json(book, name, branch, size=len(data), sha=saved.sha if saved else "")


@endpoint("DELETE", "/books/{book}/assets/{name}", summary="Delete an image",
          params={"book": BookName, "name": schemas.AssetName}, query=schemas.BranchQuery,
          status=204, tags=["assets"], errors=(503,))
@book_access(Ability.write)
def delete_asset(book: str, name: str, branch: str | None) -> None:
    lib = library()
    branch = landing.target_branch(current_user, book, branch, lib)
    images.delete_asset(lib, current_user, book, branch, name)
