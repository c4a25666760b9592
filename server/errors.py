"""Errors a person can cause, said in their language (zh-CN or English).

Domain packages raise typed exceptions with a stable ``code`` and ``params``
(``materials.MaterialsError`` and its kin in ``review/`` and ``build/``); the
server raises ``UserError`` for its own (unknown user, bad form...). Both are
turned into a translated message here, once, for pages and the JSON API.

To add a message: add the code to ``MESSAGES`` with ``_l("... %(param)s ...")``,
run ``pybabel extract``/``update`` (see docs/admin.md) and translate it; a test
fails while any code of ``materials`` has no message or any msgid is untranslated.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from review import messages as review_messages

log = logging.getLogger(__name__)


class UserError(Exception):
    """A refusal the server itself decides (unknown user, duplicate name...), with a code to translate."""

    def __init__(self, code: str, status: int = 400, **params: Any):
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


MESSAGES: dict[str, Any] = {
    # materials/
    "materials.error": _l("The textbook library refused this change."),
    "materials.not_found": _l("Not found in the library: %(what)s."),
    "path.invalid": _l("This file path is not allowed: %(path)s."),
    "path.outside_book": _l("This path is outside the book: %(path)s."),
    "path.collision": _l("Another file already has nearly the same name: %(path)s."),
    "ref.invalid": _l("This is not a valid branch or version name: %(ref)s."),
    "ref.exists": _l("This branch or version already exists: %(ref)s."),
    "ref.moved": _l("Someone else saved at the same moment. Please try again."),
    "author.invalid": _l("The author's name or e-mail address cannot be used in the history."),
    "git.timeout": _l("Reading the textbook library timed out (more than %(seconds)s seconds). Nothing was changed; please try again later."),
    "git.option_like": _l("This value cannot be used because it starts with “-”: %(value)s"),
    "yaml.invalid": _l("The settings text is not valid YAML: %(detail)s"),
    "yaml.unsafe": _l("The settings text uses YAML features that are not allowed."),
    "import.docx_unreadable": _l("This Word file cannot be imported. It must be a .docx document that is not password-protected, not damaged and not too large; an old .doc or .wps file must first be saved again as .docx in Word or WPS."),
    "import.mkdocs_invalid": _l("This MkDocs project cannot be imported. Upload the project as a .zip with its mkdocs.yml at the top (or in one folder around everything) and its Markdown pages in the docs folder, or a .zip of Markdown files and pictures; at most 20,000 files. (%(detail)s)"),
    "import.project_too_large": _l("The project is too large to upload (%(size)s MB; at most %(limit)s MB). An administrator can import its folder with “jointbook import mkdocs”, or allow larger uploads (MAX_CONTENT_LENGTH)."),
    "import.not_zip": _l("A MkDocs project is uploaded as a .zip of its folder; “%(name)s” is not one."),
    "import.invalid": _l("This import cannot be done as asked: chapters are split at a heading level from 1 to 6."),
    "front_matter.invalid": _l("The chapter's information (title, objectives, standards) is not valid: %(detail)s"),
    "book.invalid": _l("The book's settings are not valid: %(detail)s"),
    "library.invalid": _l("The library's settings are not valid: %(detail)s"),
    "standard.invalid": _l("The qualification standard is not valid: %(detail)s"),
    "standard.unknown_item": _l("This standard item does not exist: %(item)s."),
    "standard.undeclared": _l("The book does not declare this standard: %(standard)s."),
    "standard.ambiguous_ref": _l("Several standards have an item %(item)s; write it as standard-id:key."),
    "edit.conflict": _l("Someone else changed the same passage (%(paths)s). Your text is kept below."),
    # materials/standards/
    "standard.unsafe_yaml": _l("The standard file uses YAML features that are not allowed (tags or aliases)."),
    "standard.yaml_syntax": _l("The standard file is not valid YAML: %(detail)s"),
    "standard.too_large": _l("The standard file is too large."),
    "standard.field_missing": _l("A required field is missing in the standard: %(field)s."),
    "standard.field_type": _l("A field of the standard has the wrong type: %(field)s."),
    "standard.unknown_field": _l("The standard has a field that is not allowed: %(field)s."),
    "standard.value_invalid": _l("A value in the standard is not allowed: %(detail)s"),
    "standard.id_invalid": _l("The standard's id is not valid (it must look like slug@edition): %(detail)s"),
    "standard.duplicate_key": _l("A key appears twice in the standard file: %(detail)s"),
    "standard.duplicate_item": _l("Two items of the standard have the same key: %(detail)s"),
    "standard.duplicate_level": _l("Two levels of the standard have the same key: %(detail)s"),
    "standard.unknown_parent": _l("An item names a parent that does not exist: %(detail)s"),
    "standard.parent_cycle": _l("The items of the standard form a loop through their parents: %(detail)s"),
    "standard.unknown_association_end": _l("An association of the standard names an item that does not exist: %(detail)s"),
    "standard.unknown_level": _l("An item names a level that does not exist: %(detail)s"),
    "standard.unknown_kind": _l("An item names a kind that does not exist: %(detail)s"),
    "standard.weights_sum": _l("The weights of a table do not add up to 100%%: %(detail)s"),
    "standard.weight_unknown_item": _l("A weight names an item that does not exist: %(detail)s"),
    "case.invalid": _l("The CASE file is not valid: %(detail)s"),
    "case.too_large": _l("The CASE file is too large."),
    "case.not_json": _l("The CASE file is not JSON."),
    "case.field_missing": _l("A required field is missing in the CASE file: %(detail)s"),
    "case.bad_uuid": _l("The CASE file has an identifier that is not a UUID: %(detail)s"),
    "case.duplicate_identifier": _l("The CASE file uses an identifier twice: %(detail)s"),
    "case.duplicate_code": _l("The CASE file uses a code twice: %(detail)s"),
    "case.cycle": _l("The CASE items form a loop: %(detail)s"),
    "case.unknown_node": _l("The CASE file links to an item that is not in it: %(detail)s"),
    "case.bad_identifier": _l("The CASE file has an identifier that is not text (%(where)s): %(value)s"),
    "case.association_left_out": _l("An association of the CASE file is left out, as it cannot be read (%(where)s): %(detail)s"),
    "case.field_left_out": _l("A field that CASE 1.1 does not define is left out (%(where)s): %(field)s"),
    "case.definition_left_out": _l("A definition without an identifier is left out (%(where)s)."),
    "csv.invalid": _l("The spreadsheet (CSV) is not valid: %(detail)s"),
    "csv.too_large": _l("The spreadsheet (CSV) is too large."),
    "csv.row_invalid": _l("Row %(row)s of the spreadsheet is not valid: %(detail)s"),
    "csv.header": _l("The spreadsheet's header row is not as expected: %(detail)s"),
    "csv.missing_value": _l("Row %(row)s of the spreadsheet lacks a value: %(detail)s"),
    "csv.unknown_level": _l("Row %(row)s names a level that does not exist: %(detail)s"),
    "csv.unknown_kind": _l("Row %(row)s names a kind that does not exist: %(detail)s"),
    "csv.unknown_parent": _l("Row %(row)s names a parent that does not exist: %(detail)s"),
    "csv.duplicate_code": _l("Row %(row)s repeats a code used before: %(detail)s"),
    "csv.encoding": _l("Row %(row)s of the spreadsheet is not clean %(encoding)s text at byte %(offset)s, so nothing was saved. Save the sheet again as “CSV UTF-8” or as an .xlsx workbook and upload it again."),
    "csv.not_readable": _l("The file is neither a CSV sheet nor an .xlsx workbook: %(detail)s"),
    # server/
    "library.unavailable": _l("The textbook library is not set up yet. An administrator can create it with “jointbook init”."),
    "book.not_found": _l("There is no book named %(book)s."),
    "book.exists": _l("The short name %(book)s is already taken by another book (or reserved). Choose another one."),
    "book.slug_invalid": _l("The short name “%(book)s” cannot be used: it is 1 to 63 lowercase letters (a–z), digits and “-”, starting with a letter or digit."),
    "import.not_docx": _l("Only Word documents saved as .docx can be imported; “%(name)s” is not one. Save an old .doc or .wps file again as .docx in Word or WPS."),
    "import.too_large": _l("The Word file is too large to import (%(size)s MB; at most %(limit)s MB). Split it, or make its pictures smaller."),
    "import.stale": _l("The book changed since the upload: a chapter or picture of the same name was added. Upload the Word file again."),
    "import.not_found": _l("This import is no longer waiting: it was confirmed, cancelled or has expired. Upload the file again."),
    "import.history_invalid": _l("The project's Git history cannot be read. Give the folder of its Git repository, or a git bundle of it (made with “git bundle create project.bundle --all”). (%(detail)s)"),
    "import.no_history": _l("A .zip holds no Git history. To bring the project's history in, upload a git bundle of its repository (made with “git bundle create project.bundle --all”), or import the repository's folder with “jointbook import mkdocs --history”."),
    "import.side_invalid": _l("“%(side)s” is not a side the platform knows, for %(email)s: choose one of %(sides)s."),
    "import.failed": _l("The conversion stopped on an error of the platform. Upload the file again; if it fails again, an administrator finds why in the jobs list."),
    "import.not_zip_or_bundle": _l("A MkDocs project is uploaded as a .zip of its folder or as a git bundle of its repository; “%(name)s” is neither."),
    "user.not_found": _l("There is no account named %(username)s."),
    "user.exists": _l("The user name %(username)s is already taken."),
    "user.last_admin": _l("You cannot remove the last administrator."),
    # server/passwords.py (why zxcvbn finds a new password too easy to guess)
    "password.common": _l("This password is too easy to guess: it is one of the most used passwords, or close to one. Use a few uncommon words, or a longer password."),
    "password.personal": _l("This password is too easy to guess: it contains the user name, the name or the e-mail address. Use a few uncommon words, or a longer password."),
    "password.name": _l("This password is too easy to guess: names and surnames are tried early. Use a few uncommon words, or a longer password."),
    "password.word": _l("This password is too easy to guess: a common word by itself is tried early. Use a few uncommon words, or a longer password."),
    "password.repeat": _l("This password is too easy to guess: repeated characters or words (like “aaa” or “abcabc”) are tried early. Use a few uncommon words, or a longer password."),
    "password.sequence": _l("This password is too easy to guess: sequences (like “abcdef” or “654321”) are tried early. Use a few uncommon words, or a longer password."),
    "password.keyboard": _l("This password is too easy to guess: rows and patterns of keys (like “qwerty” or “asdfgh”) are tried early. Use a few uncommon words, or a longer password."),
    "password.date": _l("This password is too easy to guess: dates and years are tried early. Use a few uncommon words, or a longer password."),
    "password.weak": _l("This password is too easy to guess (strength %(score)s of 4; %(needed)s is needed). Use a few uncommon words, or a longer password."),
    "membership.not_found": _l("%(username)s is not a member of %(book)s."),
    "token.not_found": _l("There is no such token."),
    "token.invalid": _l("The access token is missing, wrong or revoked."),
    "request.invalid": _l("The request is not valid: %(detail)s"),
    "request.unstorable_text": _l("Some text cannot be stored (%(field)s): it contains a NUL character or half of a character (a lone surrogate). Remove it and try again."),
    "csrf.invalid": _l("The form has expired or did not come from this site. Please reload the page and try again."),
    "job.not_found": _l("There is no such job."),
    "revision.missing": _l("Choose the two versions to compare."),
    "revision.invalid": _l("This is not a version name: %(rev)s."),
    "revision.not_found": _l("There is no version %(rev)s in the library."),
    "commit.not_found": _l("There is no change %(sha)s in this book."),
    "revert.not_allowed": _l("You cannot revert changes in this book."),
    "revert.target_not_allowed": _l("You cannot put a revert on %(target)s."),
    "revert.merge_commit": _l("A change that joins two lines of work (%(sha)s) cannot be reverted here."),
    "revert.outside_book": _l("The change %(sha)s also changed files outside this book; it cannot be reverted here."),
    "revert.not_on_branch": _l("The change %(sha)s is not part of %(branch)s yet, so it cannot be reverted there."),
    # server/editing.py (chapter editor, structure, images)
    "branch.not_allowed": _l("You may not save on the branch %(branch)s."),
    "chapter.not_found": _l("There is no chapter %(chapter)s in this book."),
    "chapter.exists": _l("A chapter named %(chapter)s already exists."),
    "chapter.name": _l("A chapter file name uses letters, digits, “-”, “_” and “.”, starts with a letter or digit and ends in .md; it may be in up to four folders named the same way (chapter_tree/binary_tree.md): %(filename)s"),
    "chapter.part_page": _l("The chapter %(chapter)s is its part's own page: it stays at the head of its part."),
    "chapter.hours": _l("Teaching hours must be a number: %(hours)s"),
    "chapter.markers": _l("The text still contains conflict marks (<<<<<<<, =======, >>>>>>>). Keep the words you want and delete the marks."),
    "edit.base": _l("The version you started from is unknown (%(base)s). Reload the chapter; your text is kept in this browser."),
    "part.not_found": _l("There is no part %(part)s in this book."),
    "part.title": _l("A part needs a title of at most 200 characters on one line."),
    "part.not_empty": _l("The part “%(part)s” still has chapters. Move or delete them first."),
    "structure.conflict": _l("Someone else changed the book's parts and chapters at the same moment (%(paths)s). Please try again."),
    "asset.missing": _l("Choose an image file to upload."),
    "asset.empty": _l("The image file is empty."),
    "asset.not_found": _l("There is no image %(name)s in this book."),
    "asset.too_large": _l("The image is too large: at most %(limit)s KB."),
    "asset.type": _l("Only PNG, JPG, GIF, WebP and SVG images can be uploaded, and the content must match the file type: %(name)s"),
    "asset.svg_invalid": _l("This file is not an SVG picture that can be used (%(reason)s). Save it again as plain SVG and upload it."),
    # server/standards/, server/alignment/ (standards catalog, imports, alignment)
    "standard.not_found": _l("There is no standard %(standard)s in the library."),
    "standard.exists": _l("The library already has the standard %(standard)s. An edition never changes: import a new edition under a new id."),
    "standard.unchanged": _l("The library already has the standard %(standard)s exactly as in this file: there is nothing to import."),
    "standard.proposed": _l("The standard %(standard)s is already proposed in %(where)s. Review and merge that one, or import this file under a new standard id."),
    "standard.import_not_found": _l("This import is no longer waiting: it was confirmed, cancelled or is more than a day old. Upload the file again."),
    "standard.import_round_trip": _l("The standard %(standard)s could not be saved without changing it; nothing was written."),
    "crosswalk.not_found": _l("There is no crosswalk %(crosswalk)s in the library."),
    "crosswalk.invalid": _l("The crosswalk is not valid: %(detail)s"),
    "crosswalk.unknown_standard": _l("There is no standard %(standard)s in the library."),
    "crosswalk.unknown_item": _l("The standard %(standard)s has no item %(key)s."),
    "crosswalk.ambiguous_item": _l("The code %(key)s names several items of %(standard)s: write the item's key instead."),
    "crosswalk.kind": _l("The kind of match must be exact, partial or related (完全对应, 部分对应, 相关), not %(detail)s."),
    "crosswalk.duplicate": _l("The pair %(detail)s is listed twice."),
    "crosswalk.proposed": _l("This crosswalk is already proposed in %(where)s. Review and merge that one first."),
    "crosswalk.unchanged": _l("The library already has this crosswalk exactly so: there is nothing to propose."),
    "crosswalk.round_trip": _l("The crosswalk %(crosswalk)s could not be saved without changing it; nothing was written."),
    "alignment.not_superseded": _l("No edition in the library supersedes %(standard)s."),
    "alignment.migration_declared": _l("The book already declares %(standard)s; edit its settings by hand."),
    "alignment.migration_book_yml": _l("The standards list of the settings of %(book)s could not be updated automatically; edit it by hand."),
    # server/feedback/ (readers' feedback)
    "feedback.invalid": _l("The feedback is missing something or is malformed (%(field)s)."),
    "feedback.too_large": _l("This is too long (%(field)s): at most %(limit)s characters."),
    "feedback.unknown_version": _l("The book %(book)s has no published version %(version)s."),
    "feedback.unknown_page": _l("Version %(version)s of %(book)s has no page %(page)s."),
    "feedback.origin_refused": _l("Feedback is not accepted from pages on %(origin)s."),
    "feedback.not_found": _l("There is no such feedback."),
    "feedback.reply_empty": _l("Write an answer first."),
    "feedback.bad_state": _l("This is not a state feedback can be put in: %(state)s."),
    "feedback.reason_required": _l("Say why the feedback is declined; the reader will see the reason."),
    "feedback.duplicate_invalid": _l("Give the number of another feedback item of this book (%(number)s)."),
    "feedback.public_needs_answer": _l("Answer first; then the answer can be shown under the page."),
    "feedback.assignee_invalid": _l("%(username)s does not write or review %(book)s."),
    "feedback.change_request_exists": _l("A change request was already made from this feedback (#%(number)s)."),
    "dashboard.period_invalid": _l("The period is not valid: %(detail)s"),
    # server/change_requests/ (change requests, reviews, suggestions; review/messages.py holds the codes of review/)
    "change_request.not_found": _l("There is no change request #%(number)s in this book."),
    "change_request.not_yours": _l("Only the author of change request #%(number)s or a maintainer of the book can do this."),
    "change_request.author_cannot_merge": _l("You cannot merge your own change request; a reviewer or maintainer merges it."),
    "change_request.nothing_to_override": _l("%(reviewer)s has no request for changes standing on this change request."),
    "change_request.reason_required": _l("Say why you override the request for changes."),
    "change_request.update_moved": _l("The change request or main moved while you resolved the collision. Update from main again."),
    "change_request.update_unresolved": _l("%(path)s still has colliding passages (conflict markers). Edit the merged text first."),
    "comment.empty": _l("Write something first."),
    "comment.not_found": _l("There is no such comment on this change request."),
    "comment.bad_line": _l("Line %(line)s of %(path)s is not in the change request."),
    "suggestion.not_found": _l("There is no such suggestion on this change request."),
    "suggestion.applied": _l("This suggestion is already applied."),
    "notification.not_found": _l("There is no such notification."),
    # build/ and server/sites.py (published sites, releases, previews)
    "build.error": _l("The site could not be built."),
    "build.failed": _l("The site could not be built. The end of the build log: %(detail)s"),
    "build.timeout": _l("Building the site took too long and was stopped."),
    "build.book_not_found": _l("There is no book %(book)s at this revision."),
    "build.warning": _l("Site build: %(detail)s"),
    "print.engine_missing": _l("Printing needs fonts this server does not have. An administrator can install them with: %(install)s"),
    "print.failed": _l("The book could not be typeset. The job's log says where."),
    "print.signing_failed": _l("The PDF could not be signed: %(detail)s"),
    "print.paper_invalid": _l("book.yml asks for the paper size “%(paper)s”, which print does not know: use 16k, a4 or b5."),
    "print.no_tasks": _l("No chapter of this book is marked as a work task, so it has no task sheets."),
    "print.task_not_found": _l("“%(task)s” is not one of the book's work tasks."),
    "preview.invalid_id": _l("This is not a valid change request number: %(cr)s."),
    "release.version_invalid": _l("“%(version)s” is not a valid version: write numbers joined by dots, such as 2026.1 or 1.2.0, optionally followed by -rc.1, -beta.1 or -alpha.1."),
    "release.version_exists": _l("Version %(version)s is already released. A published version never changes: choose another number."),
    "release.version_not_found": _l("This book has no published version %(version)s."),
    "release.commit_not_on_main": _l("Only a commit of the main version of the book can be released."),
    "site.not_published": _l("No version of the book %(book)s has been published yet."),
    "site.version_not_found": _l("The book %(book)s has no published version %(version)s."),
    "site.page_not_found": _l("This page is not part of the published book."),
    "site.preview_not_found": _l("There is no preview of change request #%(number)s yet."),
    # HTTP
    "http.400": _l("The request could not be understood."),
    "http.401": _l("Please sign in first."),
    "http.403": _l("You do not have permission to do this."),
    "http.404": _l("This page does not exist."),
    "http.405": _l("This action is not allowed here."),
    "http.409": _l("This conflicts with a change made in the meantime."),
    "http.413": _l("The upload is too large."),
    "http.422": _l("The request is not valid."),
    "http.429": _l("Too many attempts. Please wait a minute and try again."),
    "http.500": _l("Something went wrong on the server. The administrator can find the details in the log."),
    "http.503": _l("The service is not available right now."),
}

# HTTP status for domain error codes (default 400).
STATUS: dict[str, int] = {
    "materials.not_found": 404,
    "book.not_found": 404,
    "user.not_found": 404,
    "membership.not_found": 404,
    "token.not_found": 404,
    "job.not_found": 404,
    "build.book_not_found": 404,
    "release.version_exists": 409,
    "asset.svg_invalid": 422,
    "release.version_not_found": 404,
    "edit.conflict": 409,
    "ref.moved": 409,
    "ref.exists": 409,
    "standard.proposed": 409,
    "standard.unchanged": 409,
    "standard.import_not_found": 404,
    "crosswalk.not_found": 404,
    "crosswalk.proposed": 409,
    "crosswalk.unchanged": 409,
    "user.exists": 409,
    "book.exists": 409,
    "import.not_found": 404,
    "import.stale": 409,
    "import.history_invalid": 422,
    "import.no_history": 422,
    "import.side_invalid": 422,
    "import.not_zip_or_bundle": 415,
    "import.too_large": 413,
    "import.project_too_large": 413,
    "library.unavailable": 503,
    "git.timeout": 503,
    "token.invalid": 401,
}


class _Params(dict):
    """Missing parameters show as "…" instead of breaking the message."""

    def __missing__(self, key: str) -> str:
        return "…"


def message_for(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated message for an error ``code`` with ``params`` filled in.

    The codes of review/ are worded there (English msgids) and translated here with the same catalogue.
    """
    if code not in MESSAGES and code in review_messages.MESSAGES:
        return review_messages.describe_code(code, _Params({k: v for k, v in (params or {}).items() if v is not None}),
                                             code, translate=_)
    template = MESSAGES.get(code)
    if template is None:
        family = code.split(".")[0]
        template = MESSAGES.get(f"{family}.error") or _l("This could not be done (%(code)s).")
        params = {**(params or {}), "code": code}
    return str(template) % _Params({k: v for k, v in (params or {}).items() if v is not None})


