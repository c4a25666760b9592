"""Git for power users: who may clone and push a book, and what a push does.

A book's repository (``materials.book_history.BookMirror``) shows its ``main``,
the branch of each active change request of the book (``cr/<n>``) and the
branch names people pushed, each showing the change request it opened. It is
brought up to date from the library before every fetch and after every push.

A push of a branch opens a change request in the pusher's name, or adds to the
one the branch already shows. Each pushed commit is checked as a browser save
is (paths, front matter, YAML, sizes: ``editing.written_files``) and replayed
into the library with the pusher's name and side; the replayed commits then
join the change request's branch by compare-and-swap, or, when someone saved in
the browser meanwhile, by a merge that keeps both (overlapping edits refuse the
push, and nothing changes). ``main`` takes pushes only where the book's review
policy allows direct commits, from its maintainers.
"""
from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import bindparam, select, update

from materials import Delete, EditConflict, MaterialsError, NotFound, Write
from materials.book_history import FILE_MODES, BookMirror
from materials.errors import RefMoved
from materials.paths import BOOK_SLUG, book_file_path
from materials.refs import ZERO, validate_ref_name
from materials.smart_http import push_hook
from server.accounts.models import ApiToken, TOKEN_PREFIX, User, hash_token
from server.accounts.service import git_author
from server.audit.service import record
from server.change_requests.checks import schedule_checks
from server.change_requests.commits import follow_new_head
from server.change_requests.lifecycle import open_cr
from server.change_requests.models import ACTIVE, ChangeRequest
from server.change_requests.service import BRANCH, audit_target, book_crs, cr_url, get_cr, may_write_cr
from server.database import db, utcnow
from server.editing.written_files import check_written_files, max_asset_bytes
from server.errors import UserError, describe
from server.landing import may_commit_to_main
from server.library import library
from server.permissions import Ability, may

MAIN = "main"
DEFAULT_PUSH_MAX_BYTES = 200 * 1024 * 1024  # one push's pack; GIT_PUSH_MAX_BYTES in the configuration
INCOMING = "incoming"  # library branches a push is replayed on before it joins its target


def mirrors_root(config: Any = None) -> Path:
    """Where the books' repositories live (``BOOK_MIRRORS_DIR``, else ``<instance>/book-mirrors``)."""
    config = current_app.config if config is None else config
    configured = config.get("BOOK_MIRRORS_DIR")
    return Path(configured or Path(config["JOINTBOOK_INSTANCE"]) / "book-mirrors")


def push_max_bytes() -> int:
    return int(current_app.config.get("GIT_PUSH_MAX_BYTES") or DEFAULT_PUSH_MAX_BYTES)


# ------------------------------------------------------------------ who is asking

_TOKEN_OWNER = (select(ApiToken.id, ApiToken.last_used_at, User).join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == bindparam("token_hash")))


