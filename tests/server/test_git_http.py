"""Git for power users: clone a book with a personal access token, push a branch to open a change request.

Real git against the real server (waitress on a free port), over real repositories.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from helpers import STARTER_BOOK, serving
from materials import Library
from server.accounts.models import User
from server.accounts.tokens import issue_token
from server.change_requests.models import ChangeRequest
from server.database import new_session

CHAPTER = "---\ntitle: 推送的章节\n---\n\n# 推送的章节\n\n用 git 写的一段话。\n"


def git(*args: str, cwd: Path | None = None, check: bool = True, env: dict | None = None):
    """git as a person runs it, with no configuration of their own and no prompt."""
    home = Path(os.environ.get("JB_TEST_GIT_HOME", "/nonexistent"))
    environment = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                   "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "en", "GIT_AUTHOR_NAME": "Laptop User",
                   "GIT_AUTHOR_EMAIL": "me@laptop", "GIT_COMMITTER_NAME": "Laptop User",
                   "GIT_COMMITTER_EMAIL": "me@laptop", **(env or {})}
    result = subprocess.run(["git", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def token_of(app, username: str) -> str:
    with app.app_context():
        from server.database import db
        user = db().scalar(select(User).where(User.username == username))
        _token, secret = issue_token(db(), user, "git")
        db().commit()
    return secret


@pytest.fixture
def server(app, tmp_path, monkeypatch):
    monkeypatch.setenv("JB_TEST_GIT_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with serving(app) as url:
        yield url


def remote(url: str, username: str, token: str, book: str = STARTER_BOOK) -> str:
    host = url.removeprefix("http://")
    return f"http://{quote(username)}:{quote(token, safe='')}@{host}/git/{book}.git"


def clone(url, tmp_path, name="work"):
    return git("clone", "--quiet", url, str(tmp_path / name))


def test_a_member_clones_the_book_alone_with_its_history(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    assert sorted(p.name for p in work.iterdir() if p.name != ".git") == ["assets", "book.yml", "chapters"]
    lib = Library(app.config["LIBRARY_PATH"])
    expected = len(lib.log("main", f"books/{STARTER_BOOK}"))
    count = int(git("rev-list", "--count", "HEAD", cwd=work).stdout)
    assert count == expected
    first_lib = lib.log("main", f"books/{STARTER_BOOK}")[-1]
    subject = git("log", "--reverse", "--format=%an|%s", cwd=work).stdout.splitlines()[0]
    assert subject == f"{first_lib.author_name}|{first_lib.summary}"


def test_without_a_token_git_is_asked_for_one_and_a_wrong_one_is_refused(app, server, tmp_path):
    import urllib.request
    from urllib.error import HTTPError
    with pytest.raises(HTTPError) as anonymous:
        urllib.request.urlopen(f"{server}/git/{STARTER_BOOK}.git/info/refs?service=git-upload-pack")
    assert anonymous.value.code == 401
    assert anonymous.value.headers["WWW-Authenticate"].startswith("Basic ")
    token_of(app, "teacher")
    result = git("clone", remote(server, "teacher", "jb_not-the-token"), str(tmp_path / "x"), check=False)
    assert result.returncode != 0 and "Authentication failed" in result.stderr
    other = token_of(app, "reviewer")  # a real token, but someone else's account name
    result = git("clone", remote(server, "teacher", other), str(tmp_path / "y"), check=False)
    assert result.returncode != 0 and "Authentication failed" in result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_someone_not_a_member_is_told_the_book_does_not_exist(app, server, tmp_path):
    token = token_of(app, "outsider")
    refused = git("clone", remote(server, "outsider", token), str(tmp_path / "a" / "clone"), check=False)
    missing = git("clone", remote(server, "outsider", token, book="no-such-book"), str(tmp_path / "b" / "clone"),
                  check=False)
    assert refused.returncode != 0 and missing.returncode != 0
    assert "not found" in refused.stderr and "not found" in missing.stderr
    assert (refused.stderr.replace(STARTER_BOOK, "B").replace("/a/", "/") ==
            missing.stderr.replace("no-such-book", "B").replace("/b/", "/"))


def test_odd_book_names_never_reach_git(app, server, tmp_path):
    import urllib.request
    from urllib.error import HTTPError
    token = token_of(app, "teacher")
    import base64
    credentials = base64.b64encode(f"teacher:{token}".encode()).decode()
    for name in ("--upload-pack=touch%20x", "..%2Flibrary", "-x", "Locomotive", "a%00b"):
        request = urllib.request.Request(f"{server}/git/{name}.git/info/refs?service=git-upload-pack",
                                         headers={"Authorization": f"Basic {credentials}"})
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 404, name
    request = urllib.request.Request(f"{server}/git/{STARTER_BOOK}.git/info/refs?service=--upload-pack=x",
                                     headers={"Authorization": f"Basic {credentials}"})
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code in (400, 403)
    assert not list(Path(app.config["JOINTBOOK_INSTANCE"]).glob("**/x"))


def crs_of(app):
    with new_session(app) as session:
        return [(r.number, r.title, r.author_name, r.head, r.branch, r.state)
                for r in session.scalars(select(ChangeRequest).order_by(ChangeRequest.number))]


def commit_file(work: Path, path: str, text: str, message: str) -> None:
    target = work / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git("add", "--", path, cwd=work)
    git("commit", "--quiet", "-m", message, cwd=work)


def test_pushing_a_branch_opens_a_change_request_and_pushing_again_updates_it(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    git("switch", "--quiet", "-c", "pushed-chapter", cwd=work)
    commit_file(work, "chapters/pushed.md", CHAPTER, "Add a chapter written with git")
    pushed = git("push", "origin", "pushed-chapter", cwd=work)
    assert "remote: Change request #1 opened: Add a chapter written with git" in pushed.stderr
    assert f"/books/{STARTER_BOOK}/change-requests/1" in pushed.stderr
    [(number, title, author, head, branch, state)] = crs_of(app)
    assert (number, title, author, branch, state) == (1, "Add a chapter written with git", "teacher", "cr/1", "open")
    lib = Library(app.config["LIBRARY_PATH"])
    assert lib.branch_head("cr/1") == head
    assert lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/pushed.md") == CHAPTER
    commit = lib.objects.commit(head)
    assert commit.author.name == "Teacher" and commit.trailer("Jointbook-Side") == "school"
    assert not lib.exists("main", f"books/{STARTER_BOOK}/chapters/pushed.md")
    assert not [b for b in lib.branches() if b.startswith("incoming/")]

    commit_file(work, "chapters/pushed.md", CHAPTER + "\n第二段。\n", "Second paragraph")
    again = git("push", cwd=work, env={"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "push.default",
                                        "GIT_CONFIG_VALUE_0": "current"})
    assert "remote: Change request #1 updated with 1 commit(s)." in again.stderr
    [(_n, _t, _a, head2, _b, _s)] = crs_of(app)
    assert head2 != head and lib.objects.commit(head2).parents == (head,)
    assert lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/pushed.md").endswith("第二段。\n")
    # the branch as pushed is the branch as fetched: no rewritten history to pull
    fetched = git("fetch", "origin", cwd=work)
    assert "forced update" not in fetched.stderr
    assert git("rev-parse", "origin/pushed-chapter", cwd=work).stdout == git("rev-parse", "HEAD", cwd=work).stdout
    assert "cr/1" in git("branch", "-r", cwd=work).stdout


def test_pushing_to_main_is_refused_and_nothing_changes(app, server, tmp_path):
    token = token_of(app, "maintainer")
    clone(remote(server, "maintainer", token), tmp_path)
    work = tmp_path / "work"
    lib = Library(app.config["LIBRARY_PATH"])
    before = lib.resolve("main")
    commit_file(work, "chapters/pushed.md", CHAPTER, "Straight to main")
    refused = git("push", "origin", "main", cwd=work, check=False)
    assert refused.returncode != 0
    assert "remote: The book's main text changes through change requests only." in refused.stderr
    assert "[remote rejected] main -> main" in refused.stderr
    assert lib.resolve("main") == before and crs_of(app) == []


@pytest.mark.parametrize("path, text, says", [
    ("notes.txt", "a note\n", "book.yml, chapters/ and assets/ only"),
    ("chapters/bad.md", "---\ntitle: [unclosed\n---\n\ntext\n", "chapters/bad.md"),
    ("chapters/yaml.md", "---\ntitle: !!python/object:os.system x\n---\n\ntext\n", "chapters/yaml.md"),
    ("book.yml", "title: &a [*a]\n", "book.yml"),
])
def test_a_push_breaking_the_books_rules_is_refused_with_its_reason(app, server, tmp_path, path, text, says):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    lib = Library(app.config["LIBRARY_PATH"])
    branches = lib.branches()
    git("switch", "--quiet", "-c", "broken", cwd=work)
    commit_file(work, path, text, "Something the book cannot hold")
    refused = git("push", "origin", "broken", cwd=work, check=False)
    assert refused.returncode != 0 and "[remote rejected] broken -> broken" in refused.stderr
    assert "remote: Refused: commit " in refused.stderr and says in refused.stderr
    assert crs_of(app) == [] and lib.branches() == branches


def test_a_tree_with_dot_dot_is_refused_by_git_itself(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=work, input="x\n", capture_output=True,
                          text=True, check=True).stdout.strip()
    tree = subprocess.run(["git", "mktree"], cwd=work, input=f"100644 blob {blob}\t..\n", capture_output=True,
                          text=True).stdout.strip()
    if not tree:
        pytest.skip("this git refuses to write the tree at all")
    head = git("rev-parse", "HEAD", cwd=work).stdout.strip()
    commit = git("commit-tree", tree, "-p", head, "-m", "escape", cwd=work).stdout.strip()
    refused = git("push", "origin", f"{commit}:refs/heads/escape", cwd=work, check=False)
    assert refused.returncode != 0
    assert "hasDotdot" in refused.stderr  # the book's repository checks every object it receives
    assert crs_of(app) == []


def test_branch_names_that_look_like_options_never_become_options(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    commit_file(work, "chapters/pushed.md", CHAPTER, "Option-like")
    lib = Library(app.config["LIBRARY_PATH"])
    branches = lib.branches()
    for name in ("-x", "x/--exec=touch", "--upload-pack=touch"):
        result = git("push", "origin", f"HEAD:refs/heads/{name}", cwd=work, check=False)
        assert result.returncode != 0
        assert f"remote: “{name}” cannot be a branch name here." in result.stderr
    assert crs_of(app) == [] and lib.branches() == branches
    assert not list(tmp_path.glob("**/touch")) and not list(Path(app.config["JOINTBOOK_INSTANCE"]).glob("**/touch"))


def pushed_cr(app, server, tmp_path, username="teacher"):
    """A clone of ``username``'s and the change request its first pushed branch opened."""
    token = token_of(app, username)
    clone(remote(server, username, token), tmp_path)
    work = tmp_path / "work"
    git("switch", "--quiet", "-c", "topic", cwd=work)
    commit_file(work, "chapters/pushed.md", CHAPTER, "Add a chapter written with git")
    git("push", "--quiet", "-u", "origin", "topic", cwd=work)
    with new_session(app) as session:
        row = session.scalars(select(ChangeRequest)).one()
        return work, row.number


