"""The English text of every code review/ raises and reports, marked for translation.

One definition of each message: review/ keeps the English (a gettext msgid)
of the codes it produces, and the server says it in the reader's language
through its gettext catalogue (``server/translations``), passing its
``gettext`` as ``translate``. Without it, as in a Python shell or a test, the
text is English. ``N_`` only marks a string for extraction
(``python3 -m server.i18n`` reads review/ too). Codes from materials (front
matter, book.yml, standard items) keep the message materials wrote.
"""
from __future__ import annotations

from collections import ChainMap
from typing import Any, Callable, Mapping

from review.policy import Missing, describe


def N_(message: str) -> str:
    """Mark ``message`` for the translators' catalogue; it is translated where it is shown."""
    return message


def _same(message: str) -> str:
    return message


Translate = Callable[[str], str]

MESSAGES: dict[str, str] = {
    # errors
    "policy.not_a_mapping": N_("review settings must be a mapping"),
    "policy.unknown_key": N_("unknown review setting “%(key)s”"),
    "policy.unknown_side": N_("unknown side “%(side)s”"),
    "policy.bad_count": N_("approvals required from “%(side)s” must be a whole number 0–20"),
    "policy.not_a_bool": N_("“%(key)s” must be true or false"),
    "policy.bad_checks": N_("checks must be a list of distinct check names"),
    "policy.unknown_check": N_("unknown check “%(check)s”"),
    "policy.bad_merge_method": N_("merge method must be merge or squash"),
    "review.bad_verdict": N_("A review approves, requests changes or comments."),
    "suggestion.outdated": N_("Lines %(start_line)s–%(end_line)s changed since the suggestion; it cannot be applied."),
    "suggestion.bad_range": N_("Lines %(start_line)s–%(end_line)s are not in the file."),
    "suggestion.overlap": N_("These suggestions change the same lines."),
    "suggestion.empty": N_("There is no suggestion to apply."),
    "change_request.illegal_transition": N_("Change request #%(number)s is %(state)s; this is not possible now."),
    "change_request.policy_not_satisfied": N_("The book's review rules are not met yet: %(missing)s."),
    "change_request.stale_verdict": N_("The change request has new commits. Reload the page and review again."),
    "change_request.main_moved": N_("Main moved meanwhile: update the change request from main and try again."),
    "change_request.bad_number": N_("This is not a change request number."),
    "change_request.unknown_book": N_("There is no book named %(book)s."),
    "change_request.title_required": N_("A change request needs a title."),
    "change_request.title_too_long": N_("The title may have at most %(limit)s characters."),
    "change_request.exists": N_("Change request #%(number)s already exists."),
    "change_request.branch_gone": N_("The branch of change request #%(number)s is gone."),
    "change_request.nothing_to_merge": N_("Nothing to merge: the book already has these changes."),
    "change_request.direct_commit_forbidden": N_("This book does not allow direct changes to main; open a change request."),
    # check findings
    "book.missing": N_("book.yml of “%(book)s” does not exist"),
    "book.missing_chapter": N_("the navigation lists %(chapter)s, which does not exist"),
    "book.chapter_not_in_navigation": N_("%(chapter)s is not in the navigation of book.yml"),
    "standard.not_in_library": N_("the book declares %(standard)s, which is not in the library"),
    "standard.superseded": N_("%(standard)s is superseded; the current edition is %(replaced_by)s"),
    "coverage.lowered": N_("coverage of %(label)s drops from %(before)s%% to %(after)s%%: "
                           "no chapter covers %(lost_list)s any more"),
    "coverage.standard_dropped": N_("the book no longer aligns to %(standard)s"),
    "check.unknown": N_("there is no check named “%(check)s”"),
}

# A declared edition that is not current reads by its status and whether a newer edition exists.
_SUPERSEDED = {
    ("superseded", True): MESSAGES["standard.superseded"],
    ("superseded", False): N_("%(standard)s is superseded"),
    ("withdrawn", True): N_("%(standard)s is withdrawn; the current edition is %(replaced_by)s"),
    ("withdrawn", False): N_("%(standard)s is withdrawn"),
    ("current", True): N_("%(standard)s has a newer edition: %(replaced_by)s"),
}
LIST_SEPARATOR = N_(", ")  # between the items of a list in a sentence ("、" in Chinese)


def _template(code: str, params: Mapping[str, Any]) -> str | None:
    if code == "standard.superseded":
        return _SUPERSEDED.get((str(params.get("status")), bool(params.get("replaced_by"))), MESSAGES[code])
    return MESSAGES.get(code)


def _derived(params: Mapping[str, Any], translate: Translate) -> dict[str, Any]:
    """Parameters a message shows in a form of its own: lists as text, what a policy misses."""
    out: dict[str, Any] = {}
    if isinstance(params.get("lost"), (list, tuple)):
        out["lost_list"] = translate(LIST_SEPARATOR).join(params["lost"])
    if isinstance(params.get("missing"), (list, tuple)):
        out["missing"] = "; ".join(describe(Missing.from_dict(m)) for m in params["missing"])
    return out


def describe_code(code: str, params: Mapping[str, Any], fallback: str = "", translate: Translate = _same) -> str:
    """Text for a review/ code, through ``translate`` (English without it); ``fallback`` (or the code)
    when it is not ours. A missing parameter gives the fallback too, unless ``params`` itself fills in
    missing names (the server's does)."""
    template = _template(code, params)
    if template is None:
        return fallback or code
    try:
        return translate(template) % ChainMap(_derived(params, translate), params)
    except (KeyError, ValueError, TypeError):
        return fallback or code


def describe_error(exc: Exception, translate: Translate = _same) -> str:
    """Text for a ReviewError (or any error with ``code`` and ``params``)."""
    return describe_code(getattr(exc, "code", ""), getattr(exc, "params", {}) or {}, str(exc), translate)


def describe_finding(finding, translate: Translate = _same) -> str:
    """Text for a check Finding: ours are translated, materials' keep their message."""
    return describe_code(finding.code, finding.params, finding.message, translate)
