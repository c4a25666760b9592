"""The pages of textbook review (教材审核): a book's reviews, submitting a release, one review's whole course.

One page per review walks it through its steps: the administrator forms the
panel there, each member records their reading and comments, the chair the
meeting and the conclusion, every member signs, and the maintainers link the
required revisions to change requests. Whoever is not on the panel, the team
or an administrator gets 403.
"""


from __future__ import annotations
from typing import Any
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from materials import MaterialsError
from materials.review_records import verify
from server.errors import UserError, describe, status_for
from server.library import book_title, book_titles, library
from server.permissions import Ability, book_access, is_admin, may, signed_in
from server.sites.releases import releases as published_releases
from server.textbook_reviews import dossier, revision_cycle, service, usage_report
from server.textbook_reviews.forms import (CONCLUSION_LABELS, CRITERION_HINTS, STATE_LABELS, VERDICT_LABELS,
                                           CommentForm, DossierForm, LinkForm, PanelForm, SignForm, SubmitForm, choices_of, meeting_form,
                                           reading_form)
from server.textbook_reviews.models import TextbookReview


textbook_reviews = Blueprint("textbook_reviews", __name__)


@textbook_reviews.app_template_global("textbook_review_of")
def _review_of_global(book: str) -> dict[str, TextbookReview]:
    """For the releases page: version -> its latest review."""
    return service.by_version(book)


@textbook_reviews.app_template_global("dossier_state")
def _dossier_state_global(book: str, version: str) -> dict[str, Any]:
    """For the releases page and the review page: whether the version's dossier is made or being made."""
    return dossier.dossier_state(book, version)


@textbook_reviews.app_template_global("revision_cycle")
def _revision_cycle_global(book: str):
    """For the book page: the revision deadlines of the book today."""
    return revision_cycle.book_cycle(book)


@textbook_reviews.app_template_global("review_labels")
def _labels_global() -> dict[str, Any]:
    return {"state": STATE_LABELS, "conclusion": CONCLUSION_LABELS, "verdict": VERDICT_LABELS}


def _versions(book: str) -> list[str]:
    """Every release tag of the book (published or a candidate tagged by hand), newest first."""
    prefix = f"{book}/v"
    listed = [r.version for r in published_releases(book, include_hidden=True)]
    tagged = sorted((t[len(prefix):] for t in library().tags() if t.startswith(prefix)), reverse=True)
    return listed + [v for v in tagged if v not in listed]


@textbook_reviews.route("/books/<book>/textbook-reviews")
@book_access(Ability.read)
def index(book: str):
    title = book_title(book)
    return render_template("ui/textbook_reviews/index.html", book=book, title=title,
                           reviews=service.reviews_of(book), maintainer=may(current_user, Ability.maintain, book))


@textbook_reviews.route("/textbook-reviews")
@signed_in
def mine():
    """The reviews on whose panel I sit and that wait for me."""
    return render_template("ui/textbook_reviews/mine.html", reviews=service.reviews_to_read(current_user),
                           titles=book_titles())


@textbook_reviews.route("/books/<book>/textbook-reviews/new", methods=["GET", "POST"])
@book_access(Ability.maintain)
def new(book: str):
    title = book_title(book)
    form = SubmitForm()
    versions = _versions(book)
    form.version.choices = choices_of((v, v) for v in versions)
    status = 200
    if form.is_submitted():
        if form.submit_ok():
            try:
                review = service.submit(current_user, book, form.version.data, form.note.data or "")
            except (UserError, MaterialsError) as error:
                form.version.errors = [*form.version.errors, describe(error)]
                status = status_for(error)
            else:
                flash(_("Version %(version)s is submitted for review.", version=review.version), "success")
                return redirect(url_for("textbook_reviews.show", book=book, number=review.number))
        else:
            status = 400
    return render_template("ui/textbook_reviews/new.html", book=book, title=title, form=form,
                           versions=versions), status


def _review(book: str, number: int) -> TextbookReview:
    book_title(book)
    review = service.get_review(book, number)
    service.check_view(current_user, review)
    return review


