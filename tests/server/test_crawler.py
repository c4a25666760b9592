"""Every page renders for every role: a breadth-first crawl of one instance that holds one of everything.

tests/seed.py fills one instance (books, change requests in every
state, comments, a suggestion, a conflict, a release, a preview, feedback of
every kind, standards, jobs, notifications, the audit log). Each person then
follows every same-origin link and GET form they are shown, over plain HTTP,
and a real Chromium opens the main page of each kind. Any 5xx, any page that
shows a template error, any unexpected 4xx and any browser console error or
page error fails the test, with the page that linked to it.

The technician and the anonymous reader read the interface in English, the others in
Chinese; with ``TEST_DATABASE_URL`` the whole module runs once more on PostgreSQL.
Run with ``-s`` to see how many pages and forms each person visited.
"""
from __future__ import annotations

import logging
import os
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from jinja2 import DebugUndefined
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

import seed
from helpers import serious_violations, serving
from server.database import engine

BOOK, SECOND_BOOK = seed.BOOK, seed.SECOND_BOOK
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
ROLES = ["admin", "maintainer", "teacher", "technician", "reviewer", "reader", "outsider", "anonymous"]
LANGUAGES = {"technician": "en", "anonymous": "en"}  # the others read the interface in Chinese
MAX_URLS = 600  # per person
SAME_SHAPE = 12  # URLs of one route with the same query keys: enough to meet each kind of page
ORIGIN = "http://localhost"
NEVER_FOLLOW = re.compile(r"^/(logout|language)\b|^/git/")
TEMPLATE_ERROR = re.compile(r"jinja2\.exceptions|UndefinedError|TemplateSyntaxError|TemplateNotFound|"
                            r"Traceback \(most recent call last\)")
# With DebugUndefined an unknown name prints as itself instead of vanishing: "{{ cr_state_label }}".
UNDEFINED_NAME = re.compile(r"\{\{ ?[A-Za-z_][\w.]*(\[[^\]]*\])? ?\}\}|\{\{ no such element[^}]*\}\}")
SITE_PATHS = ("/read/", "/previews/")
STATIC_SUFFIX = re.compile(r"\.(css|js|mjs|map|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|json|xml|txt|gz|csv|pdf|epub"
                           r"|zip|mp4|webm|mp3)$", re.I)


# ------------------------------------------------------------------ reading a page

@dataclass
class Field:
    name: str
    value: str
    required: bool = False
    datalist: str = ""


class PageLinks(HTMLParser):
    """Links, GET forms and static files of one HTML page (the standard library's HTML parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self._forms: list[tuple[str, list[Field]]] = []
        self._form: tuple[str, list[Field]] | None = None
        self._datalists: dict[str, list[str]] = {}
        self._datalist: str | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in ("script", "img", "source") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "link" and a.get("href") and a.get("rel", "") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.assets.append(a["href"])
        elif tag == "datalist":
            self._datalist = a.get("id", "")
            self._datalists[self._datalist] = []
        elif tag == "option" and self._datalist is not None and "value" in a:
            self._datalists[self._datalist].append(a["value"])
        elif tag == "form":
            self._form = (a.get("action", ""), []) if a.get("method", "get").lower() == "get" else None
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file") or \
                    (kind in ("checkbox", "radio") and "checked" not in a):
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form[1].append(Field(a["name"], a.get("value", default), "required" in a, a.get("list", "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None and "value" in a:
            self._select[1].append(a["value"])
            if "selected" in a:
                self._select[2].append(a["value"])
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "datalist":
            self._datalist = None
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            if self._form is not None and (selected or options):
                self._form[1].append(Field(name, (selected or options)[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form[1].append(Field(self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self._forms.append(self._form)
            self._form = None

    def forms(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(action, fields) of each GET form as a person sends it untouched; a required empty field
        takes the first suggestion of its list, and a form that a browser would not send is left out."""
        sendable = []
        for action, fields in self._forms:
            values = []
            for f in fields:
                value = f.value or (self._datalists.get(f.datalist) or [""])[0]
                if f.required and not value:
                    break
                values.append((f.name, value))
            else:
                sendable.append((action, values))
        return sendable