def describe(error: BaseException) -> str:
    """Translate any error that carries ``code`` and ``params`` (materials, review, build, server)."""
    params = dict(getattr(error, "params", {}) or {})
    for attribute in ("path", "line"):
        if getattr(error, attribute, None) is not None:
            params.setdefault(attribute, getattr(error, attribute))
    params.setdefault("detail", getattr(error, "message", None) or str(error))
    text = message_for(getattr(error, "code", "http.400"), params)
    path, line = getattr(error, "path", None), getattr(error, "line", None)
    code = getattr(error, "code", "")
    if path and line and "%(path)s" not in str(MESSAGES.get(code, review_messages.MESSAGES.get(code, ""))):
        text += " " + _("(%(path)s, line %(line)s)", path=path, line=line)
    return text


def status_for(error: BaseException) -> int:
    return getattr(error, "status", None) or STATUS.get(getattr(error, "code", ""), 400)


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors; browsers get pages."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            body["details"] = details
        response = jsonify(error=body)
    else:
        try:
            page = render_template("ui/error.html", status=status, code=code, message=message)
        except Exception:  # the error page itself failed (e.g. a template error): plain text
            log.exception("error page failed to render")
            page = f"{status} {message}"
        response = Response(page, mimetype="text/html")
    response.status_code = status
    return response


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 401 and not wants_json():
            return redirect(url_for("signin.login", next=request.full_path.rstrip("?")))
        response = error_response(status, f"http.{status}", message_for(f"http.{status}"))
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        retry = error.get_response().headers.get("Retry-After") if status == 429 else None
        if retry:
            response.headers["Retry-After"] = retry
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return error_response(400, "csrf.invalid", message_for("csrf.invalid"))

    @app.errorhandler(UserError)
    def _user(error: UserError) -> Response:
        return error_response(error.status, error.code, describe(error), error.params or None)

    try:
        from materials import MaterialsError
    except ImportError:  # pragma: no cover - materials is part of this repository
        MaterialsError = None  # type: ignore[assignment]
    if MaterialsError is not None:

        @app.errorhandler(MaterialsError)
        def _materials(error: Exception) -> Response:
            return error_response(status_for(error), error.code, describe(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return _http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "http.500", message_for("http.500"))
