"""The pages of published sites: reading them (``sites``) and releasing them (``releases``).

Students read published sites at ``/read/<book>/<version>/…``; the team reads previews.
Files come straight from ``SITES_DIR`` (what nginx could serve instead, see
the README) and ``PREVIEWS_DIR``. Only what publishing made public is served:
``versions.json``, ``index.html``, ``latest/`` and the directories of listed
versions; never a dot-name (``.cache``, ``.lock``, staging directories) and
never a path that leaves the directory. A version's pictures, fonts and
hashed assets never change, so they are cached for a year; its pages and
downloads, which building it again could change, and what moves with each
release (``latest``, ``versions.json``) are revalidated. Text files go as the
build compressed them (``build.compression``) to browsers that accept it. Pages get a policy of their own that lets
the site's own inline scripts run (by hash) and nothing else.

The releases of a book: the team sees every published version; maintainers
publish, hide and withdraw. Publishing takes two steps: the maintainer names the version, then confirms
the exact commit of main that will be tagged (what they confirmed is what is
released, even if main moves meanwhile). The build then runs as a job whose
page refreshes itself until it is done.
"""


from __future__ import annotations
import base64
import hashlib
import mimetypes
import os
import re
from functools import lru_cache
from pathlib import Path
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.security import safe_join
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from build.compression import ENCODINGS, compressible
from build.publish import LATEST, MAX_VERSION_LENGTH, VERSIONS, read_versions
from materials import MaterialsError
from materials.paths import BOOK_SLUG
from server.errors import UserError, describe
from server.forms import ConfirmForm, PageForm
from server.library import book_title, library
from server.permissions import Ability, book_access, may, public
from server.sites import downloads, previews, releases as versions, service


sites = Blueprint("sites", __name__)


@sites.app_template_global("preview_status")
def _preview_status_global(book: str, number: int, head: str | None = None) -> previews.PreviewStatus:
    """For ``templates/ui/sites/_preview.html`` (the change request page's preview card)."""
    return previews.preview_status(book, number, head)

@sites.app_template_global("download_label")
def _download_label(fmt: str | None) -> str:
    """A release download's name for people ("Printed book (PDF)"), for the build pages."""
    return str(downloads.LABELS.get(fmt or "", fmt or ""))


IMMUTABLE = "public, max-age=31536000, immutable"
# A version can be built again from its commit (a download that failed, a site built anew after
# an upgrade of the platform): what that could change is revalidated, not kept for a year.
# What cannot change: the book's own pictures and media (the commit's), fonts, and Material's
# files, whose names carry a hash of their content.
KEPT_FOR_GOOD = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".mp4", ".webm", ".mp3",
                           ".woff2", ".woff", ".ttf"})
HASHED_NAME = re.compile(r"\.[0-9a-f]{8}\.min\.(?:js|css)$")
REVALIDATE = "public, max-age=60, must-revalidate"
PRIVATE = "private, no-cache"
TYPES = {
    ".html": "text/html", ".js": "text/javascript",
    ".css": "text/css", ".json": "application/json", ".xml": "application/xml",
    ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
    ".gz": "application/gzip", ".txt": "text/plain", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".ico": "image/x-icon", ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
    ".pdf": "application/pdf", ".epub": "application/epub+zip",
}
SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)


def site_policy(script_hashes: tuple[str, ...] = ()) -> str:
    """The site's own scripts and styles; inline scripts only when they are the ones built into the page."""
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    return "; ".join([
        "default-src 'self'", f"script-src {scripts}", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'", "worker-src 'self' blob:",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'self'",
    ])


