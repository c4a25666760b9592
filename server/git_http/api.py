"""A book's history for programs: the ``git bundle`` a clone would give."""
from __future__ import annotations

from server.git_http.views import bundle_response
from server.permissions import Ability, book_access
from server.rest.registry import endpoint
from server.rest.schemas import BookName


@endpoint("GET", "/books/{book}/export.bundle", params={"book": BookName}, tags=["books"], errors=(404, 503),
          media_type="application/x-git-bundle",
          summary="The book with its whole history as a git bundle (git clone FILE gives the book alone)")
@book_access(Ability.read)
def export_bundle(book: str):
    return bundle_response(book)
