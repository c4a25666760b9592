"""Commits on a change request: following a new head, saving, and bringing main in.

Whoever writes on the branch (the editor, a suggestion, an update from main),
``follow_new_head`` moves the inline comments with their lines and the checks
run again.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext

from materials import (ConflictedFile, Delete, EditConflict, MaterialsError, NotFound, Saved, Write, normalise_text,
                       parse_chapter)
from materials.merging import merge_text, tree_changes
from review import anchors, workflow
from server.accounts.service import git_author
from server.audit.service import record
from server.change_requests.checks import schedule_checks
from server.change_requests.models import ACTIVE, ChangeRequest
from server.change_requests.service import MAIN, audit_target, may_write_cr, require_manage, review_errors, to_domain
from server.database import db, utcnow
from server.editing.written_files import check_written_files
from server.errors import UserError
from server.library import library


def sync_head(row: ChangeRequest) -> bool:
    """Read the branch head (the editor may have saved); on a new head follow comments and run checks."""
    if row.state not in ACTIVE:
        return False
    head = library().branch_head(row.branch)
    if head is None or head == row.head:
        return False
    follow_new_head(row, head)
    db().commit()
    schedule_checks(row)
    return True


def follow_new_head(row: ChangeRequest, head: str) -> None:
    lib = library()
    old_head = row.head
    row.head = head
    row.updated_at = utcnow()
    texts: dict[tuple[str, str], str | None] = {}

    def text(rev: str, path: str) -> str | None:
        if (rev, path) not in texts:
            try:
                texts[rev, path] = lib.read_text(rev, path)
            except (NotFound, MaterialsError):
                texts[rev, path] = None
        return texts[rev, path]

    for comment in row.comments:
        if comment.path is None or comment.outdated or comment.commit in (None, head):
            continue
        old = text(comment.commit, comment.path)
        anchor = anchors.Anchor(comment.path, comment.line or 0, comment.line_text or "", comment.commit)
        moved = anchors.follow(anchor, old, text(head, comment.path), head) if old is not None else anchors.OUTDATED
        if moved is anchors.OUTDATED:
            comment.outdated = True
        else:
            comment.line, comment.commit = moved.line, moved.commit
    del old_head


def commit_to_cr(user: Any, row: ChangeRequest, changes: list, message: str, base: str | None = None) -> Saved:
    """Save ``changes`` on the change request as one commit by ``user`` (EditConflict on overlap)."""
    if not may_write_cr(user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)
    lib = library()
    changes = check_written_files(row.book, changes)
    sync_head(row)
    with review_errors():
        cr, saved = workflow.commit_to(lib, to_domain(row), changes, git_author(user), message, base)
    if cr.head != row.head:
        follow_new_head(row, cr.head)
        db().commit()
        schedule_checks(row)
    return saved


def update_from_main(user: Any, row: ChangeRequest) -> str:
    """Merge main into the change request; ``EditConflict`` (nothing written) when passages collide."""
    require_manage(user, row)
    sync_head(row)
    try:
        with review_errors():
            cr = workflow.update_from_main(library(), to_domain(row), git_author(user))
    except EditConflict as conflict:
        raise _told_from_the_change_request(conflict) from None
    if cr.head != row.head:
        follow_new_head(row, cr.head)
        record("change_request.update", target=audit_target(row), head=cr.head)
        db().commit()
        schedule_checks(row)
    return cr.head


def _told_from_the_change_request(conflict: EditConflict) -> EditConflict:
    """The collision as the person updating their change request reads it.

    The library merges main *into* the branch, so its "theirs" is the text the
    branch has (the change request's) and its "yours" is main's; here theirs is
    main's text and yours the change request's, with the merged proposal marked
    the same way.
    """
    files = []
    for c in conflict.conflicts:
        theirs, yours = c.yours, c.theirs
        merged = merge_text(c.base or "", theirs, yours)[0] if theirs is not None and yours is not None else c.merged
        files.append(ConflictedFile(c.path, c.base, theirs, yours, merged))
    return EditConflict(files, head=conflict.head)


def resolve_update(user: Any, row: ChangeRequest, resolutions: dict[str, str], expected_head: str,
                   expected_main: str) -> str:
    """Finish an "update from main" that collided: a merge commit with the person's text for each file."""
    require_manage(user, row)
    lib = library()
    head, main = lib.branch_head(row.branch), lib.resolve(MAIN)
    if head != expected_head or main != expected_main:
        raise UserError("change_request.update_moved", status=409, number=row.number)
    base = lib.merge_base(main, head)
    tree = lambda rev: lib.objects.commit(rev).tree if rev else None  # noqa: E731
    theirs = tree_changes(lib.objects, tree(base), tree(main))
    ours = tree_changes(lib.objects, tree(base), tree(head))
    read = lambda entry: lib.objects.read(entry.sha)[1]  # noqa: E731
    changes: list = []
    for path, (old, new) in sorted(theirs.items()):
        if path in resolutions:
            text = normalise_text(resolutions[path])
            if re.search(r"^(<<<<<<<|>>>>>>>)( |$)", text, re.MULTILINE):
                raise UserError("change_request.update_unresolved", status=409, path=path)
            if path.endswith(".md"):
                parse_chapter(text, path)  # refuse a chapter the library could not read
            changes.append(Write(path, text))
        elif path not in ours or ours[path][1] == new:
            changes.append(Write(path, read(new)) if new else Delete(path))
        else:
            mine = ours[path][1]
            datas = [read(e).decode("utf-8", "replace") if e else "" for e in (old, mine, new)]
            merged, clean = merge_text(datas[0], datas[2], datas[1])
            if not clean:
                raise UserError("change_request.update_unresolved", status=409, path=path)
            changes.append(Write(path, merged))
    message = gettext("Bring the book's latest text into change request #%(number)s", number=row.number)
    saved = lib.commit(row.branch, changes, git_author(user), message, base=head, parents_extra=(main,))
    follow_new_head(row, saved.sha)
    record("change_request.update", target=audit_target(row), head=saved.sha, resolved=sorted(resolutions))
    db().commit()
    schedule_checks(row)
    return saved.sha