@lru_cache(maxsize=4096)
def _inline_script_hashes(path: str, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    with open(path, "rb") as handle:
        html = handle.read()
    return tuple(sorted({base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
                         for m in SCRIPT.finditer(html)}))


def _precompressed(path: str) -> tuple[str, str] | None:
    """The build's compressed copy of ``path`` (``.br``, ``.gz``) the client accepts, and its coding."""
    accepted = request.accept_encodings
    for coding, suffix in ENCODINGS:
        if accepted[coding] > 0 and os.path.isfile(path + suffix):
            return path + suffix, coding
    return None


def _not_found(code: str = "site.page_not_found", **params: str) -> UserError:
    return UserError(code, status=404, **params)


def _book_root(base: Path, book: str) -> Path:
    root = base / book
    if not BOOK_SLUG.match(book) or not root.is_dir():
        raise _not_found("site.not_published", book=book)
    return root


def _serve(root: Path, path: str, cache: str) -> Response:
    """``path`` under ``root``: a file, or a directory's index.html; never a dot-name or outside ``root``."""
    parts = path.split("/")
    if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts) or any(p == "" for p in parts[:-1]):
        raise _not_found()
    joined = safe_join(str(root), path)
    if joined is None:
        raise _not_found()
    target = Path(joined)
    if target.is_dir():
        if not path.endswith("/") and path != "":
            # relative links of the pages need the slash
            return redirect(request.path + "/" + (f"?{request.query_string.decode()}" if request.query_string
                                                  else ""), 308)
        target = target / "index.html"
    real = os.path.realpath(target)
    if not real.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(real):
        raise _not_found()
    stat = os.stat(real)
    suffix = Path(real).suffix.lower()
    mimetype = TYPES.get(suffix) or mimetypes.guess_type(real)[0] or "application/octet-stream"
    if cache == IMMUTABLE and suffix not in KEPT_FOR_GOOD and not HASHED_NAME.search(real):
        cache = REVALIDATE
    packed = _precompressed(real)
    sent = packed[0] if packed else real
    response = send_file(sent, mimetype=mimetype, conditional=True, etag=True, last_modified=stat.st_mtime)
    if packed:
        response.headers["Content-Encoding"] = packed[1]
    if compressible(Path(real)):
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache
    hashes = _inline_script_hashes(real, stat.st_mtime_ns, stat.st_size) if suffix == ".html" else ()
    response.headers["Content-Security-Policy"] = site_policy(hashes)
    return response