# ------------------------------------------------------------------ crawling

@dataclass
class Problem:
    url: str
    status: int
    found_on: str
    what: str

    def __str__(self) -> str:
        return f"{self.status} {self.url} (linked from {self.found_on}): {self.what}"


@dataclass
class Crawl:
    role: str
    pages: int = 0
    forms: int = 0
    assets: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)  # 403/404: what the role may not see
    exhausted: bool = False  # every link was followed (not cut by MAX_URLS)
    texts: dict[str, str] = field(default_factory=dict)  # what each page says, as a person reads it


class ErrorLog(logging.Handler):
    """The exceptions the app logs while answering (the cause of a 500, for the report)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.records.append(text)


def _local(url: str, base: str) -> str | None:
    """``url`` as a same-origin path with query and no fragment, or None for another origin or scheme."""
    absolute = urljoin(ORIGIN + base, url.strip())
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
        return None
    return urlunsplit(("", "", parts.path or "/", parts.query, ""))


def _shape(app, path: str) -> tuple:
    """Which route a URL is and which query keys it has: the crawler reads a bounded number of each."""
    parts = urlsplit(path)
    try:
        endpoint, _ = app.url_map.bind("localhost").match(parts.path)
    except HTTPException:  # not found, or redirected (to a trailing slash): its own shape
        endpoint = parts.path
    if endpoint.startswith("sites."):
        endpoint = parts.path  # a published site is many pages of one route: each is a page
    return endpoint, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def _sees_everything(role: str, url: str) -> bool:
    """Whether ``role`` may open ``url`` whatever it is: a refusal is then a broken link."""
    return role == "admin" or (role == "maintainer" and url.startswith((f"/books/{BOOK}/", f"/read/{BOOK}/",
                                                                         f"/previews/{BOOK}/")))


def _page_problems(report: "Crawl", url: str, status: int, found_on: str, body: str, errors: ErrorLog) -> None:
    """What is wrong with one answer: a server error, an unexpected refusal, a template error."""
    if status >= 500:
        report.problems.append(Problem(url, status, found_on, "; ".join(errors.records) or body[:300]))
    elif status in (401, 403, 404) and not _sees_everything(report.role, url):
        report.refused.append(Problem(url, status, found_on, ""))
    elif status >= 400:
        report.problems.append(Problem(url, status, found_on, "unexpected refusal: " + _text_of(body)[:200]))
    shown = re.sub(r'<pre class="log">.*?</pre>', "", body, flags=re.S)  # job logs quote what they ran
    if TEMPLATE_ERROR.search(shown):
        report.problems.append(Problem(url, status, found_on, "template error: " + TEMPLATE_ERROR.search(shown)[0]))
    if shown and not urlsplit(url).path.startswith(SITE_PATHS):
        undefined = UNDEFINED_NAME.search(re.sub(r"<(script|textarea)\b.*?</\1>", "", shown, flags=re.S))
        if undefined:
            report.problems.append(Problem(url, status, found_on, "undefined in template: " + undefined[0]))


def _text_of(body: str) -> str:
    main = re.search(r"<main\b.*?</main>", body, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main[0] if main else body)).strip()


def crawl(app, client, role: str, start: list[str], errors: ErrorLog) -> Crawl:
    """Breadth-first from ``start``: GET every same-origin link and GET form, check every static file."""
    report = Crawl(role)
    queue: deque[tuple[str, str, str]] = deque((url, "(start)", "page") for url in start)
    seen: set[str] = set(start)
    shapes: Counter = Counter()
    assets_seen: set[str] = set()

    def add(url: str | None, found_on: str, kind: str) -> None:
        if url is None or url in seen or NEVER_FOLLOW.search(urlsplit(url).path):
            return
        shape = _shape(app, url)
        if shapes[shape] >= SAME_SHAPE:
            return
        shapes[shape] += 1
        seen.add(url)
        queue.append((url, found_on, kind))

    while queue and report.pages + report.forms < MAX_URLS:
        url, found_on, kind = queue.popleft()
        errors.records.clear()
        response = client.get(url, headers={"Accept-Language": LANGUAGES.get(role, "zh-CN")})
        status = response.status_code
        report.statuses[url] = status
        if kind == "form":
            report.forms += 1
        else:
            report.pages += 1
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        _page_problems(report, url, status, found_on, body, errors)
        if status in (301, 302, 303, 307, 308):
            add(_local(response.headers["Location"], url), url, "page")
            continue
        if not body:
            continue
        if status == 200:
            report.texts[url] = _text_of(body)
        links = PageLinks()
        links.feed(body)
        for href in links.links:
            target = _local(href, url)
            if target is not None and STATIC_SUFFIX.search(urlsplit(target).path):
                _check_asset(client, report, target, url, assets_seen)
            else:
                add(target, url, "page")
        for action, fields in links.forms():
            target = _local(action or url, url)
            if target is not None:
                add(urlunsplit(("", "", urlsplit(target).path, urlencode(fields), "")), url, "form")
        for src in links.assets:
            target = _local(src, url)
            if target is not None:
                _check_asset(client, report, target, url, assets_seen)
    report.exhausted = not queue
    return report


def _check_asset(client, report: Crawl, url: str, found_on: str, seen: set[str]) -> None:
    """A static file (or a download: CSV, PDF) answers (< 400); it is not read further."""
    if url in seen:
        return
    seen.add(url)
    response = client.get(url)
    report.assets += 1
    report.statuses[url] = response.status_code
    if response.status_code >= 400:
        report.problems.append(Problem(url, response.status_code, found_on, "static file does not answer"))
    response.close()


# ------------------------------------------------------------------ the instance and the crawls

@pytest.fixture(scope="module", params=DATABASES)
def seeded(request, tmp_path_factory, starter_library, password_hash, database_of):
    directory = tmp_path_factory.mktemp("crawled")
    with database_of(request.param, directory) as url:
        instance = seed.seed_instance(directory, starter_library, password_hash, url)
        instance.app.jinja_env.undefined = DebugUndefined
        instance.database = request.param
        yield instance
        engine(instance.app).dispose()


@pytest.fixture(scope="module")
def crawled(seeded):
    """``crawled(role)`` -> that person's crawl (each made once per module)."""
    done: dict[str, Crawl] = {}
    errors = ErrorLog()

    def of(role: str) -> Crawl:
        if role not in done:
            client = seeded.app.test_client() if role == "anonymous" else seeded.client(role)
            start = ["/", f"/read/{BOOK}/", seeded.follow_url]
            if role == "outsider":
                start.append(f"/books/{SECOND_BOOK}")
            logging.getLogger("server").addHandler(errors)
            try:
                done[role] = crawl(seeded.app, client, role, start, errors)
            finally:
                logging.getLogger("server").removeHandler(errors)
            report = done[role]
            print(f"\ncrawler: {role} visited {report.pages} pages, {report.forms} forms "
                  f"({report.assets} static files and downloads checked, {len(report.refused)} refused"
                  f"{'' if report.exhausted else ', stopped at the bound'}; {seeded.database})")
        return done[role]

    return of


