"""Server-rendered pages, one module (and blueprint) per kind of page.

To add a page: write a module here with a ``blueprint``, declare each view's
permission (``server.permissions``), put its template under
``templates/ui/<module>/``, and list the blueprint in ``BLUEPRINTS``.
"""
from server import case_service
from server.views import alignment
from server.views import account, audit, health, home, jobs, language, members, people, signin, standards
from server.views import books, history
from server.views import assets as asset_pages, editor

from server.views import feedback as feedback_pages  # noqa: E402
from server.views import dashboard  # noqa: E402

from server.views import change_requests, notifications  # noqa: E402
from server.views import releases, sites  # noqa: E402

BLUEPRINTS = [
    signin.blueprint,
    feedback_pages.blueprint,
    dashboard.blueprint,
    language.blueprint,
    health.blueprint,
    home.blueprint,
    account.blueprint,
    people.blueprint,
    members.blueprint,
    audit.blueprint,
    jobs.blueprint,
    change_requests.blueprint,
    notifications.blueprint,
    audit.export,
    books.blueprint,
    history.blueprint,
    editor.blueprint,
    asset_pages.blueprint,
    standards.blueprint,
    case_service.blueprint,
    alignment.blueprint,
    sites.blueprint,
    releases.blueprint,
]
