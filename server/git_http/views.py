"""``git clone`` and ``git push`` of a book over HTTP(S), and its download as a ``git bundle``.

``/git/<book>.git/…`` answers git's smart HTTP protocol (``info/refs``,
``git-upload-pack``, ``git-receive-pack``) through ``git http-backend``
(``materials.smart_http``). People sign in with HTTP Basic: their account name
and a personal access token as the password; a missing or wrong token gets a
401 that makes git ask for one. A book that does not exist and a book the person
is not a member of answer the same 404.

No browser session counts here and no CSRF token is asked: a request is only
taken with a token and with git's own content types, which a page on another
site cannot send without the browser asking this server first (CORS).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, send_file
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from materials import MaterialsError
from materials.smart_http import backend_environment, read_cgi_headers, start_backend
from server.database import db
from server.git_http import service
from server.library import book_title
from server.permissions import Ability, book_access, may, public
from server.security import body_limit, takes_posts_from_other_sites

blueprint = Blueprint("git_http", __name__)
log = logging.getLogger(__name__)

REALM = 'Basic realm="Jointbook", charset="UTF-8"'
CHUNK = 64 * 1024
PUSH_TIMEOUT = 600.0  # seconds one push may take, hook included (GIT_PUSH_TIMEOUT)


def _plain(status: int, text: str, **headers: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain", headers=headers)


def _signed_in():
    """The account of the request's HTTP Basic credentials (account name, token), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return service.account_of(username, secret)


def _body() -> tempfile.SpooledTemporaryFile:
    """The request body, kept aside (in memory, on disk when large), at most ``GIT_PUSH_MAX_BYTES``."""
    limit = service.push_max_bytes()
    kept = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    total = 0
    stream = request.stream
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise RequestEntityTooLarge()
        kept.write(chunk)
    kept.seek(0)
    return kept


def _serve(book: str, action: str):
    user = _signed_in()
    if user is None:
        return _plain(401, gettext("Sign in with your account name and a personal access token as the password."),
                      **{"WWW-Authenticate": REALM})
    if not service.readable_book(user, book):
        return _plain(404, gettext("No such book."))
    g._login_user = user  # the permission rules and the audit log read who is asking from here
    wanted = request.args.get("service") if action == "info/refs" else action
    pushing = wanted == "git-receive-pack"
    if pushing and not may(user, Ability.write, book):
        return _plain(403, gettext("You may read this book but not write it."))
    try:
        backend_environment(service.mirrors_root(), f"{book}.git", action, method=request.method,
                            service=request.args.get("service"), content_type=request.mimetype,
                            content_encoding="", protocol="", remote_user=user.username, remote_addr="")
    except MaterialsError:
        return _plain(400 if action != "info/refs" else 403, gettext("Only git's smart HTTP protocol is served here."))
    body = _body() if request.method == "POST" else None
    mirror = service.mirror_of(book)

    def environment(push_socket: str | None = None) -> dict[str, str]:
        return backend_environment(
            service.mirrors_root(), f"{book}.git", action, method=request.method,
            service=request.args.get("service"), content_type=request.mimetype,
            content_encoding=request.headers.get("Content-Encoding", ""),
            protocol=request.headers.get("Git-Protocol", ""), remote_user=user.username,
            remote_addr=request.remote_addr or "", push_socket=push_socket)

    if action == "git-receive-pack":
        with mirror.locked():
            answer = _push(user, mirror, environment, body)
            service.refresh(mirror)  # the branches now show the library's commits
        return answer
    if not pushing or mirror.refs.get("refs/heads/main") is None:  # a push to a new mirror: show the book first
        with mirror.locked():
            service.refresh(mirror)
    return _stream(start_backend(environment()), body)


def _feed(process, body) -> None:
    try:
        if body is not None:
            shutil.copyfileobj(body, process.stdin, CHUNK)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            process.stdin.close()
        except OSError:
            pass


def _stream(process, body) -> Response:
    """Git's answer, streamed as it comes (a clone can be large)."""
    threading.Thread(target=_feed, args=(process, body), daemon=True).start()
    errors = []
    threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True).start()
    status, headers = read_cgi_headers(process.stdout)

    def chunks():
        try:
            while True:
                data = process.stdout.read1(CHUNK) if hasattr(process.stdout, "read1") else process.stdout.read(CHUNK)
                if not data:
                    break
                yield data
        finally:
            process.stdout.close()
            process.wait(timeout=30)

    return Response(chunks(), status=status, headers=headers, direct_passthrough=True)