def browser_save(app, username: str, number: int, path: str, text: str, base: str | None = None) -> str:
    """What the editor's save does: a commit on the change request by the person, through the service."""
    from materials import Write
    from server.change_requests.commits import commit_to_cr
    from server.change_requests.service import get_cr
    from server.database import db
    with app.test_request_context():
        user = db().scalar(select(User).where(User.username == username))
        row = get_cr(STARTER_BOOK, number)
        saved = commit_to_cr(user, row, [Write(f"books/{STARTER_BOOK}/{path}", text)], "Saved in the browser",
                             base or row.head)
        db().commit()
        return saved.sha


def test_a_browser_save_made_meanwhile_is_kept_beside_the_push(app, server, tmp_path):
    work, number = pushed_cr(app, server, tmp_path)
    browser_save(app, "teacher", number, "chapters/from-browser.md", CHAPTER.replace("推送", "网页"))
    commit_file(work, "chapters/pushed.md", CHAPTER + "\n第二段。\n", "Second paragraph")
    pushed = git("push", cwd=work)
    assert "remote: Changes saved meanwhile on the platform were merged with yours" in pushed.stderr
    lib = Library(app.config["LIBRARY_PATH"])
    assert lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/pushed.md").endswith("第二段。\n")
    assert "网页" in lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/from-browser.md")
    pulled = git("pull", "--ff-only", cwd=work)
    assert pulled.returncode == 0 and (work / "chapters" / "from-browser.md").exists()


