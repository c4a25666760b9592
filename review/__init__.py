"""The rules of change requests: plain functions and small classes over plain data.

Modules, one per concept:

* ``policy``      ReviewPolicy (book.yml ``review:``), evaluate() -> Verdict, describe()
* ``checks``      front-matter and alignment checks -> CheckResult(findings); register_check()
* ``anchors``     inline comments that follow their line, or are OUTDATED
* ``word_diff``   the changed words of a line, as the history and a change request mark them
* ``suggestions`` reviewers' suggested edits and the Co-authored-by commit message
* ``workflow``    the change-request lifecycle over a materials.Library
* ``messages``    the English text (gettext msgids) of every code review/ produces
* ``metrics``     review and feedback figures for the cooperation dashboard
* ``errors``      typed errors with a stable ``code`` and ``params``

Imports only ``materials``; knows nothing of HTTP, the database or build/.
"""