def _push(user, mirror, environment, body) -> Response:
    """Run ``git-receive-pack``, answering its hook's question (``service.receive``) on a private socket."""
    folder = tempfile.mkdtemp(prefix="jointbook-push-")
    os.chmod(folder, 0o700)
    path = str(Path(folder) / "hook")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(0.2)
        process = start_backend(environment(path))
        threading.Thread(target=_feed, args=(process, body), daemon=True).start()
        output: list[bytes] = []
        errors: list[bytes] = []
        readers = [threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True),
                   threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + float(current_app.config.get("GIT_PUSH_TIMEOUT") or PUSH_TIMEOUT)
        while process.poll() is None and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            with connection:
                _answer_hook(user, mirror, connection)
        if process.poll() is None:
            process.kill()
        process.wait()
        for reader in readers:
            reader.join(10)
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
    raw = b"".join(output)
    head, _, rest = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw[:2000] else raw.partition(b"\n\n")
    status, headers = read_cgi_headers(io.BytesIO(head + b"\n\n"))
    return Response(rest, status=status, headers=headers)


def _answer_hook(user, mirror, connection) -> None:
    connection.settimeout(60)
    data = b""
    while True:
        chunk = connection.recv(CHUNK)
        if not chunk:
            break
        data += chunk
    try:
        question = json.loads(data)
        updates, quarantine = str(question["updates"]), str(question["quarantine"])
    except (ValueError, KeyError, TypeError):
        ok, lines = False, [gettext("The push could not be read.")]
    else:
        try:
            ok, lines = service.receive(user, mirror, updates, _quarantine_of(mirror, quarantine))
        except Exception:  # a fault of ours: the push is refused, git is told, and the server keeps running
            log.exception("a push to %s failed", mirror.book)
            db().rollback()
            ok, lines = False, [gettext("The push could not be taken because of a fault on the platform. Please try again later.")]
    connection.sendall(json.dumps({"ok": ok, "messages": lines}).encode())


def _quarantine_of(mirror, folder: str) -> str:
    """The push's quarantine folder, only if it is one git made inside this book's repository."""
    if not folder:
        return ""
    objects = (mirror.path / "objects").resolve()
    where = Path(folder).resolve()
    return str(where) if where.parent == objects and where.is_dir() else ""


@blueprint.route("/git/<book>.git/info/refs", methods=["GET"], endpoint="refs")
@public
def refs(book: str):
    """Which branches the book's repository has (the first request of a clone, a fetch and a push)."""
    return _serve(book, "info/refs")


@blueprint.route("/git/<book>.git/git-upload-pack", methods=["POST"], endpoint="upload_pack")
@public
@takes_posts_from_other_sites
@body_limit("GIT_PUSH_MAX_BYTES", service.DEFAULT_PUSH_MAX_BYTES)
def upload_pack(book: str):
    """A clone or fetch: the book's commits the client asks for."""
    return _serve(book, "git-upload-pack")


@blueprint.route("/git/<book>.git/git-receive-pack", methods=["POST"], endpoint="receive_pack")
@public
@takes_posts_from_other_sites
@body_limit("GIT_PUSH_MAX_BYTES", service.DEFAULT_PUSH_MAX_BYTES)
def receive_pack(book: str):
    """A push: each branch opens or updates a change request (``service.receive``)."""
    return _serve(book, "git-receive-pack")


@blueprint.route("/books/<book>/export.bundle", endpoint="bundle")
@book_access(Ability.read)
def bundle(book: str):
    """The book with its whole history, as a ``git bundle`` (``git clone book.bundle``)."""
    return bundle_response(book)


def bundle_response(book: str) -> Response:
    """The download of the book's bundle (the page's and the API's); 404 for a book that is not there."""
    book_title(book)
    path = service.export_bundle(book)
    response = send_file(path, mimetype="application/x-git-bundle", as_attachment=True,
                         download_name=f"{book}.bundle", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response