def test_a_push_overlapping_a_browser_save_is_refused_and_changes_nothing(app, server, tmp_path):
    work, number = pushed_cr(app, server, tmp_path)
    browser_save(app, "teacher", number, "chapters/pushed.md", CHAPTER.replace("用 git 写的一段话。", "网页上改的话。"))
    lib = Library(app.config["LIBRARY_PATH"])
    head = lib.branch_head("cr/1")
    commit_file(work, "chapters/pushed.md", CHAPTER.replace("用 git 写的一段话。", "本地改的话。"), "Local edit")
    refused = git("push", cwd=work, check=False)
    assert refused.returncode != 0
    assert "remote: Someone changed the same passages on the platform meanwhile (chapters/pushed.md)." in refused.stderr
    assert "remote: Nothing was changed: run git pull" in refused.stderr
    assert lib.branch_head("cr/1") == head and "网页上改的话" in lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/pushed.md")


def test_browser_saves_racing_a_push_are_all_kept(app, server, tmp_path):
    import threading
    work, number = pushed_cr(app, server, tmp_path)
    saved: list[str] = []
    start = threading.Event()

    def save_many():
        start.wait()
        for i in range(8):
            browser_save(app, "teacher", number, f"chapters/race-{i}.md", CHAPTER.replace("推送", f"第{i}次"))
            saved.append(f"chapters/race-{i}.md")

    saver = threading.Thread(target=save_many)
    saver.start()
    for i in range(3):
        commit_file(work, f"chapters/pushed-{i}.md", CHAPTER, f"Pushed {i}")
    start.set()
    results = []
    for _ in range(3):
        result = git("push", cwd=work, check=False)
        results.append(result)
        if result.returncode == 0:
            break
        assert "run git pull" in result.stderr  # refused with a clear message, never silently
        git("pull", "--no-rebase", "--no-edit", cwd=work)
    saver.join(60)
    assert any(r.returncode == 0 for r in results)
    lib = Library(app.config["LIBRARY_PATH"])
    files = lib.files("cr/1", f"books/{STARTER_BOOK}/chapters")
    for path in saved + [f"chapters/pushed-{i}.md" for i in range(3)]:
        assert f"books/{STARTER_BOOK}/{path}" in files, path
    assert len(saved) == 8