def main_pages(seeded, role: str) -> dict[str, str]:
    """The main page of each kind, for ``role`` (the outsider reads the second book only)."""
    book, number = (SECOND_BOOK, seeded.numbers["second_book"]) if role == "outsider" else \
        (BOOK, seeded.numbers["in_review"])
    chapter = "01-inspection.md" if role == "outsider" else "04-pantograph.md"
    return {
        "home": "/",
        "book": f"/books/{book}",
        "chapter": f"/books/{book}/chapters/{chapter}",
        "chapter editor": f"/books/{book}/chapters/{chapter}/edit",
        "change request": f"/books/{book}/change-requests/{number}",
        "change request files": f"/books/{book}/change-requests/{number}/files",
        "history": f"/books/{book}/history",
        "alignment": f"/books/{book}/alignment",
        "dashboard": f"/books/{book}/dashboard",
        "feedback inbox": f"/books/{book}/feedback",
        "standards catalog": "/standards",
        "imported standard": f"/standards/{seed.IMPORTED_STANDARD}",
        "published site": f"/read/{BOOK}/{seed.VERSION}/chapters/03-brake-test.html",
        "change request preview": f"/previews/{BOOK}/{seeded.numbers['in_review']}/chapters/04-pantograph.html",
        "reader's follow link": seeded.follow_url,
        "created book": f"/books/{seed.CREATED_BOOK}",
        "word import report": seeded.import_report,
        "mkdocs import report": seeded.mkdocs_report,
        "word import being converted": seeded.converting_report,
        "textbook review": f"/books/{BOOK}/textbook-reviews/"
                           f"{seeded.reviews['reading' if role == 'outsider' else 'passed']}",
    }


