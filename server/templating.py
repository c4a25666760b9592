"""What every template can use: side labels, permission checks, the CSRF token."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from materials import MaterialsError
from server import names
from server.permissions import is_admin, may

SIDE_LABELS = {"school": _l("School"), "enterprise": _l("Enterprise")}
ROLE_LABELS = {
    "reader": _l("Reader"),
    "author": _l("Author"),
    "reviewer": _l("Reviewer"),
    "maintainer": _l("Maintainer"),
}
JOB_STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

# Change request words, here rather than in a context processor: macros imported without
# context (``{% from … import state_badge %}``) see only the environment's globals.
CR_STATE_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "merged": _l("Merged"), "closed": _l("Closed")}
REVIEW_VERDICT_LABELS = {"approve": _l("approved"), "request_changes": _l("requested changes"),
                         "comment": _l("commented")}
CHECK_STATUS_LABELS = {"passed": _l("passed"), "failed": _l("failed"), "warning": _l("passed with warnings"),
                       "pending": _l("running")}
# The checks a change request runs (review/checks.py and the sites' build check), as authors know them.
CHECK_NAME_LABELS = {"front-matter": _l("Chapter details"), "alignment": _l("Alignment with the standards"),
                     "build": _l("Building the course site")}


def label(labels: dict, key: str | None) -> str:
    """The translated word for ``key``, or ``key`` itself when it has none."""
    return str(labels.get(key or "", key or ""))


def side_label(side: str | None) -> str:
    return str(SIDE_LABELS.get(side or "", side or ""))


KNOWN_SIDES = ("school", "enterprise")  # the sides pages colour


def side_names(lib: Any) -> dict[str, str]:
    """Side -> its label from the library's ``library.yml`` in the reader's language (history, blame,
    a book's share of text by side)."""
    language = "zh-CN" if locale_code() == "zh_CN" else "en"
    try:
        config = lib.library_config()
    except MaterialsError:
        return {side: side for side in KNOWN_SIDES}
    return {side: config.side_label(side, language) for side in config.sides}


def side_name(labels: dict[str, str], side: str | None) -> str:
    """The label ``side_names`` gives ``side``; the commits of no known side say so."""
    if not side or side == "unknown":
        return _("Unknown side")
    return labels.get(side, side)


def side_class(side: str | None) -> str:
    """The CSS colour class of a side (libraries may name more than the two we colour)."""
    if side in KNOWN_SIDES:
        return f"side-{side}"
    return "side-other" if side else "side-unknown"


def locale_code() -> str:
    """The interface language of this request: "zh_CN" or "en"."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        locale_code=locale_code,
        lang_tag=lambda: locale_code().replace("_", "-"),
        side_label=side_label,
        role_label=lambda role: str(ROLE_LABELS.get(role, role)),
        job_status_label=lambda status: str(JOB_STATUS_LABELS.get(status, status)),
        cr_state_label=lambda state: label(CR_STATE_LABELS, state),
        cr_verdict_label=lambda verdict: label(REVIEW_VERDICT_LABELS, verdict),
        cr_check_status_label=lambda status: label(CHECK_STATUS_LABELS, status),
        cr_check_label=lambda name: label(CHECK_NAME_LABELS, name),
        may=may,
        is_admin=is_admin,
        person_name=names.person,
        chapter_name=names.chapter,
        book_name=names.book,
        SIDE_LABELS=SIDE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.autoescape = True