def _page(book: str, review: TextbookReview, status: int = 200, errors: dict[str, str] | None = None,
          **forms: Any):
    title = book_title(book)
    me = service.member_of(review, current_user)
    names = service.criteria()
    chapters = service.chapters_of(review)
    mine = {v.criterion: v for v in me.verdicts} if me else {}
    if "reading" not in forms and me:
        data = {"opinion": me.opinion}
        for i, name in enumerate(names):
            if name in mine:
                data[f"verdict_{i}"] = mine[name].verdict
                data[f"note_{i}"] = mine[name].note
        forms["reading"] = reading_form(names, data=data)
    if "comment" not in forms:
        forms["comment"] = CommentForm(prefix="comment")
    forms["comment"].chapter.choices = choices_of(chapters)
    if "meeting" not in forms:
        forms["meeting"] = meeting_form(review.members)
    if "panel" not in forms:
        forms["panel"] = PanelForm(prefix="panel")
    sign = SignForm(prefix="sign", data={"sha256": review.record_sha256 or ""})
    stored = service.library_record(review)
    previous = review.previous
    revisions = service.revision_statuses(review)
    previous_revisions = service.revision_statuses(previous, against=review) if previous else []
    sides = library().library_config().sides
    return render_template(
        "ui/textbook_reviews/show.html", book=book, title=title, review=review, me=me, criteria=names,
        hints=CRITERION_HINTS, chapters=dict(chapters), errors=errors or {}, sign=sign, stored=stored,
        stored_ok=verify(stored) if stored else None, revisions=revisions, previous=previous,
        previous_revisions=previous_revisions, sides=list(sides), admin=is_admin(current_user),
        maintainer=may(current_user, Ability.maintain, book), link=LinkForm(prefix="link"),
        dossier_form=DossierForm(prefix="dossier"), dossier=dossier.dossier_state(book, review.version),
        site_url=url_for("sites.read", book=book, path=f"{review.version}/")
        if review.version in {r.version for r in published_releases(book, include_hidden=True)} else None,
        **forms), status


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>")
@signed_in
def show(book: str, number: int):
    return _page(book, _review(book, number))


def _done(book: str, review: TextbookReview, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("textbook_reviews.show", book=book, number=review.number) + anchor)


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/panel", methods=["POST"])
@signed_in
def panel(book: str, number: int):
    review = _review(book, number)
    form = PanelForm(prefix="panel")
    if not form.submit_ok():
        return _page(book, review, 400, {"panel": _("Name the chair of the panel.")}, panel=form)
    rows = zip(form.member.data or [], form.institution.data or [], form.side.data or [])
    nominees = [service.Nominee(m, i, s) for m, i, s in rows]
    try:
        service.form_panel(current_user, review, nominees, form.chair.data.strip())
    except (UserError, MaterialsError) as error:
        return _page(book, review, status_for(error), {"panel": describe(error)}, panel=form)
    return _done(book, review, _("The panel is formed; its members can now read the release."))


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/reading", methods=["POST"])
@signed_in
def reading(book: str, number: int):
    review = _review(book, number)
    names = service.criteria()
    form = reading_form(names)
    if not form.submit_ok():
        return _page(book, review, 400, {"reading": _("Give a verdict on every criterion and your overall opinion.")},
                     reading=form)
    verdicts = {name: (form[f"verdict_{i}"].data, form[f"note_{i}"].data or "") for i, name in enumerate(names)}
    try:
        service.record_reading(current_user, review, verdicts, form.opinion.data)
    except UserError as error:
        return _page(book, review, status_for(error), {"reading": describe(error)}, reading=form)
    return _done(book, review, _("Your reading is recorded."), "#reading")


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/comments", methods=["POST"])
@signed_in
def comment(book: str, number: int):
    review = _review(book, number)
    form = CommentForm(prefix="comment")
    form.chapter.choices = choices_of(service.chapters_of(review))
    if not form.submit_ok():
        return _page(book, review, 400, {"comment": _("Choose a chapter and write the comment.")}, comment=form)
    try:
        service.add_comment(current_user, review, form.chapter.data, form.passage.data or "", form.body.data)
    except UserError as error:
        return _page(book, review, status_for(error), {"comment": describe(error)}, comment=form)
    return _done(book, review, _("Your comment is recorded."), "#comments")


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/meeting", methods=["POST"])
@signed_in
def meeting(book: str, number: int):
    review = _review(book, number)
    form = meeting_form(review.members)
    if not form.submit_ok():
        return _page(book, review, 400, {"meeting": _("Give the date, the minutes and the conclusion, and confirm.")},
                     meeting=form)
    attendees = [int(a) for a in form.attendees.data or [] if str(a).isdigit()]
    votes = {m.id: form[f"vote_{m.id}"].data for m in review.members if form[f"vote_{m.id}"].data}
    try:
        service.record_meeting(current_user, review, meeting_date=form.meeting_date.data, attendees=attendees,
                               votes=votes, minutes=form.minutes.data, conclusion=form.conclusion.data,
                               revisions=(form.revisions.data or "").splitlines())
    except UserError as error:
        return _page(book, review, status_for(error), {"meeting": describe(error)}, meeting=form)
    return _done(book, review, _("The meeting and its conclusion are recorded; every member now signs the record."),
                 "#record")


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/sign", methods=["POST"])
@signed_in
def sign(book: str, number: int):
    review = _review(book, number)
    form = SignForm(prefix="sign")
    if not form.submit_ok():
        return _page(book, review, 400, {"sign": _("Tick the box to confirm that you sign the record.")})
    try:
        service.sign(current_user, review, form.sha256.data or "")
    except (UserError, MaterialsError) as error:
        return _page(book, review, status_for(error), {"sign": describe(error)})
    if review.state == "signed":
        return _done(book, review, _("Every member has signed: the record is now kept in the library, beside the release."),
                     "#record")
    return _done(book, review, _("Your signature is recorded."), "#record")


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/revisions/<int:item>", methods=["POST"])
@book_access(Ability.maintain)
def link_revision(book: str, number: int, item: int):
    review = _review(book, number)
    form = LinkForm(prefix="link")
    if not form.submit_ok():
        return _page(book, review, 400, {"revisions": _("A change request is named by its number.")})
    try:
        service.link_revision(current_user, review, item, form.change_request.data)
    except UserError as error:
        return _page(book, review, status_for(error), {"revisions": describe(error)})
    return _done(book, review, _("The required revision is linked."), "#revisions")


