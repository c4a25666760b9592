"""What the review of a release refuses, said in the asker's language (added to ``server.errors``)."""


from __future__ import annotations
from flask_babel import lazy_gettext as _l
from server.errors import MESSAGES, STATUS


MESSAGES.update({
    "review_record.immutable": _l("%(path)s is a signed review record; it can never be changed or deleted."),
    "textbook_review.not_found": _l("There is no review #%(number)s of this book."),
    "textbook_review.forbidden": _l("Only the book's maintainers, administrators and the review panel may do this."),
    "textbook_review.no_release": _l("Version %(version)s of this book has not been released, so it cannot be submitted for review."),
    "textbook_review.already_open": _l("Version %(version)s is already under review (review #%(number)s)."),
    "textbook_review.admin_only": _l("Only an administrator forms the review panel."),
    "textbook_review.wrong_state": _l("The review is not at this step."),
    "textbook_review.panel_empty": _l("Name at least one member of the panel."),
    "textbook_review.panel_too_large": _l("A panel has at most %(limit)s members."),
    "textbook_review.chair_not_member": _l("The chair must be one of the panel's members."),
    "textbook_review.member_twice": _l("%(name)s is named twice."),
    "textbook_review.author_on_panel": _l("%(name)s wrote part of this book and cannot review it."),
    "textbook_review.institution_missing": _l("Give the institution of %(name)s."),
    "textbook_review.side_unknown": _l("There is no side “%(side)s” in this library."),
    "textbook_review.members_only": _l("Only members of the review panel may do this."),
    "textbook_review.record_frozen": _l("The meeting has concluded: the record is frozen and can no longer change."),
    "textbook_review.verdict_missing": _l("Give a verdict on every criterion."),
    "textbook_review.opinion_missing": _l("Write your overall opinion."),
    "textbook_review.comment_empty": _l("Write the comment."),
    "textbook_review.chapter_unknown": _l("The reviewed release has no chapter %(chapter)s."),
    "textbook_review.passage_not_found": _l("The quoted passage is not in this chapter of the reviewed release; copy it exactly."),
    "textbook_review.chair_only": _l("Only the chair of the panel records the meeting and the conclusion."),
    "textbook_review.readings_missing": _l("Not every member has recorded their reading yet: %(names)s."),
    "textbook_review.conclusion_missing": _l("Choose the conclusion: pass, revise and resubmit, or reject."),
    "textbook_review.attendees_missing": _l("Tick the members who attended the meeting."),
    "textbook_review.votes_invalid": _l("Only members who attended can vote, and each vote is one of the three conclusions."),
    "textbook_review.minutes_missing": _l("Write the minutes of the meeting."),
    "textbook_review.revisions_missing": _l("A “revise and resubmit” conclusion lists the revisions it requires, one per line."),
    "textbook_review.not_signing": _l("The record is not awaiting signatures."),
    "textbook_review.already_signed": _l("You have already signed this record."),
    "textbook_review.record_changed": _l("The record is not the one you read: reload the page and read it again before signing."),
    "textbook_review.revision_not_found": _l("There is no required revision %(number)s."),
    "textbook_review.change_request_unknown": _l("This book has no change request #%(number)s."),
    "textbook_review.dossier_missing": _l("The review dossier of %(version)s has not been made yet."),
})
STATUS.update({"review_record.immutable": 409})