def test_a_maintainer_pushes_to_main_where_the_book_allows_direct_commits(app, server, tmp_path):
    from materials import Author, Write
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{STARTER_BOOK}/book.yml"
    allowed = lib.read_text("main", path).replace("direct_commits: false", "direct_commits: true")
    lib.commit("main", [Write(path, allowed)], Author("Admin", "admin@example.org", "school"), "Allow direct commits",
               base=lib.resolve("main"))
    token = token_of(app, "maintainer")
    clone(remote(server, "maintainer", token), tmp_path)
    work = tmp_path / "work"
    commit_file(work, "chapters/pushed.md", CHAPTER, "Straight to main")
    pushed = git("push", "origin", "main", cwd=work)
    assert "remote: 1 commit(s) added to the book's main text." in pushed.stderr
    assert lib.read_text("main", f"books/{STARTER_BOOK}/chapters/pushed.md") == CHAPTER
    assert lib.objects.commit(lib.resolve("main")).author.name == "Maintainer"
    teacher = token_of(app, "teacher")  # an author is not a maintainer: still through change requests
    clone(remote(server, "teacher", teacher), tmp_path, "teacher")
    commit_file(tmp_path / "teacher", "chapters/other.md", CHAPTER, "Mine to main")
    refused = git("push", "origin", "main", cwd=tmp_path / "teacher", check=False)
    assert refused.returncode != 0 and "change requests only" in refused.stderr