# What each person must reach by following links (besides answering without errors).
EVERY_KIND = ["home", "book", "chapter", "change request", "change request files", "history", "alignment",
              "dashboard", "standards catalog", "imported standard", "published site", "change request preview"]
MUST_REACH = {
    "admin": EVERY_KIND + ["feedback inbox", "created book", "textbook review"],
    "maintainer": EVERY_KIND + ["feedback inbox", "chapter editor", "textbook review"],
    "teacher": EVERY_KIND + ["feedback inbox", "chapter editor", "word import report", "mkdocs import report",
                "word import being converted", "textbook review"],
    "technician": EVERY_KIND + ["feedback inbox", "chapter editor", "textbook review"],
    "reviewer": EVERY_KIND + ["feedback inbox", "textbook review"],
    "reader": EVERY_KIND + ["textbook review"],
    "outsider": [kind for kind in EVERY_KIND if kind != "change request preview"] + ["textbook review"],
    "anonymous": ["published site", "reader's follow link"],
}


# ------------------------------------------------------------------ over plain HTTP

def test_the_crawler_tells_server_errors_template_errors_and_unknown_names_from_refusals(seeded):
    """The checks themselves, on answers made up for them (a crawler that sees nothing proves nothing)."""
    unknown = seeded.app.jinja_env.from_string("<p>{{ no_such_helper }} {{ row.no_such_field }}</p>").render(row={})
    report, errors = Crawl("teacher"), ErrorLog()
    answers = [("/unknown", 200, unknown), ("/jinja", 200, "<pre>jinja2.exceptions.UndefinedError: x</pre>"),
               ("/crash", 500, "<main>出错了</main>"), ("/invalid", 422, "<main>bad</main>"),
               ("/private", 403, "<main>no</main>"), ("/admin/jobs/1", 200, '<pre class="log">Traceback (most '
                                                                          'recent call last):</pre>'),
               (f"/read/{BOOK}/1.0/", 200, "<code>{{ 模板 }} {{ page.title }}</code>")]
    for url, status, body in answers:
        _page_problems(report, url, status, "/", body, errors)
    assert [p.url for p in report.problems] == ["/unknown", "/jinja", "/crash", "/invalid"]
    assert "{{ no_such_helper }}" in report.problems[0].what and [p.url for p in report.refused] == ["/private"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_get_form_answers_without_server_or_template_errors(role, crawled):
    report = crawled(role)
    assert not report.problems, f"{role}:\n" + "\n".join(map(str, report.problems))


@pytest.mark.parametrize("role", ROLES)
def test_following_links_reaches_every_kind_of_page_the_role_may_see(role, crawled, seeded):
    report = crawled(role)
    pages = main_pages(seeded, role)
    missing = [kind for kind in MUST_REACH[role] if report.statuses.get(pages[kind]) != 200]
    assert not missing, f"{role} did not reach (or was refused) " + ", ".join(
        f"{kind} {pages[kind]} ({report.statuses.get(pages[kind], 'not linked')})" for kind in missing)
    if role not in ("anonymous", "outsider"):
        numbers = [n for key, n in seeded.numbers.items() if key != "second_book"]
        unread = [n for n in numbers if report.statuses.get(f"/books/{BOOK}/change-requests/{n}") != 200]
        assert not unread, f"{role} did not reach change requests {unread}"



NESTED = f"/books/{SECOND_BOOK}/chapters/structure/slide-plate.md"  # the seed's chapter in a folder


@pytest.mark.parametrize("role", ["technician", "outsider"])
def test_a_chapter_in_a_folder_and_its_parts_own_page_are_reached_by_following_links(role, crawled):
    report = crawled(role)
    wanted = [NESTED, f"/books/{SECOND_BOOK}/chapters/structure/index.md", f"{NESTED}/history"]
    wanted += [f"{NESTED}/edit", f"{NESTED}/blame"] if role == "technician" else []
    assert {url: report.statuses.get(url) for url in wanted} == {url: 200 for url in wanted}


# Pages whose purpose is the files and accounts themselves: a book's files, their history and the
# comparison of two versions, the parts-and-chapters page where files are renamed, the reports of an
# import (where each source page went), the textbook review's signed records (shown as stored), the
# people and members lists an administrator or maintainer keeps, one's own account, the audit log, and
# the new-book form, whose first members are typed as user names and roles ("li.shifu reviewer").
NAMES_SHOWN_ON_PURPOSE = re.compile(
    r"^/(books/[^/]+/(files|source|history|blame|members|commits?|assets|compare|structure|import|textbook-reviews)\b"
    r"|books/[^/]+/chapters/(?:[^/]+/)*?[^/]+\.md/(history|blame|rename)\b|books/[^/]+/change-requests/\d+/files\b"
    r"|books/new$|people|audit|account|admin|read/|previews/)")
# A file name is fine as the second name of a chapter, in brackets after its title: 《制动机》（08-brake.md）.
CHAPTER_FILE = re.compile(r"(?<![\w/.(（-])[\w-]+\.md\b(?![)）])")
BRANCH_WORDING = re.compile(r"\bcr/\d+\b")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in LANGUAGES])  # who read the interface in Chinese
def test_pages_name_chapters_by_title_and_people_by_display_name(role, crawled, seeded):
    """In a page in Chinese, a Latin user name or a chapter's file name is what the interface failed to
    translate into a person or a chapter (the seeded people's user names are all lower case)."""
    report = crawled(role)
    # ("reader feedback": the English words of a change request's description, made from a reader's feedback)
    usernames = re.compile(r"(?<![\w@./-])(" + "|".join(seed.PEOPLE) + r")(?![\w@./-]| feedback)")
    found = []
    for url, text in report.texts.items():
        if NAMES_SHOWN_ON_PURPOSE.search(urlsplit(url).path):
            continue
        for pattern, what in ((usernames, "user name"), (CHAPTER_FILE, "file name"), (BRANCH_WORDING, "branch")):
            for match in pattern.finditer(text):
                found.append(f"{url}: {what} {match[0]!r} in …{text[max(0, match.start() - 60):match.end() + 30]}…")
    assert not found, f"{role}:\n" + "\n".join(sorted(set(found))[:80])