@sites.route("/read/<book>/")
@public
def latest(book: str):
    """The newest published version (what a link handed to students should point at)."""
    _book_root(service.sites_dir(), book)
    version = service.latest(book)
    if version is None:
        raise _not_found("site.not_published", book=book)
    response = redirect(url_for("sites.read", book=book, path=f"{version}/"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@sites.route("/read/<book>/<path:path>")
@public
def read(book: str, path: str):
    root = _book_root(service.sites_dir(), book)
    first = path.split("/", 1)[0]
    if first in (VERSIONS, "index.html") and "/" not in path:
        return _serve(root, path, REVALIDATE)
    if first == LATEST:
        return _serve(root, path, REVALIDATE)
    if first not in {v["version"] for v in read_versions(service.sites_dir(), book)}:
        raise _not_found("site.version_not_found", book=book, version=first[:40])
    return _serve(root, path, IMMUTABLE)


@sites.route("/previews/<book>/<int:cr>/", defaults={"path": ""})
@sites.route("/previews/<book>/<int:cr>/<path:path>")
@book_access(Ability.read)
def preview(book: str, cr: int, path: str):
    """The preview of a change request, for the book's members only (it is not published)."""
    built = previews.preview_built(cr)
    if built is None or built.get("book") != book:
        raise _not_found("site.preview_not_found", number=str(cr))
    return _serve(service.previews_dir() / str(cr), path, PRIVATE)


releases = Blueprint("releases", __name__)
SHA = re.compile(r"^[0-9a-f]{40}$")

# action -> (hidden, withdrawn) given to set_version_state
ACTIONS = {
    "hide": {"hidden": True}, "show": {"hidden": False},
    "withdraw": {"withdrawn": True}, "restore": {"withdrawn": False},
}


class ReleaseForm(PageForm):
    version = StringField(_l("Version"), [DataRequired(), Length(max=MAX_VERSION_LENGTH)])
    message = TextAreaField(_l("What is new (release notes)"), [Optional(), Length(max=2000)])
    commit = HiddenField()


@releases.route("/books/<book>/releases")
@book_access(Ability.read)
def index(book: str):
    title = book_title(book)
    maintainer = may(current_user, Ability.maintain, book)
    listed = versions.releases(book, include_hidden=maintainer)
    files = downloads.release_downloads(book, [r.version for r in listed])
    making = any(d.state in ("queued", "running") for found in files.values() for d in found)
    return render_template("ui/releases/index.html", book=book, title=title, maintainer=maintainer,
                           releases=listed, downloads=files, making=making, file_size=downloads.file_size,
                           download_form=PageForm() if maintainer else None,
                           jobs=service.book_jobs(book, limit=5) if maintainer else [])


@releases.route("/books/<book>/releases/<version>/downloads", methods=["POST"])
@book_access(Ability.maintain)
def make_downloads(book: str, version: str):
    """Make again the downloads a release lacks (never made, or failed: fonts installed since)."""
    book_title(book)
    found = next((r for r in versions.releases(book, include_hidden=True) if r.version == version), None)
    if found is None:
        abort(404)
    if PageForm().validate_on_submit():
        downloads.request_missing(book, version, found.commit, current_user.id)
        flash(_("The downloads of version %(version)s are being made; this page shows their progress.",
                version=version), "success")
    return redirect(url_for("releases.index", book=book))


@releases.route("/books/<book>/releases/new", methods=["GET", "POST"])
@book_access(Ability.maintain)
def new(book: str):
    title = book_title(book)
    form = ReleaseForm()
    lib = library()
    if form.submit_ok():
        version = form.version.data.strip()
        try:
            versions.check_new_version(book, version)
            if not form.commit.data:  # step 1 -> show what will be released
                head = lib.resolve("main")
                info = lib.log(head, limit=1)[0]
                form.commit.data = head
                return render_template("ui/releases/confirm.html", book=book, title=title, form=form,
                                       version=version, commit=info)
            if not SHA.match(form.commit.data):
                raise UserError("release.commit_not_on_main", status=409)
            job = versions.request_release(current_user, book, version, form.message.data or "",
                                          rev=form.commit.data)
        except (UserError, MaterialsError) as error:
            form.version.errors = [*form.version.errors, describe(error)]
        else:
            flash(_("Release %(version)s is queued; this page shows its progress.", version=version), "success")
            return redirect(url_for("releases.build", book=book, job_id=job.id))
    latest = service.latest(book)
    return render_template("ui/releases/new.html", book=book, title=title, form=form, latest=latest)


@releases.route("/books/<book>/releases/<version>/<action>", methods=["GET", "POST"])
@book_access(Ability.maintain)
def change_state(book: str, version: str, action: str):
    title = book_title(book)
    if action not in ACTIONS or version not in {r.version for r in versions.releases(book, include_hidden=True)}:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        versions.set_state(current_user, book, version, **ACTIONS[action])
        flash(_("Version %(version)s updated.", version=version), "success")
        return redirect(url_for("releases.index", book=book))
    questions = {
        "hide": _("Hide version %(version)s from the version selector? Its pages stay readable at their address.",
                  version=version),
        "show": _("Show version %(version)s in the version selector again?", version=version),
        "withdraw": _("Withdraw version %(version)s? Its pages stay readable but show a banner saying it was "
                      "withdrawn, and “latest” moves to the newest version that is not withdrawn.", version=version),
        "restore": _("Restore version %(version)s? The withdrawal banner disappears.", version=version),
    }
    actions = {"hide": _("Hide"), "show": _("Show"), "withdraw": _("Withdraw"), "restore": _("Restore")}
    return render_template("ui/confirm.html", form=form, title=f"{actions[action]} · {title}",
                           question=questions[action], action=actions[action],
                           cancel=url_for("releases.index", book=book))


@releases.route("/books/<book>/builds")
@book_access(Ability.maintain)
def builds(book: str):
    title = book_title(book)
    return render_template("ui/releases/builds.html", book=book, title=title, jobs=service.book_jobs(book))


@releases.route("/books/<book>/builds/<int:job_id>")
@book_access(Ability.maintain)
def build(book: str, job_id: int):
    title = book_title(book)
    job = service.book_job(book, job_id)
    return render_template("ui/releases/build.html", book=book, title=title, job=job,
                           running=job.status in ("queued", "running"))
