"""The forms of a review: submitting, the panel, a reading, a comment, the meeting, a signature, a revision's link."""


from __future__ import annotations
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from server.forms import PageForm, ValuesField
from server.textbook_reviews.models import CONCLUSIONS, VERDICTS


VERDICT_LABELS = {"meets": _l("Meets the requirements (符合)"), "partly": _l("Mostly meets them (基本符合)"),
                  "fails": _l("Does not meet them (不符合)")}
CONCLUSION_LABELS = {"passed": _l("Pass (通过)"), "resubmit": _l("Revise and resubmit (重新送审)"),
                     "rejected": _l("Reject (不予通过)")}
STATE_LABELS = {"submitted": _l("Waiting for its panel"), "reading": _l("Individual reading"),
                "signing": _l("Concluded, awaiting signatures"), "signed": _l("Signed")}
CRITERION_HINTS = {"思想性": _l("Ideas: political and value orientation, as the standards require"),
                   "科学性": _l("Correctness: facts, terms, procedures and current standards"),
                   "适宜性": _l("Fitness: for the students, the course and the teaching standards")}


def _choices(labels: dict) -> list[SelectChoice]:
    """An empty first choice (nothing chosen yet), then each value with its label."""
    return [SelectChoice("", "—"), *(SelectChoice(value, label) for value, label in labels.items())]


def choices_of(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class SubmitForm(PageForm):
    version = SelectField(_l("Release"), [DataRequired()], choices=[])
    note = TextAreaField(_l("Note to the panel (optional)"), [Optional(), Length(max=4000)])


class PanelForm(PageForm):
    """Repeated rows: account, institution and side of each member; the chair by account name."""

    member = ValuesField()
    institution = ValuesField()
    side = ValuesField()
    chair = StringField(_l("Chair (account name)"), [DataRequired(), Length(max=64)])


def reading_form(criteria: list[str], **kwargs) -> PageForm:
    """A verdict and a note per criterion (the college's criteria vary), and the overall opinion."""

    class ReadingForm(PageForm):
        opinion = TextAreaField(_l("Overall opinion"), [DataRequired(), Length(max=8000)])

    for i, name in enumerate(criteria):
        setattr(ReadingForm, f"verdict_{i}", SelectField(name, [DataRequired()],
                                                         choices=_choices(VERDICT_LABELS)))
        setattr(ReadingForm, f"note_{i}", StringField(_l("Remarks on %(criterion)s", criterion=name),
                                                      [Optional(), Length(max=2000)]))
    return ReadingForm(prefix="reading", **kwargs)


class CommentForm(PageForm):
    chapter = SelectField(_l("Chapter"), [DataRequired()], choices=[])
    passage = TextAreaField(_l("Passage (quoted exactly, optional)"), [Optional(), Length(max=2000)])
    body = TextAreaField(_l("Comment"), [DataRequired(), Length(max=8000)])


def meeting_form(members, **kwargs) -> PageForm:
    """Date, attendees, each attending member's vote, minutes, conclusion and required revisions."""

    class MeetingForm(PageForm):
        meeting_date = DateField(_l("Date of the meeting"), [InputRequired()])
        attendees = ValuesField()
        minutes = TextAreaField(_l("Minutes"), [DataRequired(), Length(max=20000)])
        conclusion = SelectField(_l("Conclusion"), [DataRequired()],
                                 choices=_choices(CONCLUSION_LABELS))
        revisions = TextAreaField(_l("Required revisions, one per line (for “revise and resubmit”)"),
                                  [Optional(), Length(max=20000)])
        confirm = BooleanField(_l("I understand that the record is frozen once the conclusion is recorded"),
                               [DataRequired()])

    for m in members:
        setattr(MeetingForm, f"vote_{m.id}", SelectField(m.display_name, [Optional()],
                                                         choices=_choices(CONCLUSION_LABELS)))
    return MeetingForm(prefix="meeting", **kwargs)


class SignForm(PageForm):
    sha256 = HiddenField()
    confirm = BooleanField(_l("I have read the record above and sign it"), [DataRequired()])


class LinkForm(PageForm):
    change_request = IntegerField(_l("Change request number"), [Optional(), NumberRange(min=1, max=2**31 - 1)])


class DossierForm(PageForm):
    statement = TextAreaField(_l("Editors' statement (编写说明) for the dossier (optional)"),
                              [Optional(), Length(max=20000)])
    back = HiddenField()
