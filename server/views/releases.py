"""Releases of a book: the team sees every published version; maintainers publish, hide and withdraw.

Publishing takes two steps: the maintainer names the version, then confirms
the exact commit of main that will be tagged (what they confirmed is what is
released, even if main moves meanwhile). The build then runs as a job whose
page refreshes itself until it is done.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from build.publish import MAX_VERSION_LENGTH
from materials import MaterialsError
from server import sites as service
from server.errors import UserError, describe
from server.library import book_titles, library
from server.permissions import Ability, book_access, may
from server.views.forms import ConfirmForm, PageForm

blueprint = Blueprint("releases", __name__)
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


def _title(book: str) -> str:
    titles = book_titles()
    if book not in titles:
        raise UserError("book.not_found", status=404, book=book)
    return titles[book]


@blueprint.route("/books/<book>/releases")
@book_access(Ability.read)
def index(book: str):
    title = _title(book)
    maintainer = may(current_user, Ability.maintain, book)
    return render_template("ui/releases/index.html", book=book, title=title, maintainer=maintainer,
                           releases=service.releases(book, include_hidden=maintainer),
                           jobs=service.book_jobs(book, limit=5) if maintainer else [])


@blueprint.route("/books/<book>/releases/new", methods=["GET", "POST"])
@book_access(Ability.maintain)
def new(book: str):
    title = _title(book)
    form = ReleaseForm()
    lib = library()
    if form.submit_ok():
        version = form.version.data.strip()
        try:
            service.check_new_version(book, version)
            if not form.commit.data:  # step 1 -> show what will be released
                head = lib.resolve("main")
                info = lib.log(head, limit=1)[0]
                form.commit.data = head
                return render_template("ui/releases/confirm.html", book=book, title=title, form=form,
                                       version=version, commit=info)
            if not SHA.match(form.commit.data):
                raise UserError("release.commit_not_on_main", status=409)
            job = service.request_release(current_user, book, version, form.message.data or "",
                                          rev=form.commit.data)
        except (UserError, MaterialsError) as error:
            form.version.errors = [*form.version.errors, describe(error)]
        else:
            flash(_("Release %(version)s is queued; this page shows its progress.", version=version), "success")
            return redirect(url_for("releases.build", book=book, job_id=job.id))
    latest = service.latest(book)
    return render_template("ui/releases/new.html", book=book, title=title, form=form, latest=latest)


@blueprint.route("/books/<book>/releases/<version>/<action>", methods=["GET", "POST"])
@book_access(Ability.maintain)
def change_state(book: str, version: str, action: str):
    title = _title(book)
    if action not in ACTIONS or version not in {r.version for r in service.releases(book, include_hidden=True)}:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        service.set_state(current_user, book, version, **ACTIONS[action])
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


@blueprint.route("/books/<book>/builds")
@book_access(Ability.maintain)
def builds(book: str):
    title = _title(book)
    return render_template("ui/releases/builds.html", book=book, title=title, jobs=service.book_jobs(book))


@blueprint.route("/books/<book>/builds/<int:job_id>")
@book_access(Ability.maintain)
def build(book: str, job_id: int):
    title = _title(book)
    job = service.book_job(book, job_id)
    return render_template("ui/releases/build.html", book=book, title=title, job=job,
                           running=job.status in ("queued", "running"))