def test_a_reader_clones_but_cannot_push(app, server, tmp_path):
    token = token_of(app, "reader")
    clone(remote(server, "reader", token), tmp_path)
    work = tmp_path / "work"
    git("switch", "--quiet", "-c", "topic", cwd=work)
    commit_file(work, "chapters/pushed.md", CHAPTER, "Reader's try")
    refused = git("push", "origin", "topic", cwd=work, check=False)
    assert refused.returncode != 0 and "403" in refused.stderr
    assert crs_of(app) == []


def test_another_persons_pushed_branch_is_not_theirs_to_write(app, server, tmp_path):
    pushed_cr(app, server, tmp_path)
    token = token_of(app, "technician")
    clone(remote(server, "technician", token), tmp_path, "tech")
    tech = tmp_path / "tech"
    git("switch", "--quiet", "-c", "topic", "origin/topic", cwd=tech)
    commit_file(tech, "chapters/pushed.md", CHAPTER + "\n改一下。\n", "Technician's change")
    refused = git("push", "origin", "topic", cwd=tech, check=False)
    assert refused.returncode != 0 and "not yours to write" in refused.stderr
    git("push", "origin", "topic:technician-topic", cwd=tech)
    assert [(n, a) for n, _t, a, *_ in crs_of(app)] == [(1, "teacher"), (2, "technician")]


def test_a_member_cannot_fetch_another_books_objects_by_their_id(app, server, tmp_path):
    lib = Library(app.config["LIBRARY_PATH"])
    secret = lib.objects.write_blob(b"another book's text\n")
    from materials import Author, Write
    lib.commit("main", [Write("books/other-book/book.yml", "title: Other\n"),
                        Write("books/other-book/chapters/secret.md", "---\ntitle: S\n---\nsecret\n")],
               Author("Admin", "admin@example.org", "school"), "Another book", base=lib.resolve("main"))
    other = lib.entry("main", "books/other-book/chapters/secret.md").sha
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    for sha in (other, secret, lib.resolve("main")):
        result = git("fetch", "origin", sha, cwd=work, check=False)
        assert result.returncode != 0, sha
        assert git("cat-file", "-e", sha, cwd=work, check=False).returncode != 0


def test_the_bundle_gives_the_book_alone_with_the_clones_history(app, server, tmp_path, signed_in):
    from click.testing import CliRunner
    from server.cli import main
    token = token_of(app, "reader")
    clone(remote(server, "reader", token), tmp_path)
    history = git("log", "--format=%H %an %s", cwd=tmp_path / "work").stdout
    page = signed_in("reader").get(f"/books/{STARTER_BOOK}").get_data(as_text=True)
    assert f'href="/books/{STARTER_BOOK}/export.bundle"' in page
    response = signed_in("reader").get(f"/books/{STARTER_BOOK}/export.bundle")
    assert response.status_code == 200 and response.mimetype == "application/x-git-bundle"
    (tmp_path / "page.bundle").write_bytes(response.data)
    api = app.test_client().get(f"/api/books/{STARTER_BOOK}/export.bundle",
                                headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.data == response.data
    out = tmp_path / "cli.bundle"
    done = CliRunner().invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "export-bundle", STARTER_BOOK,
                                     "--out", str(out)], env={"LIBRARY_PATH": app.config["LIBRARY_PATH"],
                                                              "DATABASE_URL": app.config["DATABASE_URL"]},
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    for name in ("page.bundle", "cli.bundle"):
        git("clone", "--quiet", str(tmp_path / name), str(tmp_path / f"from-{name}"))
        copy = tmp_path / f"from-{name}"
        assert git("log", "--format=%H %an %s", cwd=copy).stdout == history
        assert sorted(p.name for p in copy.iterdir() if p.name != ".git") == ["assets", "book.yml", "chapters"]
    assert signed_in("outsider").get(f"/books/{STARTER_BOOK}/export.bundle").status_code == 403
    assert signed_in("admin").get("/books/no-such-book/export.bundle").status_code == 404