def account_of(username: str, secret: str) -> User | None:
    """The active account ``username`` whose personal access token is ``secret`` (None otherwise)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = db().execute(_TOKEN_OWNER, {"token_hash": hash_token(secret)}).first()
    if row is None or not row.User.active or row.User.username != username:
        return None
    token_id, last_used_at, user = row
    now = utcnow()
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        db().execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db().commit()
    return user


def readable_book(user: Any, book: str) -> bool:
    """May ``user`` clone ``book``? False alike for a book that does not exist and one they are not a member of."""
    if not BOOK_SLUG.match(book or ""):
        return False
    try:
        if book not in library().books(MAIN):
            return False
    except MaterialsError:
        return False
    return may(user, Ability.read, book)


# ------------------------------------------------------------------ the book's repository

def mirror_of(book: str) -> BookMirror:
    return BookMirror.open(library(), book, mirrors_root(), hook=push_hook())


def shown_branches(mirror: BookMirror) -> dict[str, str]:
    """Mirror branch -> library branch: main, each active change request, each branch name pushed
    for one (names of change requests no longer active are forgotten)."""
    active = {row.number: row.branch for row in book_crs(mirror.book, "active")}
    shown = {MAIN: MAIN, **{branch: branch for branch in active.values()}}
    pushed = {name: number for name, number in mirror.branches().items() if number in active}
    if pushed != mirror.branches():
        mirror.set_branches(pushed)
    shown.update({name: active[number] for name, number in pushed.items()})
    return shown


def release_tags(mirror: BookMirror) -> dict[str, str]:
    """The book's releases as tags of its own repository: the library's ``<book>/v1.0`` is ``v1.0`` there."""
    prefix = f"{mirror.book}/"
    return {name[len(prefix):]: sha for name, sha in library().tags().items() if name.startswith(prefix)}


def refresh(mirror: BookMirror) -> dict[str, str]:
    """The mirror as the library has the book now (hold ``mirror.locked()``)."""
    return mirror.update(shown_branches(mirror), tags=release_tags(mirror))


def write_bundle(lib, book: str, root: Path, target: Path) -> Path:
    """Write the ``git bundle`` of ``book``'s main with its whole history (the split of ``clone``) to ``target``;
    ``MaterialsError`` when the library has no such book. No request needed: the command line calls it too."""
    if book not in lib.books(MAIN):
        raise NotFound(f"no book {book}", what=book)
    mirror = BookMirror.open(lib, book, root, hook=push_hook())
    with mirror.locked():
        mirror.update({MAIN: MAIN}, prune=False)
        return mirror.bundle(target)


def export_bundle(book: str) -> Path:
    """The book's bundle in a temporary file that the caller removes."""
    handle = tempfile.NamedTemporaryFile(prefix=f"{book}-", suffix=".bundle", delete=False)
    handle.close()
    target = Path(handle.name)
    target.unlink()
    return write_bundle(library(), book, mirrors_root(), target)


# ------------------------------------------------------------------ a push

class Refused(Exception):
    """A push the platform does not take: its lines are what the pusher reads after ``remote:``."""

    def __init__(self, *lines: str):
        super().__init__(lines[0] if lines else "")
        self.lines = list(lines)


@dataclass
class Replayed:
    tip: str
    hints: list[tuple[str, str]]
    count: int
    reshaped: bool = False  # a file was stored in the library's one form (LF line endings…), not as pushed


def receive(user: Any, mirror: BookMirror, updates: str, quarantine: str) -> tuple[bool, list[str]]:
    """Decide one push (what the mirror's ``pre-receive`` hook asks): (taken?, lines for the pusher)."""
    try:
        return True, _receive(user, mirror, updates, quarantine or None)
    except Refused as refusal:
        db().rollback()
        return False, ["", *refusal.lines, ""]
    except (UserError, MaterialsError) as error:
        db().rollback()
        return False, ["", gettext("Refused: %(reason)s", reason=describe(error)), ""]


def _receive(user: Any, mirror: BookMirror, updates: str, quarantine: str | None) -> list[str]:
    commands = [line.split() for line in updates.splitlines() if line.strip()]
    if len(commands) != 1 or len(commands[0]) != 3:
        raise Refused(gettext("Push one branch at a time."))
    old, new, ref = commands[0]
    if not ref.startswith("refs/heads/"):
        raise Refused(gettext("Only branches can be pushed here; versions are made on the book's releases page."))
    name = ref[len("refs/heads/"):]
    if new == ZERO:
        raise Refused(gettext("Branches are not deleted by push: close the change request on the platform instead."))
    try:
        validate_ref_name(name)
    except MaterialsError:
        raise Refused(gettext("“%(name)s” cannot be a branch name here.", name=name[:100])) from None
    if (mirror.refs.get(ref) or ZERO) != old:
        raise Refused(gettext("The branch %(name)s has moved since you fetched it: run git pull, then push again.",
                              name=name))
    lib = library()
    book = mirror.book
    target = _target(user, mirror, name)
    if old != ZERO and not mirror.is_ancestor_pushed(old, new, quarantine):
        raise Refused(gettext("Pushes that rewrite history are refused: add commits on top of %(name)s instead "
                              "(git pull --rebase, then push without --force).", name=name))
    replayed = _replay(user, mirror, new, old, quarantine)
    author = git_author(user)
    if target == MAIN:
        head = _join(lib, MAIN, replayed.tip, author, name)
        for library_commit, book_commit in replayed.hints:
            mirror.hint(library_commit, book_commit)
        record("book.push", target=book, branch=MAIN, head=head, commits=replayed.count)
        db().commit()
        return ["", gettext("%(count)s commit(s) added to the book's main text.", count=replayed.count), ""]
    if target is None:
        title, description = _title(mirror, old, new, quarantine)
        row = open_cr(user, book, title, description, origin="git")
        try:
            lib.refs.swap("refs/heads/" + row.branch, replayed.tip, row.head)  # a branch nobody else knows yet
            head = replayed.tip
        except RefMoved:  # someone wrote on it within the instant: keep theirs too
            head = _join(lib, row.branch, replayed.tip, author, name)
        opened = True
        mirror.set_branches({**mirror.branches(), name: row.number})
    else:
        row = target
        head, opened = _join(lib, row.branch, replayed.tip, author, name), False
    for library_commit, book_commit in replayed.hints:
        mirror.hint(library_commit, book_commit)
    follow_new_head(row, head)
    record("change_request.push", target=audit_target(row), branch=name, head=head, commits=replayed.count)
    db().commit()
    schedule_checks(row)
    url = cr_url(row, _external=True)
    lines = [""]
    if opened:
        lines.append(gettext("Change request #%(number)s opened: %(title)s", number=row.number, title=row.title))
    else:
        lines.append(gettext("Change request #%(number)s updated with %(count)s commit(s).", number=row.number,
                             count=replayed.count))
    if replayed.reshaped:
        lines.append(gettext("Some files were stored in the platform's one form (for example LF line endings): "
                             "run git pull --rebase before your next push."))
    if head != replayed.tip:
        lines.append(gettext("Changes saved meanwhile on the platform were merged with yours: run git pull to get them."))
    lines += [gettext("Its checks are running. See it at:"), f"  {url}", ""]
    return lines