@textbook_reviews.route("/books/<book>/releases/<version>/dossier", methods=["POST"])
@book_access(Ability.maintain)
def make_dossier(book: str, version: str):
    """Queue the review dossier (送审材料) of a release; the page it came from shows its progress."""
    book_title(book)
    form = DossierForm(prefix="dossier")
    if not form.submit_ok():
        abort(400)
    try:
        dossier.request_dossier(current_user, book, version, form.statement.data or "")
    except (UserError, MaterialsError) as error:
        flash(describe(error), "error")
        return redirect(url_for("releases.index", book=book)), status_for(error)
    flash(_("The review dossier of %(version)s is being made; this page shows when it is ready.", version=version),
          "success")
    back = form.back.data if (form.back.data or "").startswith(f"/books/{book}/") else url_for("releases.index",
                                                                                              book=book)
    return redirect(back)


def _send_dossier(book: str, version: str):
    try:
        path = dossier.dossier_path(book, version)
    except Exception:  # noqa: BLE001 - a version that cannot exist has no dossier
        abort(404)
    if not path.is_file():
        raise UserError("textbook_review.dossier_missing", status=404, version=version[:40])
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{book}-{version}-送审材料.pdf", max_age=0)


@textbook_reviews.route("/books/<book>/releases/<version>/dossier.pdf")
@book_access(Ability.read)
def release_dossier(book: str, version: str):
    book_title(book)
    return _send_dossier(book, version)


@textbook_reviews.route("/books/<book>/textbook-reviews/<int:number>/dossier.pdf")
@signed_in
def review_dossier(book: str, number: int):
    """The dossier of the reviewed version, for the panel too (who need not be members of the book)."""
    review = _review(book, number)
    return _send_dossier(book, review.version)


@textbook_reviews.route("/books/<book>/usage-report.<any(pdf, csv):kind>")
@book_access(Ability.read)
def usage_report_file(book: str, kind: str):
    """The usage-tracking report (使用跟踪报告) of the days ``from`` to ``to`` (either open), as PDF or CSV."""
    book_title(book)
    period = usage_report.usage_period(request.args.get("from", "")[:20], request.args.get("to", "")[:20])
    report = usage_report.usage_report(book, period)
    name = f"{book}-usage-{'-'.join(period.args().values()) or 'all'}.{kind}"
    body, mimetype = ((usage_report.usage_pdf(report), "application/pdf") if kind == "pdf"
                      else (usage_report.usage_csv(report), "text/csv"))
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