def test_a_large_image_arrives_through_a_chunked_push_and_remote_lines_speak_chinese(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    git("switch", "--quiet", "-c", "big-picture", cwd=work)
    picture = b"\x89PNG\r\n\x1a\n" + os.urandom(3 * 1024 * 1024)  # more than git's 1 MiB post buffer: chunked
    (work / "assets" / "big.png").write_bytes(picture)
    git("add", "assets/big.png", cwd=work)
    git("commit", "--quiet", "-m", "大图", cwd=work)
    pushed = git("push", "origin", "big-picture", cwd=work, env={"LANGUAGE": "zh_CN"})
    assert "remote: 已创建修改请求 #1：大图" in pushed.stderr
    lib = Library(app.config["LIBRARY_PATH"])
    assert lib.read("cr/1", f"books/{STARTER_BOOK}/assets/big.png") == picture


def test_the_books_repository_is_rebuilt_after_it_was_deleted(app, server, tmp_path):
    import shutil as shell
    work, _number = pushed_cr(app, server, tmp_path)
    shell.rmtree(Path(app.config["JOINTBOOK_INSTANCE"]) / "book-mirrors")
    git("switch", "--quiet", "-c", "second", "origin/main", cwd=work)
    commit_file(work, "chapters/second.md", CHAPTER, "A second change")
    pushed = git("push", "origin", "second", cwd=work)
    assert "remote: Change request #2 opened: A second change" in pushed.stderr
    again = git("clone", "--quiet", remote(server, "teacher", token_of(app, "teacher")), str(tmp_path / "again"))
    assert again.returncode == 0 and (tmp_path / "again" / "book.yml").exists()


def test_a_chapter_pushed_with_crlf_is_stored_with_lf_and_the_pusher_is_told(app, server, tmp_path):
    token = token_of(app, "teacher")
    clone(remote(server, "teacher", token), tmp_path)
    work = tmp_path / "work"
    git("switch", "--quiet", "-c", "windows", cwd=work)
    (work / "chapters" / "crlf.md").write_bytes(CHAPTER.replace("\n", "\r\n").encode())
    git("add", "chapters/crlf.md", cwd=work)
    git("commit", "--quiet", "-m", "Written on Windows", cwd=work)
    pushed = git("push", "-u", "origin", "windows", cwd=work)
    assert "stored in the platform's one form" in pushed.stderr and "git pull --rebase" in pushed.stderr
    lib = Library(app.config["LIBRARY_PATH"])
    assert lib.read_text("cr/1", f"books/{STARTER_BOOK}/chapters/crlf.md") == CHAPTER
    git("pull", "--rebase", cwd=work)
    assert (work / "chapters" / "crlf.md").read_bytes() == CHAPTER.encode()


def test_the_books_releases_are_tags_of_its_repository(app, server, tmp_path):
    from materials import Author
    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{STARTER_BOOK}/v1.0", "main", Author("Maintainer", "m@example.org", "school"), "第一版")
    lib.create_tag("other-book/v9.0", "main", Author("Maintainer", "m@example.org", "school"), "another book's")
    token = token_of(app, "reader")
    clone(remote(server, "reader", token), tmp_path)
    work = tmp_path / "work"
    assert git("tag", cwd=work).stdout.split() == ["v1.0"]
    tree = git("rev-parse", "v1.0^{tree}", cwd=work).stdout.strip()
    assert tree == lib.subtree(f"{STARTER_BOOK}/v1.0", f"books/{STARTER_BOOK}")
