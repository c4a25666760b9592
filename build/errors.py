"""Errors a maintainer can cause when building or publishing a site.

Each carries a stable ``code`` and ``params`` so the server can say it in the
reader's language (zh-CN and en); the message here is only for logs.
"""
from __future__ import annotations


class SiteError(Exception):
    """Base of every error build/ raises on bad input or state."""

    code = "build.error"

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


class BuildFailed(SiteError):
    """MkDocs exited with an error; ``params['log']`` holds its output."""

    code = "build.failed"


class BuildTimedOut(BuildFailed):
    code = "build.timeout"


class VersionInvalid(SiteError):
    code = "release.version_invalid"


class VersionExists(SiteError):
    """A published version is immutable: it is never built twice."""

    code = "release.version_exists"


class VersionNotFound(SiteError):
    code = "release.version_not_found"


class BookNotFound(SiteError):
    code = "build.book_not_found"


class PrintEngineMissing(SiteError):
    """What print needs from the machine is not installed; ``params['install']`` says what to install."""

    code = "print.engine_missing"


class PrintFailed(BuildFailed):
    """The typesetter refused the book; ``params['log']`` holds its messages."""

    code = "print.failed"


class PaperInvalid(SiteError):
    """A paper size print does not know (16k, a4, b5)."""

    code = "print.paper_invalid"


class NoTasks(SiteError):
    """Task sheets were asked of a book none of whose chapters is marked as a task."""

    code = "print.no_tasks"


class TaskNotFound(SiteError):
    """A task sheet was asked for a chapter that is not one of the book's tasks; ``params['tasks']`` lists them."""

    code = "print.task_not_found"