# ------------------------------------------------------------------ in Chromium

@pytest.fixture(scope="module")
def live(seeded):
    with serving(seeded.app) as url:
        yield url


def _watch(page, messages: list[str]) -> None:
    page.on("console", lambda m: messages.append(f"{page.url}: console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda error: messages.append(f"{page.url}: page error: {error}"))


def _browser_context(browser, seeded, live: str, role: str, **options):
    """A browser context with ``role``'s session (the cookie the HTTP crawl signed in with)."""
    context = browser.new_context(locale=LANGUAGES.get(role, "zh-CN"), **options)
    if role != "anonymous":
        cookie = seeded.client(role).get_cookie("session")
        context.add_cookies([{"name": "session", "value": cookie.value, "url": live}])
    return context


@pytest.mark.browser
@pytest.mark.parametrize("role", ROLES)
def test_the_main_page_of_each_kind_shows_without_console_or_page_errors(role, seeded, crawled, live, browser):
    report = crawled(role)
    pages = {kind: path for kind, path in main_pages(seeded, role).items()
             if report.statuses.get(path) in (200, 302)}  # what the role may open (a refusal logs a console error)
    if role == "anonymous":
        pages["sign in"] = "/login"
    context = _browser_context(browser, seeded, live, role)
    messages: list[str] = []
    try:
        tabs = []
        for kind, path in pages.items():  # every tab loads at once; then each is waited for
            tab = context.new_page()
            _watch(tab, messages)
            tabs.append((kind, tab, tab.goto(live + path, wait_until="commit")))
        for kind, tab, response in tabs:
            tab.wait_for_load_state("load")  # not "networkidle": pages that follow a job poll for ever
            assert response.status < 400, (kind, tab.url, response.status)
    finally:
        context.close()
    print(f"\ncrawler: {role} opened {len(pages)} pages in Chromium ({seeded.database})")
    assert not messages, "\n".join(messages)


@pytest.mark.browser
def test_the_conflict_screen_of_an_update_from_main_shows_without_console_errors(seeded, live, browser):
    context = _browser_context(browser, seeded, live, "teacher")
    page = context.new_page()
    messages: list[str] = []
    _watch(page, messages)
    try:
        page.goto(f"{live}/books/{BOOK}/change-requests/{seeded.numbers['conflicting']}")
        with page.expect_navigation() as navigation:
            page.locator("form[action$='/update'] button[type=submit]").click()
        assert navigation.value.status == 409
        assert page.locator("text=列车管定压（企业方修订）").count() > 0
    finally:
        context.close()
    expected = "the server responded with a status of 409"
    assert not [m for m in messages if expected not in m], "\n".join(messages)




AXE_ROLES = ["admin", "teacher", "reader", "anonymous"]  # between them, every kind of platform page and control


def _axe_pages(app, report: Crawl, checked: set) -> list[str]:
    """One reached platform page of each shape not checked yet (published sites have their own test)."""
    pages = []
    for url, status in report.statuses.items():
        shape = _shape(app, url)
        if status == 200 and shape not in checked and not urlsplit(url).path.startswith(SITE_PATHS) \
                and not STATIC_SUFFIX.search(urlsplit(url).path) and not url.startswith("/api/"):
            checked.add(shape)
            pages.append(url)
    return pages


@pytest.mark.browser
def test_every_platform_page_passes_axe_core_without_serious_or_critical_violations(seeded, crawled, live, browser):
    checked: set = set()
    problems: list[str] = []
    count = 0
    for role in AXE_ROLES:
        context = _browser_context(browser, seeded, live, role, bypass_csp=True)  # to inject axe
        try:
            tab = context.new_page()
            for path in _axe_pages(seeded.app, crawled(role), checked):
                try:
                    response = tab.goto(live + path, wait_until="load")
                except PlaywrightError as error:  # a download (a CSV template) is no page
                    if "Download is starting" in str(error):
                        continue
                    raise
                if response is None or response.status != 200 or "text/html" not in response.headers.get(
                        "content-type", ""):
                    continue
                count += 1
                problems += [f"{role} {path}: {v}" for v in serious_violations(tab)]
        finally:
            context.close()
    print(f"\naxe-core: {count} pages checked ({seeded.database})")
    assert count > 30  # the crawl reached the pages
    assert not problems, f"{len(problems)} serious or critical violations:\n" + "\n".join(problems)
