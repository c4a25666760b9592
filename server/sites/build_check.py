"""The ``build`` check of change requests: does the book still build at the change request's head?

A failed build becomes a finding with the tail of its log; build warnings
become warnings. The check is registered with ``review.checks`` when the
application is set up (``register_build_check``), so that a book's review
policy may list it.
"""


from __future__ import annotations
import tempfile
from pathlib import Path
from flask import has_app_context
from build.errors import BuildFailed, SiteError
from build.site import build_site
from review.checks import CheckContext, Finding, register_check
from server.sites import previews
from server.sites.service import BUILD_TIMEOUT


LOG_TAIL = 1500  # characters of a failed build's log shown in a check finding


def build_check(ctx: CheckContext) -> list[Finding]:
    """Does the head build? Reuses (or makes) the change request's preview of that head."""
    book_yml = f"books/{ctx.book}/book.yml"
    try:
        cr = previews.change_request_at(ctx.book, ctx.head) if has_app_context() else None
        if cr is not None:
            result = previews.build_now(ctx.book, cr, ctx.head)
        else:
            with tempfile.TemporaryDirectory(prefix=".check-") as tmp:
                result = build_site(ctx.lib, ctx.book, ctx.head, Path(tmp) / "site", version="check",
                                    platform_url=None, timeout=BUILD_TIMEOUT)
    except BuildFailed as error:
        tail = str(error.params.get("log") or error.message)[-LOG_TAIL:]
        return [Finding(book_yml, None, error.code, {"detail": tail}, error.message)]
    except SiteError as error:
        params = {k: v for k, v in error.params.items() if isinstance(v, (str, int, float, bool))}
        return [Finding(book_yml, None, error.code, params, error.message)]
    return [Finding(book_yml, None, "build.warning", {"detail": w}, w, "warning") for w in result.warnings]


def register_build_check() -> None:
    """Make ``build`` one of the checks a book's review policy may ask for (called by ``create_app``)."""
    register_check("build", build_check)