def _target(user: Any, mirror: BookMirror, name: str) -> ChangeRequest | str | None:
    """What the branch ``name`` writes: ``MAIN``, an existing change request, or None (a new one)."""
    book = mirror.book
    lib = library()
    if name == MAIN:
        if not may_commit_to_main(user, book, lib):
            raise Refused(gettext("The book's main text changes through change requests only."),
                          gettext("Push your work to a branch of its own, which opens a change request:"),
                          "  git push origin HEAD:my-change")
        return MAIN
    number = None
    match = BRANCH.match(name)
    if match:
        number = int(match.group(1))
    elif name in mirror.branches():
        number = mirror.branches()[name]
    if number is None:
        if not may(user, Ability.write, book):
            raise Refused(gettext("You may read this book but not write it."))
        return None
    try:
        row = get_cr(book, number)
    except UserError:
        row = None
    if row is None or row.state not in ACTIVE:
        if match:
            raise Refused(gettext("Branches named cr/<number> belong to the platform's change requests; "
                                  "push another branch name to open one."))
        return None
    if not may_write_cr(user, row):
        raise Refused(gettext("The branch %(name)s shows change request #%(number)s, which is not yours to write: "
                              "push another branch name to open your own.", name=name, number=row.number))
    return row


def _title(mirror: BookMirror, old: str, new: str, quarantine: str | None) -> tuple[str, str]:
    commits = mirror.pushed_commits(old, new, quarantine)
    subjects = [c.message.strip().splitlines()[0] if c.message.strip() else "" for c in commits]
    title = next((s for s in subjects if s), "") or gettext("Changes pushed with git")
    description = "\n".join(f"- {s}" for s in subjects if s) if len(subjects) > 1 else ""
    return title[:200], description


def _replay(user: Any, mirror: BookMirror, new: str, old: str, quarantine: str | None) -> Replayed:
    """Check every pushed commit as a browser save is checked, then write each into the library on a branch
    of its own (nothing that anyone reads yet)."""
    lib = library()
    book = mirror.book
    commits = mirror.pushed_commits(old, new, quarantine)
    # The book commits a push builds on must be known: split what the library has now (the map and
    # objects only; the mirror's branches are receive-pack's until it is done).
    heads = [lib.branch_head(branch) for branch in shown_branches(mirror).values()]
    split = mirror.split([h for h in heads if h])
    known: dict[str, str] = {}
    for library_commit, book_commit in split.items():
        if book_commit:
            known.setdefault(book_commit, library_commit)
    pushed = [c for c in commits if c.sha not in known]
    if not pushed:
        tip = known.get(new)
        if tip is None:
            raise Refused(gettext("Nothing to push."))
        return Replayed(tip, [], 0)
    limit = max_asset_bytes()
    wanted = [e.sha for c in pushed for _path, e in c.changes if e is not None and e.mode in FILE_MODES]
    contents = mirror.read_blobs(wanted, quarantine)
    plans = []
    ours = {c.sha for c in pushed}
    for commit in pushed:
        if not commit.parents or any(p not in known and p not in ours for p in commit.parents):
            raise Refused(gettext("Commit %(sha)s is not built on this book's history: clone the book and commit "
                                  "on top of it.", sha=commit.sha[:10]))
        changes = []
        for path, entry in commit.changes:
            full = f"books/{book}/{path}"
            if entry is None:
                changes.append(Delete(full))
                continue
            if entry.mode not in FILE_MODES:
                raise Refused(_refusal(commit.sha, path, gettext("only plain files may be in a book (no symbolic "
                                                                 "links, no submodules)")))
            data = contents[entry.sha]
            if len(data) > limit:
                raise Refused(_refusal(commit.sha, path, gettext("the file is larger than %(limit)s KiB",
                                                                 limit=limit // 1024)))
            changes.append(Write(full, data))
        try:
            changes = check_written_files(book, changes)
            for change in changes:
                if isinstance(change, Delete):
                    book_file_path(book, change.path)  # what a book may not hold, it may not delete either
        except (UserError, MaterialsError) as error:
            where = getattr(error, "path", None) or getattr(error, "params", {}).get("path") or ""
            reason = describe(error)
            if isinstance(error, MaterialsError) and error.message not in reason:
                reason += f" ({error.message})"  # the rule the path breaks, beside the translated message
            raise Refused(_refusal(commit.sha, str(where).removeprefix(f"books/{book}/"), reason)) from None
        plans.append((commit, changes))
    author = git_author(user)
    branch = f"{INCOMING}/{secrets.token_hex(8)}"
    ref = "refs/heads/" + branch
    hints: list[tuple[str, str]] = []
    reshaped = False
    try:
        for commit, changes in plans:
            first = known[commit.parents[0]]
            extra = tuple(dict.fromkeys(known[p] for p in commit.parents[1:] if known[p] != first))
            current = lib.refs.get(ref)
            if current != first:
                lib.refs.swap(ref, first, current)
            if not changes and not extra:
                known[commit.sha] = first
                continue
            if changes:
                saved = lib.commit(branch, changes, author, commit.message, base=first, parents_extra=extra).sha
            else:
                saved = lib.objects.write_commit(lib.objects.commit(first).tree, [first, *extra], author.person(),
                                                 author.person(), commit.message)
            known[commit.sha] = saved
            hints.append((saved, commit.sha))
            reshaped = reshaped or lib.subtree(saved, f"books/{book}") != commit.tree
    finally:
        current = lib.refs.get(ref)
        if current:
            lib.refs.delete(ref, current)
    return Replayed(known[new], hints, len(plans), reshaped)


def _refusal(sha: str, path: str, reason: str) -> str:
    return gettext("Refused: commit %(sha)s, %(path)s: %(reason)s", sha=sha[:10], path=path, reason=reason)


def _join(lib, branch: str, tip: str, author, pushed: str) -> str:
    """Put the replayed commits on ``branch``: a fast-forward by compare-and-swap when nobody wrote it
    meanwhile, else a merge that keeps both (``Refused`` when edits overlap; nothing is written then)."""
    ref = "refs/heads/" + branch
    for _attempt in range(50):
        head = lib.refs.get(ref)
        if head is None:
            raise Refused(gettext("The branch %(name)s is gone.", name=branch))
        if lib.is_ancestor(head, tip):
            try:
                lib.refs.swap(ref, tip, head)
            except RefMoved:
                continue
            return tip
        try:
            return lib.merge(tip, branch, author, gettext("Merge the commits pushed to %(name)s", name=pushed),
                             fast_forward=False)
        except EditConflict as conflict:
            paths = ", ".join(sorted(c.path.split("/", 2)[-1] for c in conflict.conflicts))
            raise Refused(gettext("Someone changed the same passages on the platform meanwhile (%(paths)s).",
                                  paths=paths),
                          gettext("Nothing was changed: run git pull, resolve the conflict, and push again.")) from None
    raise Refused(gettext("The branch is too busy; push again."))
